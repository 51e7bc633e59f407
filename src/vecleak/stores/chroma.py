"""Chroma persistent directories (``chroma:DIR``), read with ``chromadb.PersistentClient`` on a copy.

Opening a Chroma folder writes to it, even only to read it: each ``PersistentClient`` adds a row
to ``acquire_write`` in ``chroma.sqlite3`` and rewrites the index's ``length.bin``. An audit must
leave the store as it found it, so the reader

1. checks that the folder is a Chroma store before anything opens it: ``chroma.sqlite3`` is a
   regular SQLite file with a ``collections`` table (read with a read-only, immutable SQLite
   connection), and everything inside is a plain file or folder (no symbolic links, FIFOs, devices);
2. copies the folder's content into a temporary folder (``vecleak-chroma-*`` under ``TMPDIR``,
   after checking it has room) and opens the client on the copy, with telemetry off and chroma's
   Rust implementation, which reads an index's ``index_metadata.pickle`` with a data-only parser
   (the Python implementation would unpickle it);
3. removes the copy on :meth:`ChromaStore.close` (or at interpreter exit, if it was never closed).

Rows are listed in Chroma's own insertion order (``get(offset, limit)``), so a seeded sample is
the same on every run.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import weakref
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from vecleak.errors import StoreError
from vecleak.stores.base import (
    StoreBatch, StoreOptions, VectorStore, check_dimensions, in_batches, pick_collection, uri_path,
)
from vecleak.stores.registry import register_store
from vecleak.stores.sqlite_ro import open_sqlite_read_only

# No network calls from an audit (read when chromadb first builds its settings in this process).
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

#: Room left free on the temporary file system beyond the copy (chroma adds a little to it).
SPARE_BYTES = 64 << 20


@register_store("chroma", form="chroma:DIR", help="a Chroma persistent directory, read from a temporary copy "
                                                  "(--collection)")
class ChromaStore(VectorStore):
    """One collection of a persistent Chroma directory, read from a temporary copy of it.

    Args:
        path: the directory a ``chromadb.PersistentClient`` wrote (never opened for writing).
        collection: the collection name; optional when the store holds exactly one.

    ``copy`` is the copy the client reads; :meth:`close` removes it.
    """

    kind = "chroma"

    @classmethod
    def from_uri(cls, uri: str, options: StoreOptions) -> ChromaStore:
        return cls(uri_path(uri), options.collection)

    def __init__(self, path: str | Path, collection: str | None = None) -> None:
        path = Path(path)
        size = check_chroma_folder(path)
        try:
            import chromadb
            from chromadb.config import Settings
        except ImportError as err:
            raise StoreError("reading Chroma needs the chromadb package: pip install 'vecleak[stores]'") from err

        self.path = path
        self._client: Any = None
        self._col: Any = None
        copy = copy_folder(path, size)
        self.copy = copy
        self._remove_copy = weakref.finalize(self, shutil.rmtree, copy.parent, ignore_errors=True)
        try:
            settings = Settings(anonymized_telemetry=False, allow_reset=False,
                                chroma_api_impl="chromadb.api.rust.RustBindingsAPI")
            try:
                self._client = chromadb.PersistentClient(path=str(copy), settings=settings)
                names = sorted(getattr(c, "name", c) for c in self._client.list_collections())
            except Exception as err:        # chromadb raises its own types for a corrupt or newer store
                raise StoreError(f"chroma:{path}: cannot open the store ({type(err).__name__}: "
                                 f"{str(err).splitlines()[0][:160] if str(err) else ''})") from err
            collection = pick_collection(names, collection, f"chroma:{path}")
            self.collection = collection
            self._col = self._client.get_collection(collection)
        except BaseException:
            self.close()
            raise
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
        """Close the client and remove the copy."""
        client, self._col, self._client = getattr(self, "_client", None), None, None
        if client is not None and hasattr(client, "close"):
            try:
                client.close()
            except Exception:           # the copy goes anyway
                pass
        remove = getattr(self, "_remove_copy", None)
        if remove is not None:
            remove()


def check_chroma_folder(path: Path) -> int:
    """The bytes of the files in ``path``; a :class:`StoreError` unless it is a Chroma store
    (``chroma.sqlite3`` with a ``collections`` table) of plain files and folders. Opens nothing for writing."""
    where = f"chroma:{path}"
    give = "give the folder a chromadb.PersistentClient wrote"
    db = path / "chroma.sqlite3"
    try:
        is_file = path.is_dir() and stat.S_ISREG(db.lstat().st_mode)
    except OSError:
        is_file = False
    if not is_file:
        raise StoreError(f"{where}: not a Chroma directory (no chroma.sqlite3); {give}")
    open_sqlite_read_only(db, table="collections", where=where,
                          not_a_store=f"not a Chroma directory; {give}").close()
    return _plain_tree_size(path, where)


def _plain_tree_size(path: Path, where: str) -> int:
    """The bytes of the regular files under ``path``; a :class:`StoreError` at a link or special file."""
    size, todo = 0, [path]
    while todo:
        folder = todo.pop()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    rel = _show(str(Path(entry.path).relative_to(path)))
                    if entry.is_symlink():
                        raise StoreError(f"{where}: {rel} is a symbolic link; vecleak copies a Chroma store before "
                                         "reading it and follows no links: audit a copy without links (cp -rL)")
                    if entry.is_dir(follow_symlinks=False):
                        todo.append(Path(entry.path))
                    elif entry.is_file(follow_symlinks=False):
                        size += entry.stat(follow_symlinks=False).st_size
                    else:
                        raise StoreError(f"{where}: {rel} is not a regular file (a FIFO, socket or device); a Chroma "
                                         "store holds files and folders only")
        except OSError as err:
            raise StoreError(f"{where}: cannot read {_show(str(folder))} ({err.strerror})") from err
    return size


def copy_folder(path: Path, size: int) -> Path:
    """A private copy of ``path``'s files (``size`` bytes) in a new ``vecleak-chroma-*`` temporary
    folder: ``TEMP/store``. The caller removes ``TEMP``."""
    where = f"chroma:{path}"
    temp_root = tempfile.gettempdir()
    free = shutil.disk_usage(temp_root).free
    if free < size + SPARE_BYTES:
        raise StoreError(f"{where}: reading the store needs a copy of it ({size / 2**20:.0f} MB), but the temporary "
                         f"folder {temp_root} has {free / 2**20:.0f} MB free; set TMPDIR to a folder with room")
    temp = Path(tempfile.mkdtemp(prefix="vecleak-chroma-"))
    copy = temp / "store"
    try:
        shutil.copytree(path, copy, symlinks=True, copy_function=_copy_file)
        _plain_tree_size(copy, where)                   # a link put in while copying is copied as a link
        for folder, _, _ in os.walk(copy):             # copytree copied the folders' modes; chroma writes
            os.chmod(folder, 0o700)
    except BaseException as err:
        shutil.rmtree(temp, ignore_errors=True)
        if isinstance(err, OSError):
            raise StoreError(f"{where}: cannot copy the store to {temp_root} ({_show(str(err))[:200]}); set "
                             "TMPDIR to a folder with room") from err
        raise
    return copy


def _copy_file(src: str, dst: str) -> str:
    """Copy a regular file's content (never through a link, never from a FIFO or device)."""
    fd = os.open(src, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    with open(fd, "rb") as fsrc:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise StoreError(f"chroma: {_show(src)} is not a regular file; a Chroma store holds files and folders only")
        with open(dst, "xb") as fdst:
            shutil.copyfileobj(fsrc, fdst, 1 << 20)
    return dst


def _show(text: str, limit: int = 160) -> str:
    """A path on one line (a crafted name may hold anything)."""
    text = text.encode("unicode_escape").decode("ascii")
    return text if len(text) <= limit else text[:limit] + "..."
