"""``known-encoder``: a decoder trained for the store's own encoder reads the stored vectors.

When the store's encoder is one a pretrained inverter exists for (vecleak ships one for MiniLM
and for use-multilingual), no alignment is needed: the stored vectors are decoded as they are
(unit-normalized first when the encoder normalizes, for a store that kept another scaling).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from vecleak.align.identity import Identity
from vecleak.attacks.algen import ALGENAttack
from vecleak.attacks.base import AttackResult, Knowledge
from vecleak.attacks.decoding import DecodingAttacker, algen_for
from vecleak.attacks.registry import register_attack
from vecleak.encoders.base import l2_normalize


@register_attack("known-encoder")
class KnownEncoder(DecodingAttacker):
    """``known_decoder`` on the stored vectors (an :class:`Identity` aligner), in the space of
    ``known_encoder`` (loaded by the decoder's recorded name when not given)."""

    name = "known-encoder"
    requires = frozenset({"known_encoder"})

    def attack(self, vectors: np.ndarray, knowledge: Knowledge, *,
               languages: Sequence[str] | None = None) -> AttackResult:
        self.encoder_ = knowledge.known_encoder
        if self.encoder_ is None:
            from vecleak.encoders.registry import load_encoder

            self.encoder_ = load_encoder(knowledge.known_decoder.encoder_spec["name"])
        if self.encoder_.normalize:      # a store that kept another scaling: the decoder reads unit vectors
            vectors = l2_normalize(vectors)
        return super().attack(vectors, knowledge, languages=languages)

    def fit(self, knowledge: Knowledge, vectors: np.ndarray) -> tuple[ALGENAttack, int]:
        attack = algen_for(knowledge, Identity(), decoder=knowledge.known_decoder, encoder=self.encoder_)
        attack.aligner.fit(vectors)
        return attack, 0
