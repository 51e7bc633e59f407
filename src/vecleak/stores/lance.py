"""LanceDB tables (``lancedb:DIR`` with ``--collection TABLE``), read through LanceDB's table API.

Rows are addressed by Lance's row ids (``take_row_ids``; results are put back in the asked
order), listed once in a scan of the id column alone. The reported ids are an ``id`` column's
values when the table has one, else the row ids. The vector column is ``vector`` (LanceDB's
default) unless ``--vector-column`` names another; texts come from ``--text-column`` (``text``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from vecleak.errors import StoreConfigError, StoreError
from vecleak.stores.base import (
    StoreBatch, StoreOptions, VectorStore, check_dimensions, in_batches, pick_collection, uri_path,
)
from vecleak.stores.registry import register_store


@register_store("lancedb", form="lancedb:DIR", help="a LanceDB table (--collection, column options)")
class LanceStore(VectorStore):
    """One table of a LanceDB directory."""

    kind = "lancedb"

    @classmethod
    def from_uri(cls, uri: str, options: StoreOptions) -> LanceStore:
        return cls(uri_path(uri), options.collection or options.table, vector_column=options.vector_column or "vector",
                   text_column=options.text_column or "text", id_column=options.id_column or "id")

    def __init__(self, path: str | Path, table: str | None = None, *, vector_column: str = "vector",
                 text_column: str | None = "text", id_column: str = "id") -> None:
        try:
            import lancedb
        except ImportError as err:
            raise StoreError("reading LanceDB needs the lancedb package: pip install 'vecleak[stores]'") from err
        self.path = Path(path)
        if not self.path.is_dir():
            raise StoreError(f"lancedb:{path}: no such directory; give the folder lancedb.connect wrote")
        db = lancedb.connect(str(self.path))
        listed = db.list_tables()
        names = sorted(getattr(listed, "tables", listed))
        table = pick_collection(names, table, f"lancedb:{path}", what="table")
        self.table = table
        self._tbl = db.open_table(table)
        columns = set(self._tbl.schema.names)
        for setting, col in (("vector_column", vector_column), ("text_column", text_column)):
            if col is not None and col not in columns:
                raise StoreConfigError.between(f"table {{name}} has no column '{{col}}' ({{{setting}}}); its columns: "
                                               "{columns}", setting, owner="StoreOptions", name=table, col=col,
                                               columns=", ".join(sorted(columns)))
        self.vector_column, self.text_column = vector_column, text_column
        self.id_column = id_column if id_column in columns else None
        self.lang_column = "lang" if "lang" in columns else None
        scan = self._tbl.search().with_row_id(True).select([self.id_column] if self.id_column else []).limit(None)
        listing = scan.to_arrow()
        self._row_ids = listing.column("_rowid").to_pylist()
        self._ids = ([str(v) for v in listing.column(self.id_column).to_pylist()] if self.id_column
                     else [str(r) for r in self._row_ids])
        self._row_of = dict(zip(self._ids, self._row_ids))
        if len(self._row_of) != len(self._ids):
            raise StoreError(f"table {table}: column '{self.id_column}' has repeated values; ids must be unique")
        self._id_of = dict(zip(self._row_ids, self._ids))

    def count(self) -> int:
        return len(self._ids)

    @property
    def dim(self) -> int:
        if not self._ids:
            raise StoreError(f"lancedb:{self.path} table '{self.table}' is empty; nothing to audit")
        return len(next(self.iter_batches(self._ids[:1])).vectors[0])

    def iter_ids(self, batch_size: int = 10_000) -> Iterator[list[str]]:
        for chunk in in_batches(self._ids, batch_size):
            yield list(chunk)

    def iter_batches(self, ids: Sequence[str] | None = None, *, batch_size: int = 256) -> Iterator[StoreBatch]:
        keys = self._ids if ids is None else [i for i in ids if i in self._row_of]
        columns = [c for c in (self.vector_column, self.text_column, self.lang_column) if c]
        for chunk in in_batches(keys, batch_size):
            got = self._tbl.take_row_ids([self._row_of[i] for i in chunk]).with_row_id().select(columns) \
                .to_arrow().to_pydict()
            at = {self._id_of[r]: k for k, r in enumerate(got["_rowid"])}
            order = [at[i] for i in chunk]
            vectors = check_dimensions([got[self.vector_column][k] for k in order], f"lancedb table {self.table}")
            texts = [got[self.text_column][k] for k in order] if self.text_column else [None] * len(chunk)
            langs = [got[self.lang_column][k] for k in order] if self.lang_column else [None] * len(chunk)
            yield StoreBatch(list(chunk), vectors.reshape(len(chunk), -1), texts,
                             [{"lang": lang} if lang else {} for lang in langs])

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "path": str(self.path), "table": self.table}
