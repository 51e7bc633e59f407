"""The attackers of an audit, one row per knowledge level, on the undefended stored vectors.

* ``fewshot-K``: the attacker holds K leaked (text, stored vector) pairs of the store (other
  rows than the audited ones) and its own encoder and decoder; it aligns the store's space to
  its own with ridge (ALGEN) and decodes.
* ``query``: it can also query the store's encoder (a public model, or an embedding API):
  it embeds its own auxiliary texts and aligns on those and the leaked pairs.
* ``known-encoder``: the store's encoder is one a pretrained inverter exists for (vecleak
  ships one for MiniLM and for use-multilingual): it decodes the stored vectors directly.
* ``lago-K``: when the store holds several languages, K leaked pairs *per language*, the
  per-language maps solved jointly over the URIEL-syntax language graph (LAGO, IEQ-PDMM), each
  language decoded into itself.

Which rows run depends on what is known: without an identified encoder, only ``fewshot-K``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from vecleak.align.identity import Identity
from vecleak.align.ridge import Ridge
from vecleak.decoders.inversion_decoder import InversionDecoder
from vecleak.encoders.base import Encoder, l2_normalize
from vecleak.frontier.strongest import evaluate_inversion, score
from vecleak.recipes.algen import ALGENAttack

KNOWLEDGE = {
    "fewshot": "holds {shots} leaked (text, vector) pairs of this store and its own encoder",
    "query": "can also query the store's encoder with its own {aux} texts",
    "known-encoder": "knows the encoder and holds a decoder trained for it (no alignment)",
    "lago": "holds {shots} leaked pairs per language and solves the languages' maps jointly (LAGO)",
}
#: LAGO's box half-width for the audit row (the setting of the README's few-shot experiment).
LAGO_EPSILON = 0.1


@dataclass
class Level:
    """One attacker row to run: ``kind`` in ``fewshot | query | known-encoder``."""

    kind: str
    shots: int = 0
    aux: int = 0

    @property
    def name(self) -> str:
        return f"{self.kind}-{self.shots}" if self.kind in ("fewshot", "lago") else self.kind

    def describe(self) -> str:
        return KNOWLEDGE[self.kind].format(shots=self.shots, aux=self.aux)


def run_level(level: Level, *, decoder: InversionDecoder, attacker: Encoder, stored: np.ndarray,
              references: Sequence[str], languages: Sequence[str] | None, leaked_vectors: np.ndarray,
              leaked_targets: np.ndarray, aux_vectors: np.ndarray | None = None,
              aux_targets: np.ndarray | None = None, reference_targets: np.ndarray | None = None,
              num_beams: int = 1) -> tuple[dict[str, Any], list[str]]:
    """Metrics and reconstructions of one attacker row on ``stored (n, m)`` vectors."""
    if level.kind == "known-encoder":
        if attacker.normalize:          # a store that kept another scaling: the decoder reads unit vectors
            stored = l2_normalize(stored)
        attack = ALGENAttack(decoder, attacker, aligner=Identity(), num_beams=num_beams)
        attack.aligner.fit(stored)
    else:
        attack = ALGENAttack(decoder, attacker, aligner=Ridge(alpha="auto"), num_beams=num_beams)
        X, Y = leaked_vectors[:level.shots or None], leaked_targets[:level.shots or None]
        if level.kind == "query":
            X, Y = np.concatenate([aux_vectors, leaked_vectors]), np.concatenate([aux_targets, leaked_targets])
        attack.aligner.fit(X, Y)
    metrics, recs = score(attack, stored, references, languages, reference_targets)
    metrics.pop("per_sentence", None)
    return metrics, recs


def run_lago_level(level: Level, *, decoder: InversionDecoder, attacker: Encoder, stored: np.ndarray,
                   references: Sequence[str], languages: Sequence[str], leaked_vectors: np.ndarray,
                   leaked_targets: np.ndarray, leaked_languages: Sequence[str],
                   reference_targets: np.ndarray | None = None,
                   num_beams: int = 1) -> tuple[dict[str, Any], list[str]]:
    """The ``lago-K`` row: per-language maps from ``K`` leaked pairs of each language, solved jointly."""
    from vecleak.configs import LagoConfig
    from vecleak.recipes.algen import Inversion
    from vecleak.recipes.lago import fit_cross_lingual

    langs = sorted(set(languages))
    X, Y = {}, {}
    for lang in langs:
        rows = [i for i, x in enumerate(leaked_languages) if x == lang][:level.shots]
        X[lang], Y[lang] = leaked_vectors[rows], leaked_targets[rows]
    cross = fit_cross_lingual(X, Y, decoder=decoder, attacker=attacker,
                              config=LagoConfig(align="lago-ieq", epsilon=LAGO_EPSILON), num_beams=num_beams)
    recs: list[str] = [""] * len(references)
    aligned = np.zeros((len(references), attacker.dim), np.float32)
    for lang in langs:
        rows = [i for i, x in enumerate(languages) if x == lang]
        inv = cross.attack(lang).invert(stored[rows], languages=lang if decoder.languages else None)
        for k, i in enumerate(rows):
            recs[i] = inv.reconstructions[k]
        aligned[rows] = inv.aligned
    metrics = evaluate_inversion(cross.attack(langs[0]), Inversion(recs, aligned), references, languages,
                                 reference_targets)
    metrics.pop("per_sentence", None)
    return metrics, recs
