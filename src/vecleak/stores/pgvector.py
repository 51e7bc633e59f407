"""PostgreSQL + pgvector tables (``postgresql://USER[:PASSWORD]@HOST:PORT/DB``), read with psycopg 3.

Every session is read-only (``default_transaction_read_only=on``), so the reader cannot write
to the user's database even by mistake. Ids are listed ``ORDER BY`` the id column (stable between
runs); rows are fetched by id with ``= ANY(...)`` cast to the column's own type (so its primary-key
index answers), so a sample of a table of millions reads only the ids and the sampled rows. A ``lang`` column, when the table has one, becomes row metadata.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from vecleak.errors import StoreConfigError, StoreError
from vecleak.stores.base import StoreBatch, StoreOptions, VectorStore, check_dimensions, in_batches
from vecleak.stores.pg_uri import parse_pg_uri
from vecleak.stores.registry import register_store


@register_store("postgresql", "postgres", form="postgresql://USER@HOST:PORT/DB",
                help="a pgvector table (--table, --vector-column, --text-column, --id-column)")
class PgVectorStore(VectorStore):
    """One table of a PostgreSQL database with a pgvector column.

    Args:
        url: a libpq connection URL (``postgresql://user@host:5432/db``; ``?host=/socket/dir`` works).
        table: the table (``schema.table`` allowed).
        vector_column / text_column / id_column: column names; ``text_column=None`` reads no texts.
        connect_timeout: seconds before an unreachable server is reported.
    """

    kind = "pgvector"

    @classmethod
    def from_uri(cls, uri: str, options: StoreOptions) -> PgVectorStore:
        if not options.table:
            raise StoreConfigError.between("a PostgreSQL store needs {table} (and {vector_column} / {text_column} "
                                           "if they are not 'embedding' / 'text')", "table", "vector_column",
                                           "text_column", owner="StoreOptions")
        return cls(uri, options.table, vector_column=options.vector_column or "embedding",
                   text_column=options.text_column or "text", id_column=options.id_column or "id")

    def __init__(self, url: str, table: str, *, vector_column: str = "embedding", text_column: str | None = "text",
                 id_column: str = "id", connect_timeout: int = 5) -> None:
        try:
            import psycopg
            from psycopg import sql
        except ImportError as err:
            raise StoreError("reading PostgreSQL needs psycopg: pip install 'vecleak[stores]'") from err
        target = parse_pg_uri(url)
        self.url, self.table = target.display, table        # never the password
        self._sql = sql
        try:
            self._conn = psycopg.connect(**{"connect_timeout": connect_timeout, **target.params}, autocommit=True,
                                         options="-c default_transaction_read_only=on")
        except psycopg.Error as err:
            lines = [line.strip() for line in str(err).strip().splitlines() if line.strip()]
            reason = target.scrub(lines[-1]) if lines else type(err).__name__
            raise StoreError(f"cannot connect to {target.display}: {reason}; check the host, port, user and "
                             "password") from None
        schema, _, name = table.rpartition(".")
        self._table = sql.Identifier(*(schema, name) if schema else (name,))
        columns = self._columns(schema or None, name)
        if not columns:
            self.close()
            raise StoreConfigError.between("{url} has no table '{name}' (or this user cannot read it); give {table}",
                                           "table", owner="StoreOptions", url=self.url, name=table)
        for setting, col in (("vector_column", vector_column), ("text_column", text_column),
                             ("id_column", id_column)):
            if col is not None and col not in columns:
                self.close()
                raise StoreConfigError.between(f"table {{name}} has no column '{{col}}' ({{{setting}}}); its columns: "
                                               "{columns}", setting, owner="StoreOptions", name=table, col=col,
                                               columns=", ".join(sorted(columns)))
        if columns[vector_column] != "vector":
            self.close()
            raise StoreConfigError.between("column {name}.{col} is of type {kind}, not a pgvector 'vector'; give the "
                                           "embedding column with {vector_column}", "vector_column",
                                           owner="StoreOptions", name=table, col=vector_column,
                                           kind=columns[vector_column])
        self.vector_column, self.text_column, self.id_column = vector_column, text_column, id_column
        self._id_type = columns[id_column]          # fetch by the column's own type, so its index serves
        self.lang_column = "lang" if "lang" in columns and text_column != "lang" else None
        self._dim: int | None = None

    def _columns(self, schema: str | None, name: str) -> dict[str, str]:
        query = ("SELECT column_name, udt_name FROM information_schema.columns WHERE table_name = %s "
                 "AND table_schema = COALESCE(%s, current_schema())")
        with self._conn.cursor() as cur:
            cur.execute(query, (name, schema))
            return {c: t for c, t in cur.fetchall()}

    def _select(self, *extra: Any) -> Any:
        sql = self._sql
        cols = [sql.Identifier(self.id_column), sql.SQL("{}::text").format(sql.Identifier(self.vector_column))]
        cols.append(sql.Identifier(self.text_column) if self.text_column else sql.SQL("NULL"))
        cols.append(sql.Identifier(self.lang_column) if self.lang_column else sql.SQL("NULL"))
        return sql.SQL("SELECT {} FROM {} ").format(sql.SQL(", ").join(cols), self._table) + sql.SQL(" ").join(extra)

    def count(self) -> int:
        with self._conn.cursor() as cur:
            cur.execute(self._sql.SQL("SELECT count(*) FROM {}").format(self._table))
            return int(cur.fetchone()[0])

    @property
    def dim(self) -> int:
        if self._dim is None:
            with self._conn.cursor() as cur:
                cur.execute(self._sql.SQL("SELECT vector_dims({}) FROM {} LIMIT 1").format(
                    self._sql.Identifier(self.vector_column), self._table))
                row = cur.fetchone()
            if row is None:
                raise StoreError(f"table {self.table} is empty; nothing to audit")
            self._dim = int(row[0])
        return self._dim

    def iter_ids(self, batch_size: int = 10_000) -> Iterator[list[str]]:
        sql = self._sql
        query = sql.SQL("SELECT {id}::text FROM {t} ORDER BY {id}").format(id=sql.Identifier(self.id_column),
                                                                          t=self._table)
        with self._conn.transaction(), self._conn.cursor(name="vecleak_ids") as cur:
            cur.itersize = batch_size
            cur.execute(query)
            while rows := cur.fetchmany(batch_size):
                yield [r[0] for r in rows]

    def iter_batches(self, ids: Sequence[str] | None = None, *, batch_size: int = 256) -> Iterator[StoreBatch]:
        sql = self._sql
        if ids is None:
            with self._conn.transaction(), self._conn.cursor(name="vecleak_rows") as cur:
                cur.itersize = batch_size
                cur.execute(self._select(sql.SQL("ORDER BY {}").format(sql.Identifier(self.id_column))))
                while rows := cur.fetchmany(batch_size):
                    yield self._batch(rows)
            return
        where = sql.SQL("WHERE {} = ANY(%s::{}[])").format(sql.Identifier(self.id_column), sql.Identifier(self._id_type))
        for chunk in in_batches(list(ids), batch_size):
            with self._conn.cursor() as cur:
                cur.execute(self._select(where), (list(chunk),))
                found = {str(r[0]): r for r in cur.fetchall()}
            yield self._batch([found[i] for i in chunk if i in found])

    def _batch(self, rows: list[tuple]) -> StoreBatch:
        vectors = check_dimensions([_parse_vector(r[1]) for r in rows], f"table {self.table}")
        meta = [{"lang": r[3]} if r[3] else {} for r in rows]
        return StoreBatch([str(r[0]) for r in rows], vectors.reshape(len(rows), -1), [r[2] for r in rows], meta)

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "url": self.url, "table": self.table, "vector_column": self.vector_column,
                "text_column": self.text_column, "id_column": self.id_column}

    def close(self) -> None:
        conn, self._conn = getattr(self, "_conn", None), None
        if conn is not None:
            conn.close()


def _parse_vector(text: str) -> np.ndarray:
    """pgvector's text form ``[1,2.5,3]`` as a float32 array."""
    return np.array(text.strip("[]").split(","), dtype=np.float32) if text and text != "[]" else np.zeros(0, np.float32)
