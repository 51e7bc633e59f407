"""The vector-store reader interface: rows of ``(id, vector, text, metadata)``, read-only, streamed.

A reader never writes to the store it reads, never loads it whole, and yields rows in
batches. A new kind of store is one file with one :class:`VectorStore` subclass:

* :meth:`~VectorStore.count` - number of rows;
* :meth:`~VectorStore.iter_ids` - every row id, in an order that is stable between runs;
* :meth:`~VectorStore.iter_batches` - the rows (all, or those of given ids) as :class:`StoreBatch`;
* :meth:`~VectorStore.from_uri` - the store a URI and :class:`StoreOptions` name, for the class's
  :func:`~vecleak.stores.registry.register_store` schemes (the module is imported in
  ``vecleak/stores/__init__.py``, which registers it).

Ids are strings (a store's own integer keys are converted); ``vectors`` are ``(b, d)`` float32;
a row without text has ``None``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from vecleak.errors import StoreConfigError, StoreError


@dataclass(frozen=True)
class StoreOptions:
    """What a URI alone does not say: which collection/table and which columns."""

    collection: str | None = None
    table: str | None = None
    vector_column: str | None = None
    text_column: str | None = None
    id_column: str | None = None
    texts: Path | None = None


def uri_path(uri: str) -> str:
    """What follows a URI's scheme: ``DIR`` of ``chroma:DIR``."""
    return uri.partition(":")[2]


@dataclass
class StoreBatch:
    """``b`` rows of a store: ``ids (b,)``, ``vectors (b, d)`` float32, ``texts (b,)``, ``metadata (b,)``."""

    ids: list[str]
    vectors: np.ndarray
    texts: list[str | None]
    metadata: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        vectors = np.asarray(self.vectors, dtype=np.float32)
        if self.ids or vectors.ndim != 2:      # an empty (0, d) batch keeps its width as given
            vectors = vectors.reshape(len(self.ids), -1)
        self.vectors = vectors
        if not self.metadata:
            self.metadata = [{} for _ in self.ids]
        if not (len(self.ids) == len(self.vectors) == len(self.texts) == len(self.metadata)):
            raise StoreError(f"the store returned {len(self.ids)} ids, {len(self.vectors)} vectors, "
                             f"{len(self.texts)} texts and {len(self.metadata)} metadata rows; its rows are incomplete")

    def __len__(self) -> int:
        return len(self.ids)

    @staticmethod
    def concat(batches: Sequence[StoreBatch], dim: int) -> StoreBatch:
        """One batch of the rows of ``batches``, in order."""
        if not batches:
            return StoreBatch([], np.zeros((0, dim), np.float32), [], [])
        return StoreBatch([i for b in batches for i in b.ids], np.concatenate([b.vectors for b in batches]),
                          [t for b in batches for t in b.texts], [m for b in batches for m in b.metadata])


class VectorStore(ABC):
    """A read-only view of one collection (table, index) of a vector store. Use it as a context manager."""

    #: Short kind name (``chroma``, ``pgvector``, ...), recorded in reports.
    kind: str

    @classmethod
    def from_uri(cls, uri: str, options: StoreOptions) -> VectorStore:
        """The store ``uri`` (one of the schemes the class is registered for) names, with what
        ``options`` adds. By default ``cls(PATH)`` for ``SCHEME:PATH``; a store that reads options
        (a collection, columns, a texts file) overrides it."""
        return cls(uri_path(uri))  # type: ignore[call-arg]

    @abstractmethod
    def count(self) -> int:
        """Number of rows."""

    @property
    @abstractmethod
    def dim(self) -> int:
        """Dimension of the stored vectors."""

    @abstractmethod
    def iter_ids(self, batch_size: int = 10_000) -> Iterator[list[str]]:
        """Every row id, in batches, in an order that is the same on every run."""

    @abstractmethod
    def iter_batches(self, ids: Sequence[str] | None = None, *, batch_size: int = 256) -> Iterator[StoreBatch]:
        """The rows of ``ids`` (in that order), or every row, in batches of ``batch_size``."""

    def describe(self) -> dict[str, Any]:
        """What was read, for reports (no passwords)."""
        return {"kind": self.kind}

    def close(self) -> None:
        """Release connections and files."""

    def __enter__(self) -> VectorStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def fetch(self, ids: Sequence[str], *, batch_size: int = 256) -> StoreBatch:
        """The rows of ``ids`` as one batch, in that order; a missing id is a :class:`StoreError`."""
        batch = StoreBatch.concat(list(self.iter_batches(ids, batch_size=batch_size)), self.dim)
        if batch.ids != [str(i) for i in ids]:
            missing = sorted(set(map(str, ids)) - set(batch.ids))
            raise StoreError(f"the store no longer holds {len(missing)} of the sampled rows (e.g. {missing[:3]}); "
                             "was it written to during the audit? run again")
        return batch


def check_dimensions(vectors: Sequence[Any], where: str) -> np.ndarray:
    """Stack row vectors into ``(b, d)`` float32, refusing rows of different lengths."""
    lengths = {len(v) for v in vectors}
    if len(lengths) > 1:
        raise StoreError(f"{where}: the vectors have different dimensions ({sorted(lengths)}); "
                         "audit one embedding model's vectors at a time")
    if not vectors:
        return np.zeros((0, 0), np.float32)
    return np.asarray(np.stack([np.asarray(v, dtype=np.float32) for v in vectors]), dtype=np.float32)


def pick_collection(names: Sequence[str], wanted: str | None, where: str, *, what: str = "collection") -> str:
    """``wanted`` if the store has it; with ``wanted=None`` the store's only collection (or a
    :class:`StoreError` naming the choices and the ``collection`` setting)."""
    listed = ", ".join(sorted(names)) or "none"
    if wanted is None:
        if len(names) != 1:
            raise StoreConfigError.between("{where} holds {n} {what}s ({listed}); name one with {collection}",
                                           "collection", owner="StoreOptions", where=where, n=len(names), what=what,
                                           listed=listed)
        return next(iter(names))
    if wanted not in names:
        raise StoreError(f"{where} has no {what} '{wanted}'; it has: {listed}")
    return wanted


def in_batches(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    """``items`` in consecutive slices of ``size``."""
    for start in range(0, len(items), size):
        yield items[start:start + size]
