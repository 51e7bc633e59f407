"""Vector stores, read-only: Chroma, PostgreSQL + pgvector, LanceDB, Qdrant, FAISS (see :mod:`vecleak.stores.uri`)."""

from __future__ import annotations

from vecleak.stores.base import StoreBatch, VectorStore
from vecleak.stores.sampling import StoreSample, sample_store
from vecleak.stores.uri import StoreOptions, open_store

__all__ = ["StoreBatch", "StoreOptions", "StoreSample", "VectorStore", "open_store", "sample_store"]
