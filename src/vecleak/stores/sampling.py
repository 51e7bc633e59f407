"""A seeded sample of a store's rows, and the leaked pairs kept apart from it.

Only ids are listed in full (a few bytes per row); vectors and texts are fetched for the
sampled rows alone. The same store, seed and sizes give the same rows on every run, and the
sample's ids are digested so a report says exactly which rows it measured.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from vecleak.errors import StoreError
from vecleak.stores.base import StoreBatch, VectorStore


@dataclass
class StoreSample:
    """The audited rows, and the disjoint rows an attacker may have leaked."""

    audited: StoreBatch
    leaked: StoreBatch
    seed: int
    store_size: int

    def describe(self) -> dict[str, Any]:
        digest = hashlib.sha256("\n".join(self.audited.ids).encode()).hexdigest()
        return {"seed": self.seed, "store_size": self.store_size, "sample_size": len(self.audited),
                "leak_pool_size": len(self.leaked), "sample_ids_sha256": digest}


def sample_store(store: VectorStore, sample: int, leak_pool: int, *, seed: int = 0) -> StoreSample:
    """Draw ``sample`` audited rows and up to ``leak_pool`` other rows (for leaked pairs).

    Rows without text cannot be scored, so they are skipped (an audit of a store without texts
    must bring its leaked pairs and references from elsewhere).
    """
    if sample < 1:
        raise StoreError(f"--sample must be at least 1, got {sample}")
    ids = [i for chunk in store.iter_ids() for i in chunk]
    if not ids:
        raise StoreError("the store is empty; nothing to audit")
    if sample > len(ids):
        raise StoreError(f"--sample {sample} is larger than the store ({len(ids)} rows); use --sample {len(ids)} "
                         "or less")
    order = np.random.default_rng(seed).permutation(len(ids))
    audited = store.fetch([ids[k] for k in order[:sample]])
    if any(t is None or not str(t).strip() for t in audited.texts):
        missing = sum(t is None or not str(t).strip() for t in audited.texts)
        raise StoreError(f"{missing} of the {sample} sampled rows have no text, so nothing can be scored and no leaked "
                         "pairs can come from the store; give the texts (--texts FILE for FAISS or exported "
                         "vectors, --text-column for tables)")
    leaked = store.fetch([ids[k] for k in order[sample:sample + leak_pool]])
    return StoreSample(audited, leaked, seed, len(ids))
