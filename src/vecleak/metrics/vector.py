"""Vector-space agreement between embeddings."""

from __future__ import annotations

import numpy as np

from vecleak.errors import DimensionMismatchError


def cosine_rows(a: np.ndarray, b: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    """Row-wise cosine similarity of ``a (n, d)`` and ``b (n, d)``: ``(n,)`` in [-1, 1]."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise DimensionMismatchError(f"cosine needs equal shapes, got {a.shape} and {b.shape}")
    num = (a * b).sum(1)
    den = np.maximum(np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1), eps)
    return num / den


def mean_cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Mean row-wise cosine similarity."""
    return float(cosine_rows(a, b).mean())
