from __future__ import annotations

import numpy as np

from vecleak.align import Ridge
from vecleak.decoders import rerank


def test_rerank_picks_the_candidate_closest_to_the_target(minilm, sentences):
    targets = minilm.encode(sentences[:4])
    # Each row hides the true sentence among three others.
    candidates = [[sentences[(i + k) % 10 + 10] for k in range(3)] + [sentences[i]] for i in range(4)]
    chosen, cos = rerank(candidates, targets, minilm)
    assert chosen == sentences[:4]
    assert np.allclose(cos, 1.0, atol=1e-5)


def test_alignment_undoes_a_secret_rotation_of_real_embeddings(minilm, sentences):
    """A rotated copy of MiniLM's space is mapped back: ALGEN learns linear 'protections' back."""
    y = minilm.encode(sentences)                                    # (40, 384)
    q, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(384, 384)))
    x = y @ q                                                       # the 'protected' victim vectors
    model = Ridge(alpha=1e-6).fit(x[:30], y[:30])
    # 30 pairs span a 30-d subspace; held-out vectors are recovered up to their part outside it,
    # so compare against the best any map fitted on these pairs can do: projection on their span.
    basis, _ = np.linalg.qr(y[:30].T)
    best = (y[30:] @ basis) @ basis.T
    assert np.allclose(model.transform(x[30:]), best, atol=1e-3)
