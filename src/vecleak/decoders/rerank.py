"""Embedding-guided rerank: re-embed each candidate and keep the one closest to the target.

The cheap form of vec2text's correction step: beam search proposes ``k`` texts per target,
the attacker encoder scores them, the best cosine wins.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from vecleak.encoders.base import Encoder


def rerank(candidates: Sequence[Sequence[str]], targets: np.ndarray, encoder: Encoder
           ) -> tuple[list[str], np.ndarray]:
    """Pick, per row, the candidate whose embedding is closest to ``targets (n, d)``.

    Returns the chosen texts and their cosine to the target ``(n,)``.
    """
    flat = [c for row in candidates for c in row]
    safe = [c if c.strip() else "." for c in flat]  # an empty generation still gets a score
    emb = encoder.encode(safe, batch_size=128)
    t = targets / np.maximum(np.linalg.norm(targets, axis=1, keepdims=True), 1e-12)
    e = emb / np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-12)
    chosen, best = [], np.empty(len(candidates))
    pos = 0
    for i, row in enumerate(candidates):
        sims = e[pos:pos + len(row)] @ t[i]
        j = int(np.argmax(sims))
        chosen.append(row[j])
        best[i] = sims[j]
        pos += len(row)
    return chosen, best
