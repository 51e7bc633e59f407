"""``fewshot``: ALGEN on the leaked pairs alone.

The attacker holds ``shots`` leaked (text, stored vector) pairs, as stored (defended when the
store is), and its own encoder A and decoder. A ridge (α by leave-one-out) maps the stored space
into A's, then A's decoder reads the mapped vectors.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from vecleak.align.ridge import Ridge
from vecleak.attacks.algen import ALGENAttack
from vecleak.attacks.base import Knowledge
from vecleak.attacks.decoding import SHOTS, DecodingAttacker, algen_for, leaked_pairs
from vecleak.attacks.registry import register_attack
from vecleak.constraints import check_fields
from vecleak.data.vectors import check_vectors


@register_attack("fewshot")
class FewShot(DecodingAttacker):
    """ALGEN: ``Ridge(alpha="auto")`` fitted on the first ``shots`` leaked pairs (default: all).

    Args:
        shots: how many leaked pairs to align with (``None``: every one held).
    """

    name = "fewshot"
    requires = frozenset({"leaked"})
    CONSTRAINTS: ClassVar[dict[str, Any]] = {"shots": SHOTS}

    def __init__(self, shots: int | None = None) -> None:
        self.shots = shots
        check_fields(self, self.CONSTRAINTS)

    def make_aligner(self, knowledge: Knowledge) -> Any:
        """The unfitted aligner from the stored space to A's."""
        return Ridge(alpha="auto")

    def fit(self, knowledge: Knowledge, vectors: np.ndarray) -> tuple[ALGENAttack, int]:
        X, Y = leaked_pairs(knowledge, self.shots)
        attack = algen_for(knowledge, self.make_aligner(knowledge))
        attack.aligner.fit(check_vectors(X, name="leaked victim vectors"), Y)
        return attack, 0
