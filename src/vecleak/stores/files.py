"""Data outside a database as a store: arrays in memory, or a vectors file (``.npy``, ``.jsonl``, ``.parquet``) and a texts file.

``vecleak audit --vectors FILE --texts FILE``: row ``i`` of the texts (``.txt`` line, or
``.jsonl`` object with ``text`` and optional ``lang``) belongs to vector ``i``. Ids are positions.
Open them from their paths with ``FileStore(VECTORS, TEXTS)``, or as the URI ``files:VECTORS``
(texts from ``StoreOptions.texts``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from vecleak.errors import StoreError
from vecleak.stores.base import StoreBatch, StoreOptions, VectorStore, in_batches, uri_path
from vecleak.stores.registry import register_store


class ArrayStore(VectorStore):
    """Vectors ``(n, d)`` with their texts and languages, held in memory; ids are positions."""

    kind = "arrays"

    def __init__(self, vectors: np.ndarray, texts: Sequence[str | None] | None = None,
                 langs: Sequence[str | None] | None = None) -> None:
        from vecleak.data.vectors import check_vectors

        self._vectors = check_vectors(vectors, name="stored vectors")
        n = len(self._vectors)
        self._texts = list(texts) if texts is not None else [None] * n
        self._langs = list(langs) if langs is not None else [None] * n
        if len(self._texts) != n or len(self._langs) != n:
            raise StoreError(f"{len(self._texts)} texts and {len(self._langs)} languages for {n} vectors; give one "
                             "per vector, in the same order")

    def count(self) -> int:
        return len(self._vectors)

    @property
    def dim(self) -> int:
        return int(self._vectors.shape[1])

    def iter_ids(self, batch_size: int = 10_000) -> Iterator[list[str]]:
        for chunk in in_batches([str(i) for i in range(len(self._vectors))], batch_size):
            yield list(chunk)

    def iter_batches(self, ids: Sequence[str] | None = None, *, batch_size: int = 256) -> Iterator[StoreBatch]:
        keys = [str(i) for i in range(len(self._vectors))] if ids is None else list(ids)
        for chunk in in_batches([k for k in keys if k.isdigit() and int(k) < len(self._vectors)], batch_size):
            pos = [int(k) for k in chunk]
            yield StoreBatch(list(chunk), self._vectors[pos], [self._texts[p] for p in pos],
                             [{"lang": self._langs[p]} if self._langs[p] else {} for p in pos])

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "rows": len(self._vectors)}


@register_store("files", form="files:VECTORS", help="exported vectors, .npy, .jsonl or .parquet (texts from --texts FILE)")
class FileStore(ArrayStore):
    """Vectors and texts from two files, read once (exported data is small enough to hold)."""

    kind = "files"

    @classmethod
    def from_uri(cls, uri: str, options: StoreOptions) -> FileStore:
        return cls(uri_path(uri), options.texts)

    def __init__(self, vectors: str | Path, texts: str | Path | None = None) -> None:
        from vecleak.data.records import read_records
        from vecleak.data.vectors import read_vectors

        self.vectors_path = Path(vectors)
        self.texts_path = Path(texts) if texts is not None else None
        E = read_vectors(self.vectors_path)
        records = read_records(self.texts_path) if self.texts_path is not None else []
        if records and len(records) != len(E):
            raise StoreError(f"{texts} holds {len(records)} texts but {vectors} holds {len(E)} vectors; "
                             "give one text per vector, in the same order")
        super().__init__(E, [r.text for r in records] or None, [r.lang for r in records] or None)

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "vectors": str(self.vectors_path),
                "texts": str(self.texts_path) if self.texts_path else None}
