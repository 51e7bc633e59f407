"""Qdrant servers (``qdrant+http://HOST:PORT``, ``qdrant+https://...``), read with qdrant-client's
``scroll`` and ``retrieve``. A server sends JSON or protobuf, never pickles.

Local folders (``qdrant:PATH``) are read by :mod:`vecleak.stores.qdrant_folder` instead:
qdrant-client's embedded mode unpickles every stored point and writes into the folder, so
this reader never hands the client a path.

Texts and languages come from each point's payload (``text`` / ``--text-column``, ``lang``).
A collection with named vectors needs ``--vector-column NAME``. Ids are listed with ``scroll``
(ids only, in Qdrant's id order); a sample fetches its points with ``retrieve``. Note that a
collection with cosine distance normalizes vectors when they are written: what is stored is
unit length whatever the encoder produced.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from vecleak.errors import StoreConfigError, StoreError
from vecleak.stores.base import StoreBatch, StoreOptions, VectorStore, check_dimensions, in_batches, pick_collection
from vecleak.stores.registry import register_store


@register_store("qdrant+http", "qdrant+https", form="qdrant+http://HOST:PORT",
                help="a Qdrant server, through qdrant-client (--collection)")
class QdrantStore(VectorStore):
    """One collection of a Qdrant server (read-only use of the client: scroll, retrieve, count).

    Args:
        location: the server's ``http://`` or ``https://`` URL.
    """

    kind = "qdrant"

    @classmethod
    def from_uri(cls, uri: str, options: StoreOptions) -> QdrantStore:
        return cls(uri[len("qdrant+"):], options.collection, vector_name=options.vector_column,
                   text_field=options.text_column or "text")

    def __init__(self, location: str, collection: str | None = None, *, vector_name: str | None = None,
                 text_field: str = "text", timeout: int = 5) -> None:
        try:
            from qdrant_client import QdrantClient
        except ImportError as err:
            raise StoreError("reading Qdrant needs qdrant-client: pip install 'vecleak[stores]'") from err
        if not location.startswith(("http://", "https://")):
            raise StoreError(f"qdrant+{location}: not a server URL; give qdrant+http://HOST:PORT, or qdrant:PATH "
                             "for a local folder")
        self.location = location
        try:
            self._client = QdrantClient(url=location, timeout=timeout, check_compatibility=False)
            names = sorted(c.name for c in self._client.get_collections().collections)
        except Exception as err:       # connection refused, a server error
            raise StoreError(f"cannot open Qdrant at {location}: {str(err).splitlines()[0][:160]}") from err
        collection = pick_collection(names, collection, f"Qdrant at {location}")
        self.collection, self.vector_name, self.text_field = collection, vector_name, text_field
        vectors = self._client.get_collection(collection).config.params.vectors
        if isinstance(vectors, dict):
            if vector_name not in vectors:
                raise StoreConfigError.between("collection {name} has named vectors ({named}); choose one with "
                                               "{vector_column}", "vector_column", owner="StoreOptions",
                                               name=collection, named=", ".join(sorted(vectors)))
            self._dim = int(vectors[vector_name].size)
        else:
            self._dim = int(vectors.size)

    def count(self) -> int:
        return int(self._client.count(self.collection, exact=True).count)

    @property
    def dim(self) -> int:
        return self._dim

    def iter_ids(self, batch_size: int = 10_000) -> Iterator[list[str]]:
        offset = None
        while True:
            points, offset = self._client.scroll(self.collection, limit=batch_size, offset=offset,
                                                 with_payload=False, with_vectors=False)
            if points:
                yield [str(p.id) for p in points]
            if offset is None:
                return

    def iter_batches(self, ids: Sequence[str] | None = None, *, batch_size: int = 256) -> Iterator[StoreBatch]:
        keys = [i for chunk in self.iter_ids() for i in chunk] if ids is None else list(ids)
        for chunk in in_batches(keys, batch_size):
            got = self._client.retrieve(self.collection, ids=[int(i) if i.isdigit() else i for i in chunk],
                                        with_payload=True, with_vectors=True)
            by_id = {str(p.id): p for p in got}
            points = [by_id[i] for i in chunk if i in by_id]
            vectors = check_dimensions([p.vector[self.vector_name] if self.vector_name else p.vector for p in points],
                                       f"qdrant collection {self.collection}")
            payloads = [p.payload or {} for p in points]
            yield StoreBatch([str(p.id) for p in points], vectors.reshape(len(points), -1),
                             [pl.get(self.text_field) for pl in payloads],
                             [{"lang": pl["lang"]} if pl.get("lang") else {} for pl in payloads])

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "location": self.location, "collection": self.collection}

    def close(self) -> None:
        client, self._client = getattr(self, "_client", None), None
        if client is not None:
            client.close()
