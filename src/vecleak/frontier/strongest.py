"""The strongest attacker that knows a defense, in memory.

Attackers, each a closed-form ridge from defended victim vectors to a decoder's space followed
by that decoder; the strongest per metric is reported. Per :class:`AttackerKit` (a decoder and
the vectors it was trained on), up to two:

* ``fewshot``: only the leaked (text, stored vector) pairs, which the defense has already
  transformed (ALGEN on defended vectors);
* ``query``: query access to the deployed pipeline (encoder + defense): the attacker sends
  its own auxiliary texts through it and fits the ridge on those pairs and the leaked ones.
  On many noisy pairs the ridge is the linear least-squares denoiser and aligner in one, so a
  noise defense is judged by an attacker that models its noise. It needs the victim encoder
  (``aux_vectors``); without it (a black box) only ``fewshot`` runs.

A kit whose decoder was trained for the victim encoder itself (``targets`` = raw victim
vectors) makes the ridge a pure denoiser of the defense: the ``known-encoder`` attacker.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from vecleak.align.ridge import Ridge
from vecleak.decoders.inversion_decoder import InversionDecoder
from vecleak.defenses.base import Defense
from vecleak.encoders.base import Encoder
from vecleak.metrics import CORE_METRICS, shuffled_references
from vecleak.metrics.exposure import exposure
from vecleak.recipes.algen import ALGENAttack, Inversion

#: Attacker names, weakest knowledge first.
ATTACKERS = ("fewshot", "query")


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
    tokenizer: str = "unicode"
    #: prefix of this kit's attacker names (``""``: ``fewshot``, ``query``; ``"known-encoder"``: ``known-encoder+query``)
    label: str = ""
    #: which of :data:`ATTACKERS` this kit runs
    attackers: tuple[str, ...] = ATTACKERS

    def name(self, attacker: str) -> str:
        return f"{self.label}+{attacker}" if self.label else attacker

    def attack(self) -> ALGENAttack:
        return ALGENAttack(self.decoder, self.attacker, aligner=Ridge(alpha="auto"), num_beams=self.num_beams,
                           tokenizer=self.tokenizer)


def evaluate_inversion(attack: ALGENAttack, inversion: Inversion, references: Sequence[str],
                       languages: Sequence[str] | None, reference_targets: np.ndarray | None = None) -> dict[str, Any]:
    """:meth:`ALGENAttack.evaluate`'s metrics of ``inversion`` plus the data-owner terms of
    :func:`~vecleak.metrics.exposure.exposure`, whose chance levels (against references shuffled
    within each language) join ``chance``. ``reference_targets (n, d)``: the attacker's vectors of
    the references, when already computed."""
    refs = list(references)
    groups = list(languages) if languages is not None else None
    metrics = attack.evaluate(inversion, refs, reference_vectors=reference_targets, languages=groups)
    metrics.update(exposure(inversion.reconstructions, refs, languages))
    chance = exposure(inversion.reconstructions, shuffled_references(refs, groups=groups), languages)
    metrics["chance"].update({k: chance[k] for k in ("content_recall", "half_recovered")})
    return metrics


def score(attack: ALGENAttack, vectors: np.ndarray, references: Sequence[str], languages: Sequence[str] | None,
          reference_targets: np.ndarray | None = None) -> tuple[dict[str, Any], list[str]]:
    """Invert ``vectors (n, m)`` (each row into its language) and :func:`evaluate_inversion` it."""
    langs = list(languages) if languages is not None and attack.decoder.languages else None
    inversion = attack.invert(vectors, languages=langs)
    return evaluate_inversion(attack, inversion, references, languages, reference_targets), inversion.reconstructions


def strongest_attack(defense: Defense, kits: AttackerKit | Sequence[AttackerKit], vectors: np.ndarray,
                     references: Sequence[str], languages: Sequence[str] | None = None,
                     reference_targets: np.ndarray | Sequence[np.ndarray | None] | None = None) -> dict[str, Any]:
    """Leakage of ``defense`` (already fitted) on undefended target ``vectors (n, m)``.

    ``reference_targets``: each kit's attacker vectors of ``references`` (one array: the first
    kit's), when already computed, so no sweep re-embeds the same references.
    Returns ``{"attackers": {name: metrics}, <metric>: max over attackers, "attacker": {metric: name},
    "chance": chance of the best attacker by token F1, "reconstructions": that attacker's outputs}``.
    """
    kits = [kits] if isinstance(kits, AttackerKit) else list(kits)
    per_kit = [reference_targets] if reference_targets is None or isinstance(reference_targets, np.ndarray) \
        else list(reference_targets)
    per_kit += [None] * (len(kits) - len(per_kit))
    stored = defense.transform(vectors)
    runs: dict[str, tuple[dict[str, Any], list[str]]] = {}
    for kit, targets in zip(kits, per_kit):
        leaked = defense.transform(kit.leaked_vectors)
        if "fewshot" in kit.attackers:
            attack = kit.attack().fit(leaked, kit.leaked_texts, attacker_vectors=kit.leaked_targets)
            runs[kit.name("fewshot")] = score(attack, stored, references, languages, targets)
        if "query" in kit.attackers and kit.aux_vectors is not None and kit.aux_targets is not None:
            X = np.concatenate([defense.transform(kit.aux_vectors), leaked])
            Y = np.concatenate([kit.aux_targets, kit.leaked_targets])
            attack = kit.attack()
            attack.aligner.fit(X, Y)
            runs[kit.name("query")] = score(attack, stored, references, languages, targets)
    return summarize(runs)


def summarize(runs: dict[str, tuple[dict[str, Any], list[str]]]) -> dict[str, Any]:
    """The best attacker per metric (the defender must assume the worst), and the runs themselves."""
    keys = [*CORE_METRICS, "content_recall", "half_recovered"]
    out: dict[str, Any] = {"attackers": {n: {k: m[k] for k in (*keys, "chance") if k in m} for n, (m, _) in runs.items()}}
    out["attacker"] = {}
    for k in keys:
        best = max(runs, key=lambda n: runs[n][0].get(k, float("-inf")))
        out[k], out["attacker"][k] = runs[best][0][k], best
    best = out["attacker"]["token_f1"]
    out["chance"] = runs[best][0]["chance"]
    out["reconstructions"] = runs[best][1]
    out["detail"] = runs[best][0]
    return out
