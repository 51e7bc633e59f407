"""Vector stores, read-only: Chroma, PostgreSQL + pgvector, LanceDB, Qdrant, FAISS, exported files.

:func:`open_store` opens a URI by its scheme (:mod:`vecleak.stores.registry`); each store module
below registers its class for its schemes when it is imported. Exported vectors can also be
opened from their paths, without a URI: ``FileStore(VECTORS, TEXTS)``.
"""

from __future__ import annotations

from vecleak.stores.base import StoreBatch, StoreOptions, VectorStore
from vecleak.stores.registry import register_store, store_help, store_schemes, store_usage
from vecleak.stores.sampling import StoreSample, sample_store
from vecleak.stores.uri import mask_secrets, open_store

# the shipped stores register themselves on import, in the order the help lists them
from vecleak.stores import (  # noqa: E402,F401  (imported to register)
    chroma, pgvector, lance, qdrant_folder, qdrant, faiss_index, files,
)
from vecleak.stores.files import ArrayStore, FileStore  # noqa: E402

__all__ = ["ArrayStore", "FileStore", "StoreBatch", "StoreOptions", "StoreSample", "VectorStore", "mask_secrets",
           "open_store", "register_store", "sample_store", "store_help", "store_schemes", "store_usage"]
