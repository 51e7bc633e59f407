"""FAISS index files (``faiss:INDEX``) with a side file of texts (``--texts FILE``).

FAISS keeps vectors, not texts, so the texts come from a file in the format ``--train`` reads
(``.txt`` one per line, ``.jsonl`` with ``text`` and optional ``lang``): line ``i`` is the text
of the vector at position ``i``. An ``IndexIDMap`` contributes its ids; other indexes use
positions. Vectors are read back with ``reconstruct``: exact for flat indexes, approximate for
compressed ones (PQ, SQ), which then match their encoder with a cosine below 1.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from vecleak.errors import StoreError
from vecleak.stores.base import StoreBatch, StoreOptions, VectorStore, in_batches, uri_path
from vecleak.stores.registry import register_store


@register_store("faiss", form="faiss:INDEX", help="a FAISS index file (texts from --texts FILE)")
class FaissStore(VectorStore):
    """A FAISS index file (opened memory-mapped, read-only) and the texts of its vectors.

    Args:
        index_path: a file written by ``faiss.write_index``.
        texts_path: the side file of texts, or ``None`` for an index without texts.
    """

    kind = "faiss"

    @classmethod
    def from_uri(cls, uri: str, options: StoreOptions) -> FaissStore:
        return cls(uri_path(uri), options.texts)

    def __init__(self, index_path: str | Path, texts_path: str | Path | None = None) -> None:
        try:
            import faiss
        except ImportError as err:
            raise StoreError("reading FAISS indexes needs faiss-cpu: pip install 'vecleak[stores]'") from err
        self.index_path = Path(index_path)
        if not self.index_path.is_file():
            raise StoreError(f"faiss:{index_path}: no such index file; give the file faiss.write_index wrote")
        try:
            index = faiss.read_index(str(self.index_path), faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY)
        except RuntimeError:
            try:                 # some index types cannot be memory-mapped
                index = faiss.read_index(str(self.index_path))
            except RuntimeError as err:
                raise StoreError(f"faiss:{index_path}: not a FAISS index ({str(err).splitlines()[0][:120]})") from err
        self._ids: np.ndarray | None = None
        if hasattr(faiss, "IndexIDMap") and isinstance(index, (faiss.IndexIDMap, faiss.IndexIDMap2)):
            self._ids = faiss.vector_to_array(index.id_map).astype(np.int64)
            index = faiss.downcast_index(index.index)
        if hasattr(index, "make_direct_map"):
            index.make_direct_map()      # in memory only; the file is not touched
        self._index = index
        self.texts_path = Path(texts_path) if texts_path is not None else None
        self._texts: list[str] | None = None
        self._langs: list[str | None] = []
        if self.texts_path is not None:
            from vecleak.data.records import read_records

            records = read_records(self.texts_path)
            if len(records) != index.ntotal:
                raise StoreError(f"{texts_path} holds {len(records)} texts but the index holds {index.ntotal} vectors; "
                                 "give one text per vector, in index order")
            self._texts = [r.text for r in records]
            self._langs = [r.lang for r in records]
        self._position = {str(i): k for k, i in enumerate(self._keys())}

    def _keys(self) -> list[str]:
        return [str(i) for i in (self._ids if self._ids is not None else range(self._index.ntotal))]

    def count(self) -> int:
        return int(self._index.ntotal)

    @property
    def dim(self) -> int:
        return int(self._index.d)

    def iter_ids(self, batch_size: int = 10_000) -> Iterator[list[str]]:
        keys = self._keys()
        for chunk in in_batches(keys, batch_size):
            yield list(chunk)

    def iter_batches(self, ids: Sequence[str] | None = None, *, batch_size: int = 256) -> Iterator[StoreBatch]:
        keys = self._keys() if ids is None else [i for i in ids if i in self._position]
        for chunk in in_batches(keys, batch_size):
            pos = np.array([self._position[i] for i in chunk], dtype=np.int64)
            vectors = self._index.reconstruct_batch(pos).astype(np.float32)
            texts = [self._texts[p] for p in pos] if self._texts is not None else [None] * len(pos)
            meta = [{"lang": self._langs[p]} if self._langs and self._langs[p] else {} for p in pos]
            yield StoreBatch(list(chunk), vectors, texts, meta)

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "index": str(self.index_path),
                "texts": str(self.texts_path) if self.texts_path else None, "index_type": type(self._index).__name__}
