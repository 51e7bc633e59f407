"""``lago``: per-language maps from the leaked pairs of each language, solved jointly.

When the store holds several languages and the attacker holds ``shots`` leaked pairs per
language, the per-language maps are solved jointly over the URIEL-syntax language graph (LAGO,
IEQ-PDMM; :func:`~vecleak.attacks.cross_lingual.fit_cross_lingual`), and each language's rows
are decoded into that language.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator

from vecleak.attacks.base import AttackResult, Knowledge
from vecleak.attacks.cross_lingual import fit_cross_lingual
from vecleak.attacks.decoding import SHOTS, leaked_pairs
from vecleak.attacks.registry import register_attack
from vecleak.configs import LAGO_ATTACK_BOX_EPSILON, LagoConfig
from vecleak.constraints import check_fields
from vecleak.errors import InputError

#: The attacker's box half-width (its home is :data:`vecleak.configs.LAGO_ATTACK_BOX_EPSILON`).
LAGO_EPSILON = LAGO_ATTACK_BOX_EPSILON


@register_attack("lago")
class Lago(BaseEstimator):
    """The first ``shots`` leaked pairs of each target language (default: all), the languages'
    maps solved jointly (``align``: ``lago-ieq``, ``lago-tv`` or per-language ``algen``).

    ``attack(vectors (n, m), knowledge, languages=(n,))`` needs each row's language and
    ``knowledge.leaked_languages``; the fitted maps are kept as ``cross_``. ``box_epsilon``:
    IEQ-PDMM's box half-width (``epsilon``: its deprecated name).
    """

    name = "lago"
    requires = frozenset({"leaked", "languages"})
    CONSTRAINTS: ClassVar[dict[str, Any]] = {"shots": SHOTS, "box_epsilon": LagoConfig.CONSTRAINTS["box_epsilon"],
                                             "align": LagoConfig.CONSTRAINTS["align"]}

    def __init__(self, shots: int | None = None, box_epsilon: float = LAGO_ATTACK_BOX_EPSILON,
                 align: str = LagoConfig.align, epsilon: float | None = None) -> None:
        self.shots, self.box_epsilon, self.align, self.epsilon = shots, box_epsilon, align, epsilon
        check_fields(self, self.CONSTRAINTS)
        if epsilon is not None:
            warnings.warn("the lago attacker's epsilon is deprecated; use box_epsilon", DeprecationWarning,
                          stacklevel=2)
            check_fields(self, {"epsilon": self.CONSTRAINTS["box_epsilon"]})

    def attack(self, vectors: np.ndarray, knowledge: Knowledge, *,
               languages: Sequence[str] | None = None) -> AttackResult:
        if languages is None or len(languages) != len(vectors):
            raise InputError("the lago attacker decodes each row in its language: give one language per row")
        t0 = time.monotonic()
        X_all, Y_all = leaked_pairs(knowledge)
        if len(knowledge.leaked_languages) != len(X_all):
            raise InputError(f"{len(X_all)} leaked vectors but {len(knowledge.leaked_languages)} leaked languages")
        langs = sorted(set(languages))
        X, Y = {}, {}
        for lang in langs:
            rows = [i for i, x in enumerate(knowledge.leaked_languages) if x == lang][:self.shots]
            X[lang], Y[lang] = X_all[rows], Y_all[rows]
        decoder = knowledge.decoder
        config = LagoConfig(align=self.align, box_epsilon=self.box_epsilon if self.epsilon is None else self.epsilon)
        cross = fit_cross_lingual(X, Y, decoder=decoder, attacker=knowledge.attacker, config=config,
                                  num_beams=knowledge.num_beams)
        cross.tokenizer = knowledge.tokenizer
        texts: list[str] = [""] * len(vectors)
        aligned = np.zeros((len(vectors), knowledge.attacker.dim), np.float32)
        for lang in langs:
            rows = [i for i, x in enumerate(languages) if x == lang]
            inv = cross.attack(lang).invert(vectors[rows], languages=lang if decoder.languages else None)
            for k, i in enumerate(rows):
                texts[i] = inv.reconstructions[k]
            aligned[rows] = inv.aligned
        self.cross_ = cross
        return AttackResult(texts, aligned, seconds=time.monotonic() - t0, encoder=knowledge.attacker)
