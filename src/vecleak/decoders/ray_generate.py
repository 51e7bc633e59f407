"""Decoding on Ray: Ray Data over batches of vectors, one decoder per worker.

:class:`RayDecoder` wraps an :class:`~vecleak.decoders.inversion_decoder.InversionDecoder` and
answers like it, but its :meth:`~RayDecoder.generate` ships the decoder's files once (an object
in Ray's store, so workers on other machines need no shared disk) and maps batches of vectors
over a pool of actors, each holding one loaded copy. Greedy and beam search are deterministic,
so the reconstructions equal local decoding row for row (tested); Ray Data keeps row order.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from vecleak.data.vectors import check_vectors
from vecleak.decoders.inversion_decoder import InversionDecoder


def load_shipped_files(files: dict[str, bytes]) -> InversionDecoder:
    """The decoder whose saved files (name -> bytes) a worker received; loaded into memory, the
    temporary copy then removed."""
    with tempfile.TemporaryDirectory(prefix="vecleak-ray-decoder-") as tmp:
        for name, data in files.items():
            (Path(tmp) / name).write_bytes(data)
        return InversionDecoder.load(tmp)


class _Worker:
    """A Ray Data actor: the decoder, loaded once from the shipped files."""

    def __init__(self, files: Any, threads: int, options: dict[str, Any]) -> None:
        import ray
        import torch

        torch.set_num_threads(threads)
        self.decoder = load_shipped_files(ray.get(files[0]))     # the decoder's files, from Ray's object store
        self.options = options

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        langs = [str(x) for x in batch["lang"]]
        out = self.decoder.generate(np.stack(batch["vector"]).astype(np.float32),
                                    languages=langs if self.decoder.languages else None, **self.options)
        return {"row": batch["row"], "texts": np.array(["\x1f".join(c) for c in out], dtype=object)}


class RayDecoder:
    """``decoder`` with :meth:`generate` on Ray Data (everything else is the wrapped decoder's).

    Args:
        decoder: the decoder to run.
        num_workers: actors in the pool (default: one per two CPUs Ray sees, at least 1).
        threads: torch threads per actor.
        rows_per_task: vectors per Ray Data batch.
    """

    def __init__(self, decoder: InversionDecoder, *, num_workers: int | None = None, threads: int = 1,
                 rows_per_task: int = 64) -> None:
        self.decoder = decoder
        self.num_workers = num_workers
        self.threads = threads
        self.rows_per_task = rows_per_task
        self._files_ref = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.decoder, name)

    def shipped_files(self, ray: Any) -> Any:
        """A reference, in Ray's object store, to the decoder's saved files (put there once)."""
        if self._files_ref is None:
            with tempfile.TemporaryDirectory(prefix="vecleak-ray-") as tmp:
                self.decoder.save(tmp)
                self._files_ref = ray.put({p.name: p.read_bytes() for p in Path(tmp).iterdir() if p.is_file()})
        return self._files_ref

    def generate(self, embeddings: np.ndarray, *, num_beams: int = 1, num_candidates: int = 1, batch_size: int = 64,
                 length_penalty: float = 1.0, languages: str | Sequence[str] | None = None) -> list[list[str]]:
        """:meth:`InversionDecoder.generate`, on Ray: ``n`` lists of ``num_candidates`` texts."""
        from vecleak.ray_runtime import ray_dataset

        e = check_vectors(embeddings, name="embeddings to decode", dim=self.decoder.model.embedding_dim)
        codes = self.decoder.check_languages(languages, len(e)) or [""] * len(e)
        if not len(e):
            return []
        ray, ds = ray_dataset([{"row": i, "vector": e[i], "lang": codes[i]} for i in range(len(e))])
        workers = self.num_workers or max(1, int(ray.cluster_resources().get("CPU", 2)) // 2)
        options = {"num_beams": num_beams, "num_candidates": num_candidates, "batch_size": batch_size,
                   "length_penalty": length_penalty}
        out = ds.map_batches(_Worker, fn_constructor_args=([self.shipped_files(ray)], self.threads, options),
                             batch_size=self.rows_per_task, concurrency=workers, num_cpus=self.threads,
                             batch_format="numpy")
        rows = sorted(((int(r["row"]), str(r["texts"])) for r in out.iter_rows()))
        return [t.split("\x1f") for _, t in rows]
