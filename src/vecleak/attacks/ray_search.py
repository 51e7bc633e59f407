"""The search attacker on Ray Data: its chunks of records spread over a pool of actors.

Each actor loads the decoder once (its files travel through Ray's object store, as in
:mod:`vecleak.decoders.ray_generate`) and the encoders by name, then runs
:meth:`~vecleak.attacks.search.Search.search_chunk` on the chunks it is given. A chunk is
seeded by its index and decoded with the same batches wherever it runs, so the texts equal the
local search's record for record (tested); Ray Data keeps the chunks' order.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from vecleak.attacks.base import Knowledge, QueryOracle
from vecleak.errors import ConfigError


class _SearchWorker:
    """A Ray Data actor: the decoder, the encoders and the search, built once."""

    def __init__(self, files: Any, setup: Any, threads: int) -> None:
        import ray
        import torch

        from vecleak.decoders.ray_generate import load_shipped_files
        from vecleak.encoders.registry import load_encoder

        torch.set_num_threads(threads)
        decoder = load_shipped_files(ray.get(files[0]))
        setup = ray.get(setup[0])
        encoders: dict[str, Any] = {}

        def encoder(name: str | None) -> Any:
            if name is None:
                return None
            if name not in encoders:
                encoders[name] = load_encoder(name)
            return encoders[name]

        source = setup["oracle"]
        oracle = QueryOracle.of(encoder(source["encoder"]), bf16=source["bf16"], name=setup["oracle_name"],
                                batch_size=source["batch_size"])
        known = setup["known"]
        self.knowledge = Knowledge(decoder, encoder(setup["attacker"]), leaked_vectors=setup["leaked_vectors"],
                                   leaked_targets=setup["leaked_targets"], oracle=oracle,
                                   known_decoder=decoder if known else None,
                                   known_encoder=encoder(setup["known_encoder"]))
        self.search = setup["search"]
        self.stored, self.langs = setup["stored"], setup["langs"]

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        out = []
        for k in batch["chunk"]:
            rows = self.search.chunks(len(self.stored))[int(k)]
            part = self.search.search_chunk(self.knowledge, self.stored[rows],
                                            None if self.langs is None else [self.langs[i] for i in rows],
                                            chunk_index=int(k))
            part["condition"] = part["condition"].tolist()
            part["queries"] = part["queries"].tolist()
            out.append(part)
        return {"chunk": batch["chunk"], "part": np.array(out, dtype=object)}


def search_on_ray(search: Any, knowledge: Knowledge, stored: np.ndarray, langs: list[str] | None, *,
                  threads: int = 1) -> list[dict[str, Any]]:
    """``search``'s chunk results for unit ``stored (n, m)`` vectors, computed on Ray Data actors
    (one per two CPUs Ray sees); the same as :meth:`Search.search_chunk` chunk by chunk here."""
    from vecleak.ray_runtime import ray_dataset

    known = knowledge.known_decoder is not None
    decoder = knowledge.known_decoder if known else knowledge.decoder
    oracle = knowledge.oracle
    if oracle.source is None or oracle.source["defended"]:
        raise ConfigError.between("the search runs on Ray only with an oracle built by QueryOracle.of(encoder) "
                                  "without a deployed defense; use {backend} local for this search", "backend",
                                  owner="AuditConfig")
    named = [oracle.source["encoder"], knowledge.attacker.name if not known else None,
             knowledge.known_encoder.name if knowledge.known_encoder is not None else None]
    for name in filter(None, named):
        if name.startswith("file:"):
            raise ConfigError.between("the search on Ray loads its encoders by name on each worker; {name} is "
                                      "precomputed vectors, not a model: use {backend} local", "backend",
                                      owner="AuditConfig", name=name)
    chunks = search.chunks(len(stored))
    if not chunks:
        return []
    setup = {"search": search, "known": known, "oracle": oracle.source, "oracle_name": oracle.name,
             "attacker": named[1], "known_encoder": named[2], "stored": np.asarray(stored, np.float32), "langs": langs,
             "leaked_vectors": None if known else knowledge.leaked_vectors,
             "leaked_targets": None if known else knowledge.leaked_in_attacker_space()}
    ray, ds = ray_dataset([{"chunk": k} for k in range(len(chunks))])
    workers = min(len(chunks), max(1, int(ray.cluster_resources().get("CPU", 2)) // 2))
    out = ds.map_batches(_SearchWorker, fn_constructor_args=([decoder.shipped_files(ray)], [ray.put(setup)], threads),
                         batch_size=1, concurrency=workers, num_cpus=threads, batch_format="numpy")
    parts = sorted(((int(r["chunk"]), r["part"]) for r in out.iter_rows()), key=lambda x: x[0])
    return [{**part, "condition": np.asarray(part["condition"], np.float32),
             "queries": np.asarray(part["queries"], np.int64)} for _, part in parts]
