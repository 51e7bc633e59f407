"""``query``: ALGEN on the attacker's own texts sent through the deployed pipeline.

With query access (an embedding API, or the store's public encoder and its defense) the
attacker embeds its own auxiliary texts and fits the ridge on those pairs and the leaked ones.
On many noisy pairs the ridge is the linear least-squares denoiser and aligner in one, so a
noise defense is judged by an attacker that models its noise. When A is the store's own encoder
(its aux targets are the undefended vectors), the ridge is a pure denoiser of the defense.
"""

from __future__ import annotations

import numpy as np

from vecleak.attacks.algen import ALGENAttack
from vecleak.attacks.base import Knowledge
from vecleak.attacks.decoding import algen_for, leaked_pairs
from vecleak.attacks.fewshot import FewShot
from vecleak.attacks.registry import register_attack


@register_attack("query")
class Query(FewShot):
    """:class:`~vecleak.attacks.fewshot.FewShot`'s ridge fitted on the aux pairs (stored-space
    vectors ``(a, m)`` from the oracle or ``aux_vectors``, A's vectors ``(a, d)``) followed by the
    first ``shots`` leaked pairs (default: all)."""

    name = "query"
    requires = frozenset({"leaked", "query"})

    def fit(self, knowledge: Knowledge, vectors: np.ndarray) -> tuple[ALGENAttack, int]:
        X, Y = leaked_pairs(knowledge, self.shots)
        X_aux = knowledge.aux_in_stored_space()
        attack = algen_for(knowledge, self.make_aligner(knowledge))
        attack.aligner.fit(np.concatenate([X_aux, X]), np.concatenate([knowledge.aux_in_attacker_space(), Y]))
        return attack, len(X_aux)
