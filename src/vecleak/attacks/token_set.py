"""``token-set``: a multi-label word attacker trained on the attacker's aux texts as stored.

It needs no leaked pairs and no decoder: query access to the deployed pipeline on its own texts
is enough. A :class:`~vecleak.classifiers.token_set.TokenSetDecoder` learns which words a stored
vector holds from (stored aux vector, aux text) pairs, a tenth held out to choose its decision
threshold, and predicts the word set of each target. Its outputs are word sets, unordered:
score them by token F1 / recall.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import torch
from sklearn.base import BaseEstimator

from vecleak.attacks.base import AttackResult, Knowledge
from vecleak.attacks.decoding import per_record
from vecleak.attacks.registry import register_attack
from vecleak.classifiers.token_set import TokenSetDecoder, TokenVocabulary
from vecleak.constraints import Interval, check_fields
from vecleak.seeding import preserves_global_rng


@register_attack("token-set")
class TokenSet(BaseEstimator):
    """Word sets of stored ``vectors (n, m)`` from a classifier trained ``epochs`` epochs on the
    stored aux pairs (seeded by ``knowledge.seed``); the fitted classifier is kept as ``model_``."""

    name = "token-set"
    requires = frozenset({"query", "aux"})
    CONSTRAINTS: ClassVar[dict[str, Any]] = {"epochs": Interval(int, 1, None)}

    def __init__(self, epochs: int = 30) -> None:
        self.epochs = epochs
        check_fields(self, self.CONSTRAINTS)

    @preserves_global_rng
    def attack(self, vectors: np.ndarray, knowledge: Knowledge, *,
               languages: Sequence[str] | None = None) -> AttackResult:
        t0 = time.monotonic()
        X_aux, texts = knowledge.aux_in_stored_space(), list(knowledge.aux_texts)
        torch.manual_seed(knowledge.seed)
        n_cal = max(1, len(texts) // 10)  # held out to choose the decision threshold
        model = TokenSetDecoder(X_aux.shape[1], TokenVocabulary.build(texts[n_cal:]))
        model.fit(X_aux[n_cal:], texts[n_cal:], epochs=self.epochs, seed=knowledge.seed)
        self.model_ = model.calibrate(X_aux[:n_cal], texts[:n_cal])
        guesses = self.model_.predict(vectors)
        return AttackResult(guesses, None, per_record(len(X_aux), len(vectors)), time.monotonic() - t0,
                            {"queries": len(X_aux)})
