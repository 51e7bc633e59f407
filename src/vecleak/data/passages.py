"""Passages built from sentences: training data for readers of long records.

A vector store holds chunks of 100-500 tokens on one topic. Corpora of single sentences can
stand in for them when each passage joins sentences that lie near each other in an encoder's
space (one topic, as a chunk is) rather than sentences drawn at random.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from vecleak.errors import InputError


def neighbour_passages(texts: Sequence[str], vectors: np.ndarray, n: int, *, min_words: int = 80,
                       max_words: int = 200, pool: int = 64, seed: int = 0) -> list[str]:
    """``n`` passages (fewer if some seeds find too few short neighbours) of ``min_words`` to
    ``max_words`` words: a random seed sentence joined, in random order, with sentences among
    the ``pool`` nearest to it (itself included) in ``vectors (len(texts), d)`` (unit rows; cosine) until a length drawn
    uniformly in that range is reached."""
    vectors = np.asarray(vectors, np.float32)
    if len(texts) != len(vectors):
        raise InputError(f"{len(texts)} texts but {len(vectors)} vectors")
    if not 0 < min_words <= max_words:
        raise InputError(f"need 0 < min_words <= max_words, got {min_words} and {max_words}")
    pool = min(pool, len(texts) - 1)
    if pool < 1 or n < 1:
        return []
    rng = np.random.default_rng(seed)
    out: list[str] = []
    for start in range(0, n, 256):
        seeds = rng.choice(len(texts), size=min(256, n - start), replace=len(texts) < n)
        near = np.argpartition(-(vectors[seeds] @ vectors.T), pool, axis=1)[:, :pool]
        for row in near:
            words: list[str] = []
            target = rng.integers(min_words, max_words + 1)
            for i in rng.permutation(row):
                size = len(texts[i].split())
                if len(words) + size <= max_words:
                    words += texts[i].split()
                if len(words) >= target:
                    break
            if len(words) >= min_words:
                out.append(" ".join(words))
    return out
