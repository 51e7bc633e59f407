"""Open a store from the URI a user types: one line per kind of store.

=================================  ===============================================
``chroma:DIR``                     a Chroma persistent directory (``--collection``)
``postgresql://USER@HOST:PORT/DB`` a pgvector table (``--table``, column options)
``lancedb:DIR``                    a LanceDB table (``--collection``)
``qdrant:PATH``                    a local Qdrant folder, read from its files (``--collection``)
``qdrant+http://HOST:PORT``        a Qdrant server, through qdrant-client (``--collection``)
``faiss:INDEX``                    a FAISS index file (texts from ``--texts FILE``)
``files:VECTORS``                  exported vectors (texts from ``--texts FILE``)
=================================  ===============================================

Every reader only reads: a local Qdrant folder is never opened with qdrant-client (it would
unpickle the stored points and write into the folder), and a Chroma folder is read from a
temporary copy (the Chroma client writes to any folder it opens).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from vecleak.errors import StoreError
from vecleak.stores.base import VectorStore

SCHEMES = ("chroma:", "postgresql://", "postgres://", "lancedb:", "faiss:")


@dataclass(frozen=True)
class StoreOptions:
    """What a URI alone does not say: which collection/table and which columns."""

    collection: str | None = None
    table: str | None = None
    vector_column: str | None = None
    text_column: str | None = None
    id_column: str | None = None
    texts: Path | None = None


def mask_secrets(uri: str) -> str:
    """``uri`` as it may be echoed: a ``USER:PASSWORD@`` part (up to the last ``@``) and any
    ``password=`` / ``key=`` / ``token=`` query value replaced by ``***`` (a mistyped scheme must not
    print a password)."""
    scheme, sep, rest = uri.partition("://")
    if sep and "@" in rest:
        userinfo, _, host = rest.rpartition("@")
        user = userinfo.split(":", 1)[0]
        rest = (f"{user}:***@" if ":" in userinfo else f"{user}@") + host
    rest = re.sub(r"(?i)((?:password|sslpassword|api[_-]?key|key|token)=)[^&]*", r"\1***", rest)
    return scheme + sep + rest if sep else rest


def open_store(uri: str, options: StoreOptions = StoreOptions()) -> VectorStore:
    """The read-only :class:`VectorStore` that ``uri`` names (see the module table)."""
    uri = uri.strip()
    if uri.startswith(("postgresql://", "postgres://")):
        from vecleak.stores.pgvector import PgVectorStore

        if not options.table:
            raise StoreError("a PostgreSQL store needs --table (and --vector-column / --text-column "
                             "if they are not 'embedding' / 'text')")
        return PgVectorStore(uri, options.table, vector_column=options.vector_column or "embedding",
                             text_column=options.text_column or "text", id_column=options.id_column or "id")
    if uri.startswith(("qdrant+http://", "qdrant+https://")):
        from vecleak.stores.qdrant import QdrantStore

        return QdrantStore(uri[len("qdrant+"):], options.collection, vector_name=options.vector_column,
                           text_field=options.text_column or "text")
    kind, sep, rest = uri.partition(":")
    if not sep or not rest:
        raise StoreError(f"--store {mask_secrets(uri)!r}: unknown store; use one of chroma:DIR, postgresql://USER@HOST:PORT/DB, "
                         "lancedb:DIR, qdrant:PATH, qdrant+http://HOST:PORT, faiss:INDEX")
    if kind == "chroma":
        from vecleak.stores.chroma import ChromaStore

        return ChromaStore(rest, options.collection)
    if kind == "lancedb":
        from vecleak.stores.lance import LanceStore

        return LanceStore(rest, options.collection or options.table, vector_column=options.vector_column or "vector",
                          text_column=options.text_column or "text", id_column=options.id_column or "id")
    if kind == "qdrant":
        from vecleak.stores.qdrant_folder import QdrantFolderStore

        return QdrantFolderStore(rest, options.collection, vector_name=options.vector_column,
                                 text_field=options.text_column or "text")
    if kind == "files":
        from vecleak.stores.files import FileStore

        return FileStore(rest, options.texts)
    if kind == "faiss":
        from vecleak.stores.faiss_index import FaissStore

        return FaissStore(rest, options.texts)
    raise StoreError(f"--store {mask_secrets(uri)!r}: unknown store kind '{kind}'; use one of chroma:DIR, "
                     "postgresql://USER@HOST:PORT/DB, lancedb:DIR, qdrant:PATH, faiss:INDEX")
