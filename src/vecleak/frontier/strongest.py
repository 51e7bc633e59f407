"""The strongest attacker that knows a defense, in memory.

Per :class:`AttackerKit` (a decoder and the vectors it was trained on), the closed-form
attackers of :mod:`vecleak.attacks` (:data:`~vecleak.attacks.CLOSED_FORM_ATTACKERS`), each a
ridge from defended victim vectors to the decoder's space followed by that decoder; the
strongest per metric is reported (:func:`vecleak.attacks.strongest`):

* ``fewshot``: only the leaked (text, stored vector) pairs, which the defense has already
  transformed (ALGEN on defended vectors);
* ``query``: query access to the deployed pipeline (encoder + defense): the attacker sends
  its own auxiliary texts through it and fits the ridge on those pairs and the leaked ones.
  It needs the victim encoder (``aux_vectors``); without it (a black box) only ``fewshot`` runs.

A kit whose decoder was trained for the victim encoder itself (``targets`` = raw victim
vectors) makes the ridge a pure denoiser of the defense: the ``known-encoder`` attacker
(named ``known-encoder+query`` by its label).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from vecleak.attacks import CLOSED_FORM_ATTACKERS, Knowledge, load_attack, strongest
from vecleak.configs import DEFAULT_TOKENIZER
from vecleak.decoders.inversion_decoder import InversionDecoder
from vecleak.defenses.base import Defense
from vecleak.encoders.base import Encoder

#: Attacker names, weakest knowledge first.
ATTACKERS = CLOSED_FORM_ATTACKERS


@dataclass
class AttackerKit:
    """What the attacker holds.

    ``leaked_vectors (b, m)``: undefended stored vectors of the leaked texts; ``leaked_targets
    (b, d)``: the attacker encoder's vectors of the same texts; ``aux_vectors (a, m)`` /
    ``aux_targets (a, d)``: the victim's and the attacker's vectors of the attacker's auxiliary
    texts (``None`` when the victim encoder is unknown).
    """

    decoder: InversionDecoder
    attacker: Encoder
    leaked_vectors: np.ndarray
    leaked_texts: list[str]
    leaked_targets: np.ndarray
    aux_vectors: np.ndarray | None = None
    aux_targets: np.ndarray | None = None
    num_beams: int = 1
    tokenizer: str = DEFAULT_TOKENIZER
    #: prefix of this kit's attacker names (``""``: ``fewshot``, ``query``; ``"known-encoder"``: ``known-encoder+query``)
    label: str = ""
    #: which of :data:`ATTACKERS` this kit runs
    attackers: tuple[str, ...] = ATTACKERS

    def name(self, attacker: str) -> str:
        return f"{self.label}+{attacker}" if self.label else attacker

    def knowledge(self, defense: Defense) -> Knowledge:
        """What this kit's attacker holds against ``defense`` (fitted): the leaked vectors as
        stored, and, for ``query``, its aux vectors sent through the defense."""
        leaked = defense.transform(self.leaked_vectors)
        queries = "query" in self.attackers and self.aux_vectors is not None and self.aux_targets is not None
        return Knowledge(self.decoder, self.attacker, leaked_vectors=leaked, leaked_texts=self.leaked_texts,
                         leaked_targets=self.leaked_targets,
                         aux_vectors=defense.transform(self.aux_vectors) if queries else None,
                         aux_targets=self.aux_targets if queries else None, num_beams=self.num_beams,
                         tokenizer=self.tokenizer)


def strongest_attack(defense: Defense, kits: AttackerKit | Sequence[AttackerKit], vectors: np.ndarray,
                     references: Sequence[str], languages: Sequence[str] | None = None,
                     reference_targets: np.ndarray | Sequence[np.ndarray | None] | None = None) -> dict[str, Any]:
    """Leakage of ``defense`` (already fitted) on undefended target ``vectors (n, m)``.

    ``reference_targets``: each kit's attacker vectors of ``references`` (one array: the first
    kit's), when already computed, so no sweep re-embeds the same references.
    Returns :func:`vecleak.attacks.strongest`'s dict: ``{"attackers": {name: metrics}, <metric>:
    max over attackers, "attacker": {metric: name}, "chance": chance of the best attacker by token
    F1, "reconstructions": that attacker's outputs, "detail", "cost"}``.
    """
    kits = [kits] if isinstance(kits, AttackerKit) else list(kits)
    per_kit = [reference_targets] if reference_targets is None or isinstance(reference_targets, np.ndarray) \
        else list(reference_targets)
    per_kit += [None] * (len(kits) - len(per_kit))
    stored = defense.transform(vectors)
    attackers, knowledge, targets = {}, {}, {}
    for kit, kit_targets in zip(kits, per_kit):
        held = kit.knowledge(defense)
        for kind in (a for a in ATTACKERS if a in kit.attackers):
            attackers[kit.name(kind)] = load_attack(kind)
            knowledge[kit.name(kind)], targets[kit.name(kind)] = held, kit_targets
    return strongest(attackers, knowledge, stored, references, languages, targets)
