"""Chroma persistent directories (``chroma:DIR``), read with ``chromadb.PersistentClient``.

The folder must already be a Chroma store (``chroma.sqlite3`` in it): opening an empty folder
would create a new store there, which an audit must never do. Rows are listed in Chroma's own
insertion order (``get(offset, limit)``), so a seeded sample is the same on every run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from vecleak.errors import StoreError
from vecleak.stores.base import StoreBatch, VectorStore, check_dimensions, in_batches, pick_collection

# No network calls from an audit (read when chromadb first builds its settings in this process).
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


class ChromaStore(VectorStore):
    """One collection of a persistent Chroma directory.

    Args:
        path: the directory a ``chromadb.PersistentClient`` wrote.
        collection: the collection name; optional when the store holds exactly one.
    """

    kind = "chroma"

    def __init__(self, path: str | Path, collection: str | None = None) -> None:
        path = Path(path)
        if not (path / "chroma.sqlite3").is_file():
            raise StoreError(f"chroma:{path}: not a Chroma directory (no chroma.sqlite3); give the folder "
                             "a chromadb.PersistentClient wrote")
        try:
            import chromadb
        except ImportError as err:
            raise StoreError("reading Chroma needs the chromadb package: pip install 'vecleak[stores]'") from err

        self.path = path
        try:
            self._client = chromadb.PersistentClient(path=str(path))
            names = sorted(getattr(c, "name", c) for c in self._client.list_collections())
        except Exception as err:        # chromadb raises its own types for a corrupt or newer store
            raise StoreError(f"chroma:{path}: cannot open the store ({type(err).__name__}: {err})") from err
        collection = pick_collection(names, collection, f"chroma:{path}")
        self.collection = collection
        self._col = self._client.get_collection(collection)
        self._dim: int | None = None

    def count(self) -> int:
        return int(self._col.count())

    @property
    def dim(self) -> int:
        if self._dim is None:
            got = self._col.get(limit=1, include=["embeddings"])
            if not got["ids"]:
                raise StoreError(f"chroma:{self.path} collection '{self.collection}' is empty; nothing to audit")
            self._dim = int(len(got["embeddings"][0]))
        return self._dim

    def iter_ids(self, batch_size: int = 10_000) -> Iterator[list[str]]:
        offset = 0
        while True:
            ids = self._col.get(limit=batch_size, offset=offset, include=[])["ids"]
            if not ids:
                return
            yield [str(i) for i in ids]
            offset += len(ids)

    def iter_batches(self, ids: Sequence[str] | None = None, *, batch_size: int = 256) -> Iterator[StoreBatch]:
        include = ["embeddings", "documents", "metadatas"]
        if ids is None:
            offset = 0
            while True:
                got = self._col.get(limit=batch_size, offset=offset, include=include)
                if not got["ids"]:
                    return
                yield self._batch(got)
                offset += len(got["ids"])
        for chunk in in_batches(list(ids), batch_size):
            got = self._col.get(ids=list(chunk), include=include)
            order = {i: k for k, i in enumerate(got["ids"])}
            keep = [order[i] for i in chunk if i in order]
            yield self._batch({key: [got[key][k] for k in keep] if got[key] is not None else None
                               for key in ("ids", "embeddings", "documents", "metadatas")})

    def _batch(self, got: dict[str, Any]) -> StoreBatch:
        vectors = check_dimensions(list(got["embeddings"]), f"chroma:{self.path}")
        n = len(got["ids"])
        texts = list(got["documents"]) if got.get("documents") is not None else [None] * n
        meta = [dict(m) if m else {} for m in got["metadatas"]] if got.get("metadatas") is not None else [{}] * n
        return StoreBatch([str(i) for i in got["ids"]], vectors.reshape(n, -1), texts, meta)

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "path": str(self.path), "collection": self.collection}

    def close(self) -> None:
        self._col = None
        self._client = None
