"""``decoder-aux``: the Eguard paper's attacker, a decoder trained on the defended aux corpus.

Its first layer is the ``query`` attacker's ridge from the stored space into the attacker's,
fitted on the aux pairs (sent through the deployed pipeline) and the leaked ones; the pretrained
decoder behind it is then fine-tuned on the aligned aux pairs
(:class:`~vecleak.attacks.adapt.FineTuning`).
"""

from __future__ import annotations

import numpy as np

from vecleak.attacks.adapt import FineTuning
from vecleak.attacks.algen import ALGENAttack
from vecleak.attacks.base import Knowledge
from vecleak.attacks.query import Query
from vecleak.attacks.registry import register_attack


@register_attack("decoder-aux")
class DecoderAux(FineTuning, Query):
    """:class:`~vecleak.attacks.query.Query`, then ``adapt_steps`` steps of fine-tuning on the
    aligned aux pairs (parameters: :class:`~vecleak.attacks.adapt.FineTuning`)."""

    name = "decoder-aux"

    def fit(self, knowledge: Knowledge, vectors: np.ndarray) -> tuple[ALGENAttack, int]:
        attack, queries = super().fit(knowledge, vectors)
        self.adapt(attack, knowledge)
        return attack, queries
