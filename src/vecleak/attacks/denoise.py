"""``denoise``: the attacker who knows a stochastic defense denoises before it aligns.

It embeds its own aux texts with the store's (public) encoder, runs them through its own copy
of the defense (:func:`own_copy`: same mechanism and parameters, its own randomness and key),
learns a Wiener denoiser from defended back to clean vectors on those pairs
(:mod:`vecleak.align.denoise`) and aligns the denoised leaked pairs as ``fewshot`` does.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from vecleak.align.denoise import DenoisedAligner, fit_denoiser
from vecleak.attacks.algen import ALGENAttack
from vecleak.attacks.base import Knowledge
from vecleak.attacks.fewshot import FewShot
from vecleak.attacks.registry import register_attack
from vecleak.defenses import Defense


def rebuildable(defense: Defense) -> bool:
    """Whether ``defense`` is a mechanism with parameters (not a trained or fitted folder)."""
    return not getattr(defense, "fitted_from_", None) and defense.name != "eguard"


def own_copy(defense: Defense, X_aux: np.ndarray, seed: int) -> Defense:
    """The attacker's own instance of ``defense``: same mechanism and parameters, its own
    randomness (and key), fitted on the attacker's vectors ``X_aux (a, m)`` where the defense learns."""
    if not rebuildable(defense):
        return defense        # a trained or fitted folder: the attacker queries the deployed one
    params = defense.get_params(deep=False)
    if "seed" in params and not params.get("secure"):
        params["seed"] = seed + 1_000_003
    return type(defense)(**params).fit(X_aux)


@register_attack("denoise")
class Denoise(FewShot):
    """:class:`FewShot` behind a :class:`~vecleak.align.denoise.DenoisedAligner` learnt on the
    attacker's own defended copies of the aux vectors (``aux_raw (a, m)``, or the store's
    encoder's embeddings of ``aux_texts``)."""

    name = "denoise"
    requires = frozenset({"leaked", "aux", "defense", "store_encoder"})

    def make_aligner(self, knowledge: Knowledge) -> Any:
        X_aux = knowledge.aux_undefended()
        self.own_defense_ = own_copy(knowledge.defense, X_aux, knowledge.seed)
        return DenoisedAligner(fit_denoiser(self.own_defense_.transform(X_aux), X_aux))

    def fit(self, knowledge: Knowledge, vectors: np.ndarray) -> tuple[ALGENAttack, int]:
        attack, _ = super().fit(knowledge, vectors)
        queried = self.own_defense_ is knowledge.defense       # no copy of its own: it asked the deployed one
        return attack, len(knowledge.aux_raw) if queried else 0
