"""Open a store from the URI a user types: its scheme names the store (:mod:`vecleak.stores.registry`).

The shipped stores (:func:`~vecleak.stores.registry.store_help` prints this table from the registry):

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

from vecleak.errors import StoreConfigError
from vecleak.stores.base import StoreOptions, VectorStore
from vecleak.stores.registry import find_store, store_usage

__all__ = ["StoreOptions", "mask_secrets", "open_store"]


def mask_secrets(uri: str) -> str:
    """``uri`` as it may be echoed: a ``USER:PASSWORD@`` part (up to the last ``@``) and any
    ``password=`` / ``key=`` / ``token=`` query value replaced by ``***`` (a mistyped scheme must not
    print a password)."""
    scheme, sep, rest = uri.partition("://")
    if not sep:                                 # chroma:DIR, files:V: the whole URI is the rest
        scheme, rest = "", uri
    if sep and "@" in rest:
        userinfo, _, host = rest.rpartition("@")
        user = userinfo.split(":", 1)[0]
        rest = (f"{user}:***@" if ":" in userinfo else f"{user}@") + host
    rest = re.sub(r"(?i)((?:password|sslpassword|api[_-]?key|key|token)=)[^&]*", r"\1***", rest)
    return scheme + sep + rest if sep else rest


def open_store(uri: str, options: StoreOptions = StoreOptions()) -> VectorStore:
    """The read-only :class:`VectorStore` that ``uri`` names: the store registered for its scheme
    (see :func:`~vecleak.stores.registry.store_help`), built by its ``from_uri``."""
    uri = uri.strip()
    scheme, sep, _ = uri.partition(":")
    entry = find_store(scheme) if sep else None
    if entry is None:
        named = f" kind '{scheme}'" if sep and re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", scheme) else ""
        raise StoreConfigError.between("{uri} {shown}: unknown store{named}; use one of {usage}", "uri",
                                       owner="StoreOptions", shown=repr(mask_secrets(uri)), named=named,
                                       usage=store_usage())
    prefix = entry.prefix(scheme)
    if not uri.startswith(prefix) or len(uri) == len(prefix):
        raise StoreConfigError.between("{uri} {shown}: unknown store; write a {scheme} store as {usage}", "uri",
                                       owner="StoreOptions", shown=repr(mask_secrets(uri)), scheme=scheme,
                                       usage=entry.usage())
    return entry.cls.from_uri(uri, options)
