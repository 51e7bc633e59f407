"""``lago``: per-language maps from the leaked pairs of each language, solved jointly.

When the store holds several languages and the attacker holds ``shots`` leaked pairs per
language, the per-language maps are solved jointly over the URIEL-syntax language graph (LAGO,
IEQ-PDMM; :func:`~vecleak.attacks.cross_lingual.fit_cross_lingual`), and each language's rows
are decoded into that language.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator

from vecleak.attacks.base import AttackResult, Knowledge
from vecleak.attacks.cross_lingual import fit_cross_lingual
from vecleak.attacks.decoding import SHOTS, leaked_pairs
from vecleak.attacks.registry import register_attack
from vecleak.configs import LagoConfig
from vecleak.constraints import check_fields
from vecleak.errors import InputError

#: LAGO's box half-width (the setting of the README's few-shot experiment).
LAGO_EPSILON = 0.1


@register_attack("lago")
class Lago(BaseEstimator):
    """The first ``shots`` leaked pairs of each target language (default: all), the languages'
    maps solved jointly (``align``: ``lago-ieq``, ``lago-tv`` or per-language ``algen``).

    ``attack(vectors (n, m), knowledge, languages=(n,))`` needs each row's language and
    ``knowledge.leaked_languages``; the fitted maps are kept as ``cross_``.
    """

    name = "lago"
    requires = frozenset({"leaked", "languages"})
    CONSTRAINTS: ClassVar[dict[str, Any]] = {"shots": SHOTS, "epsilon": LagoConfig.CONSTRAINTS["epsilon"],
                                             "align": LagoConfig.CONSTRAINTS["align"]}

    def __init__(self, shots: int | None = None, epsilon: float = LAGO_EPSILON, align: str = "lago-ieq") -> None:
        self.shots, self.epsilon, self.align = shots, epsilon, align
        check_fields(self, self.CONSTRAINTS)

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
        config = LagoConfig(align=self.align, epsilon=self.epsilon)
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
