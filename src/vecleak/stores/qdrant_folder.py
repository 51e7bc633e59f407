"""Local Qdrant folders (``qdrant:PATH``), read without qdrant-client and without unpickling.

qdrant-client's embedded mode (``QdrantClient(path=...)``) ``pickle.loads`` every stored point,
so opening a folder someone else wrote runs whatever code they pickled, and it writes ``.lock``
and ``meta.json`` into any folder it is given. This reader only reads, and only two things:

* ``meta.json``: JSON ``{"collections": {NAME: {"vectors": {"size": d, ...} or {VECTOR: {"size": d, ...}}}}}``;
* ``collection/NAME/storage.sqlite``, opened read-only: table ``points(id TEXT, point BLOB)``, each
  BLOB a pickled ``PointStruct`` (``id``, ``vector``, ``payload``), decoded by
  :func:`vecleak.stores.pickle_data.load_data`, which builds data and refuses any other object.

Ids are each point's own ``id`` (an unsigned integer, or a UUID in canonical spelling); when
several rows hold one id the latest write (highest ``rowid``) is the point, as in qdrant-client.
They are listed in Qdrant's scroll order: integers first, by value, then UUID strings. Only ids
and rowids are kept in memory; a batch fetches its rows by rowid. Texts and languages come from
each point's payload (``text`` / ``--text-column``, ``lang``); a collection with named vectors
needs ``--vector-column NAME``.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from vecleak.errors import StoreConfigError, StoreError
from vecleak.stores.base import (
    StoreBatch, StoreOptions, VectorStore, check_dimensions, in_batches, pick_collection, uri_path,
)
from vecleak.stores.pickle_data import MAX_BYTES, check_size, load_data, one_line
from vecleak.stores.registry import register_store
from vecleak.stores.sqlite_ro import open_sqlite_read_only

#: The one class a stored point may be: qdrant-client's ``PointStruct`` (read as a dict).
POINT_STRUCT = "qdrant_client.http.models.models.PointStruct"
#: Largest ``meta.json`` read (it holds one config per collection).
MAX_META_BYTES = 16 << 20
_GIVE = "give the folder QdrantClient(path=...) wrote, or qdrant+http://HOST:PORT for a server"


@register_store("qdrant", form="qdrant:PATH",
                help="a local Qdrant folder, read from its files without qdrant-client or unpickling (--collection)")
class QdrantFolderStore(VectorStore):
    """One collection of a local Qdrant folder, read from its files (no client, no unpickling).

    Args:
        path: the folder ``QdrantClient(path=...)`` wrote (``meta.json``, ``collection/``).
        collection: the collection name; optional when the folder holds exactly one.
        vector_name: which named vector to read, for a collection with named vectors.
        text_field: the payload key of the texts.
    """

    kind = "qdrant"

    @classmethod
    def from_uri(cls, uri: str, options: StoreOptions) -> QdrantFolderStore:
        return cls(uri_path(uri), options.collection, vector_name=options.vector_column,
                   text_field=options.text_column or "text")

    def __init__(self, path: str | Path, collection: str | None = None, *, vector_name: str | None = None,
                 text_field: str = "text") -> None:
        self.location = str(path)
        where = f"qdrant:{path}"
        folder = Path(path)
        if not folder.is_dir():
            raise StoreError(f"{where}: no such directory; {_GIVE}")
        collections = _read_meta(folder, where)
        collection = pick_collection(sorted(collections), collection, where)
        self.collection, self.vector_name, self.text_field = collection, vector_name, text_field
        self._dim = _dimension(collections[collection], collection, vector_name)
        self._conn = open_sqlite_read_only(_storage_file(folder, collection, where), table="points", where=where,
                                           not_a_store="not a Qdrant folder qdrant-client wrote")
        self._ids: list[str] | None = None
        self._rowids: dict[str, int] = {}

    def count(self) -> int:
        return len(self._scan())

    @property
    def dim(self) -> int:
        return self._dim

    def iter_ids(self, batch_size: int = 10_000) -> Iterator[list[str]]:
        ids = self._scan()
        for chunk in in_batches(ids, batch_size):
            yield list(chunk)

    def iter_batches(self, ids: Sequence[str] | None = None, *, batch_size: int = 256) -> Iterator[StoreBatch]:
        listed = self._scan()                   # ids -> rowids
        keys = listed if ids is None else [str(i) for i in ids]
        for chunk in in_batches(keys, batch_size):
            rowids = [self._rowids[i] for i in chunk if i in self._rowids]
            marks = ",".join("?" * len(rowids))
            rows: dict[int, tuple[list[float], Any, Any]] = {}
            total = 0
            for rowid, size, blob in self._query(f"WHERE rowid IN ({marks})", rowids):
                total += size if isinstance(size, int) else 0
                check_size(total, f"qdrant:{self.location} collection '{self.collection}', {len(chunk)} points")
                point = self._point(rowid, size, blob)            # decoded one at a time, only its fields kept
                pid = _point_id(point, self._where(rowid))[1]
                payload = point.get("payload") if isinstance(point.get("payload"), dict) else {}
                if self._rowids.get(pid) == rowid:                # else rewritten since it was listed
                    rows[rowid] = (self._vector(pid, point), payload.get(self.text_field), payload.get("lang"))
            found = [(i, rows[self._rowids[i]]) for i in chunk if self._rowids.get(i) in rows]
            vectors = check_dimensions([v for _, (v, _, _) in found], f"qdrant collection {self.collection}")
            yield StoreBatch([i for i, _ in found], vectors.reshape(len(found), -1), [t for _, (_, t, _) in found],
                             [{"lang": lang} if lang else {} for _, (_, _, lang) in found])

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "location": self.location, "collection": self.collection}

    def close(self) -> None:
        conn, self._conn = getattr(self, "_conn", None), None
        if conn is not None:
            conn.close()

    # --- rows ---------------------------------------------------------------------------------

    def _where(self, rowid: int) -> str:
        return f"qdrant:{self.location} collection '{self.collection}', point at row {rowid}"

    def _query(self, condition: str = "", params: Sequence[Any] = ()) -> Iterator[tuple[int, int, Any]]:
        """``(rowid, size, blob)`` of the rows; ``blob`` is None when over :data:`MAX_BYTES` (not read)."""
        if self._conn is None:
            raise StoreError(f"qdrant:{self.location}: the store is closed; open it again")
        sql = (f"SELECT rowid, length(point), CASE WHEN length(point) <= {MAX_BYTES} THEN point END "
               f"FROM points {condition} ORDER BY rowid")
        try:
            yield from self._conn.execute(sql, tuple(params))
        except sqlite3.Error as err:
            raise StoreError(f"qdrant:{self.location}: cannot read collection '{self.collection}' "
                             f"({str(err).splitlines()[0][:160]}); the store file is damaged") from err

    def _point(self, rowid: int, size: Any, blob: Any) -> dict[str, Any]:
        """The point a row holds: a dict of ``id``, ``vector``, ``payload``."""
        where = self._where(rowid)
        if isinstance(size, int):
            check_size(size, where)
        if not isinstance(blob, bytes):
            raise StoreError(f"cannot read {where}: it is not a pickled point; the store file is damaged or was not "
                             "written by qdrant-client")
        point = load_data(blob, where, classes=(POINT_STRUCT,))
        if not isinstance(point, dict) or "id" not in point:
            raise StoreError(f"cannot read {where}: it is not a pickled point; the store file is damaged or was not "
                             "written by qdrant-client")
        return point

    def _scan(self) -> list[str]:
        """Every id in scroll order (each row's point decoded once; ids and rowids kept)."""
        if self._ids is None:
            latest: dict[str, tuple[tuple[str, int], int]] = {}
            for rowid, size, blob in self._query():
                key, text = _point_id(self._point(rowid, size, blob), self._where(rowid))
                latest[text] = (key, rowid)             # rows come by rowid: the latest write wins
            self._ids = sorted(latest, key=lambda i: latest[i][0])
            self._rowids = {i: rowid for i, (_, rowid) in latest.items()}
        return self._ids

    def _vector(self, point_id: str, point: dict[str, Any]) -> list[float]:
        where = f"qdrant:{self.location} collection '{self.collection}' point {point_id}"
        vector = point.get("vector")
        if self.vector_name is not None:
            if not isinstance(vector, dict) or self.vector_name not in vector:
                raise StoreConfigError.between("{where} has no vector '{name}'; choose another with {vector_column}",
                                               "vector_column", owner="StoreOptions", where=where,
                                               name=self.vector_name)
            vector = vector[self.vector_name]
        elif isinstance(vector, dict):
            raise StoreConfigError.between("{where} has named vectors ({named}); choose one with {vector_column}",
                                           "vector_column", owner="StoreOptions", where=where,
                                           named=one_line(", ".join(sorted(map(str, vector)))))
        if (not isinstance(vector, list) or len(vector) != self._dim
                or not all(type(x) is float or (type(x) is int and abs(x) < 2**127) for x in vector)):
            raise StoreError(f"{where}: its vector is not {self._dim} numbers as the collection's config says; "
                             "the store file is damaged")
        return vector


def _read_meta(folder: Path, where: str) -> dict[str, dict[str, Any]]:
    """``meta.json``'s collections, by name; a :class:`StoreError` unless it is a Qdrant folder's."""
    meta = folder / "meta.json"
    if not meta.is_file():
        raise StoreError(f"{where}: not a Qdrant folder (no meta.json); {_GIVE}")
    try:
        if meta.stat().st_size > MAX_META_BYTES:
            raise ValueError(f"over {MAX_META_BYTES >> 20} MB")
        parsed = json.loads(meta.read_bytes())
    except (OSError, ValueError, RecursionError) as err:
        raise StoreError(f"{where}: not a Qdrant folder (meta.json is not readable JSON: "
                         f"{str(err).splitlines()[0][:120]}); {_GIVE}") from err
    collections = parsed.get("collections") if isinstance(parsed, dict) else None
    if not isinstance(collections, dict) or not all(isinstance(c, dict) for c in collections.values()):
        raise StoreError(f"{where}: not a Qdrant folder (meta.json has no collections object); {_GIVE}")
    if not all(name.isprintable() and "\0" not in name for name in collections):
        raise StoreError(f"{where}: not a Qdrant folder (meta.json names a collection with unprintable "
                         f"characters); {_GIVE}")
    return collections


def _dimension(config: dict[str, Any], collection: str, vector_name: str | None) -> int:
    """The dimension of the read vectors, from a collection's config in ``meta.json``."""
    vectors = config.get("vectors")
    if not isinstance(vectors, dict):
        raise StoreError(f"collection {collection} has no vector config in meta.json; not a Qdrant folder "
                         "qdrant-client wrote")
    if isinstance(vectors.get("size"), int):          # one unnamed vector
        if vector_name is not None:
            raise StoreConfigError.between("collection {name} has one unnamed vector, not '{wanted}'; leave out "
                                           "{vector_column}", "vector_column", owner="StoreOptions", name=collection,
                                           wanted=vector_name)
        return int(vectors["size"])
    named = {k: v for k, v in vectors.items() if isinstance(v, dict) and isinstance(v.get("size"), int)}
    if vector_name not in named:
        raise StoreConfigError.between("collection {name} has named vectors ({named}); choose one with {vector_column}",
                                       "vector_column", owner="StoreOptions", name=collection,
                                       named=one_line(", ".join(sorted(named))) or "none")
    return int(named[vector_name]["size"])


def _storage_file(folder: Path, collection: str, where: str) -> Path:
    """``collection/NAME/storage.sqlite``, resolved, refused unless it lies inside ``collection/``."""
    refused = StoreError(f"{where}: not a Qdrant folder (collection '{collection}' has no "
                         f"collection/{collection}/storage.sqlite inside the folder); {_GIVE}")
    try:
        base = (folder / "collection").resolve()
        inside = base.parent == folder.resolve()
        target = (base / collection).resolve()
        file = (target / "storage.sqlite").resolve()
        inside = inside and target != base and base in target.parents and base in file.parents
        if not (inside and file.is_file()):
            raise refused
    except (OSError, ValueError, RuntimeError) as err:
        raise refused from err
    return file


def _point_id(point: dict[str, Any], where: str) -> tuple[tuple[str, int], str]:
    """A point's scroll-order key and its id as a string (UUIDs in canonical spelling)."""
    pid = point.get("id")
    if isinstance(pid, str):
        try:
            pid = str(uuid.UUID(pid))
        except ValueError:              # qdrant-client keeps such ids as they are; they go into reports
            if not (pid.isprintable() and len(pid) <= 200):
                pid = None
        if pid is not None:
            return (pid, 0), pid
    if type(pid) is int and 0 <= pid < 2**64:
        return ("", pid), str(pid)
    raise StoreError(f"cannot read {where}: its id is neither an unsigned integer nor a UUID; the store file is "
                     "damaged")
