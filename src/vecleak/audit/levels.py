"""The attackers of an audit, one row per knowledge level, on the undefended stored vectors.

* ``fewshot-K``: the attacker holds K leaked (text, stored vector) pairs of the store (other
  rows than the audited ones) and its own encoder and decoder; it aligns the store's space to
  its own with ridge (ALGEN) and decodes.
* ``query``: it can also query the store's encoder (a public model, or an embedding API):
  it embeds its own auxiliary texts and aligns on those and the leaked pairs.
* ``known-encoder``: the store's encoder is one a pretrained inverter exists for (vecleak
  ships one for MiniLM and for use-multilingual): it decodes the stored vectors directly.

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
from vecleak.frontier.strongest import score
from vecleak.recipes.algen import ALGENAttack

KNOWLEDGE = {
    "fewshot": "holds {shots} leaked (text, vector) pairs of this store and its own encoder",
    "query": "can also query the store's encoder with its own {aux} texts",
    "known-encoder": "knows the encoder and holds a decoder trained for it (no alignment)",
}


@dataclass
class Level:
    """One attacker row to run: ``kind`` in ``fewshot | query | known-encoder``."""

    kind: str
    shots: int = 0
    aux: int = 0

    @property
    def name(self) -> str:
        return f"fewshot-{self.shots}" if self.kind == "fewshot" else self.kind

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
