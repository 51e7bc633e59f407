"""``adaptive``: few-shot ALGEN whose decoder learns the defense's noise.

It aligns with the leaked pairs (as ``fewshot``), then sends its own aux texts through the
deployed pipeline (query access), maps what comes back with that alignment and fine-tunes its
decoder on those (aligned stored vector, text) pairs (:class:`~vecleak.attacks.adapt.FineTuning`).
"""

from __future__ import annotations

import numpy as np

from vecleak.attacks.adapt import FineTuning
from vecleak.attacks.algen import ALGENAttack
from vecleak.attacks.base import Knowledge
from vecleak.attacks.fewshot import FewShot
from vecleak.attacks.registry import register_attack


@register_attack("adaptive")
class Adaptive(FineTuning, FewShot):
    """:class:`~vecleak.attacks.fewshot.FewShot`, then ``adapt_steps`` steps of fine-tuning on the
    aligned aux pairs (parameters: :class:`~vecleak.attacks.adapt.FineTuning`)."""

    name = "adaptive"

    def fit(self, knowledge: Knowledge, vectors: np.ndarray) -> tuple[ALGENAttack, int]:
        attack, _ = super().fit(knowledge, vectors)
        self.adapt(attack, knowledge)
        return attack, len(knowledge.aux_in_stored_space())
