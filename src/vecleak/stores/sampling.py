"""A seeded sample of a store's rows, and the leaked pairs kept apart from it.

Only ids are listed in full (a few bytes per row); vectors and texts are fetched for the
sampled rows alone. The same store, seed and sizes give the same rows on every run, and the
sample's ids are digested so a report says exactly which rows it measured.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from vecleak.errors import StoreConfigError, StoreError
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


def sample_store(store: VectorStore, sample: int, leak_pool: int, *, seed: int = 0,
                 ids: Sequence[str] | None = None, where: dict[str, str] | None = None) -> StoreSample:
    """Draw ``sample`` audited rows and up to ``leak_pool`` other rows (for leaked pairs).

    ``ids``: audit exactly these rows instead (``sample`` is then ignored); ``where``: draw only
    among rows whose metadata holds every ``key: value`` (compared as text). The leaked rows
    are drawn from the rest of the store. Rows without text cannot be scored, so they are
    skipped (an audit of a store without texts must bring its leaked pairs and references from
    elsewhere).
    """
    if sample < 1:
        raise StoreConfigError("sample", f"must be at least 1, got {sample}", "AuditConfig")
    all_ids = [i for chunk in store.iter_ids() for i in chunk]
    if not all_ids:
        raise StoreError("the store is empty; nothing to audit")
    order = np.random.default_rng(seed).permutation(len(all_ids))
    if ids is None and not where:
        if sample > len(all_ids):
            raise StoreConfigError.between("{sample} {n} is larger than the store ({rows} rows); use {sample} {rows} "
                                           "or less", "sample", owner="AuditConfig", n=sample, rows=len(all_ids))
        chosen = [all_ids[k] for k in order[:sample]]
        rest = [all_ids[k] for k in order[sample:sample + leak_pool]]
    else:
        if ids is not None:
            chosen = list(dict.fromkeys(str(i) for i in ids))
            known = set(all_ids)
            missing = [i for i in chosen if i not in known]
            if missing:
                raise StoreConfigError.between("{n} of the {of} ids to audit are not in the store (first: {first}); "
                                               "check {ids}", "ids", owner="AuditConfig", n=len(missing),
                                               of=len(chosen), first=repr(missing[0]))
        else:
            matching = set(_matching_ids(store, where or {}))
            if not matching:
                raise StoreConfigError.between("no row of the store matches {where} {pairs}; check the metadata keys "
                                               "and values", "where", owner="AuditConfig",
                                               pairs=_describe(where or {}))
            chosen = [all_ids[k] for k in order if all_ids[k] in matching][:sample]
        taken = set(chosen)
        rest = [all_ids[k] for k in order if all_ids[k] not in taken][:leak_pool]
    audited = store.fetch(chosen)
    if any(t is None or not str(t).strip() for t in audited.texts):
        missing_text = sum(t is None or not str(t).strip() for t in audited.texts)
        raise StoreConfigError.between("{n} of the {of} sampled rows have no text, so nothing can be scored and no "
                                       "leaked pairs can come from the store; give the texts ({texts}: a file of them, "
                                       "for FAISS or exported vectors; {text_column} for tables)", "texts",
                                       "text_column", owner="StoreOptions", n=missing_text, of=len(chosen))
    leaked = store.fetch(rest)
    return StoreSample(audited, leaked, seed, len(all_ids))


def _matching_ids(store: VectorStore, where: dict[str, str]) -> list[str]:
    """Ids of the rows whose metadata holds every ``key: value`` of ``where`` (as text)."""
    return [i for batch in store.iter_batches() for i, meta in zip(batch.ids, batch.metadata)
            if all(str(meta.get(k)) == v for k, v in where.items())]


def _describe(where: dict[str, str]) -> str:
    return " ".join(f"{k}={v}" for k, v in where.items())
