"""What the attackers that align and decode share.

Each builds an :class:`~vecleak.attacks.algen.ALGENAttack` from a
:class:`~vecleak.attacks.base.Knowledge` (its :meth:`DecodingAttacker.fit`), decodes the stored
vectors ``(n, m)`` with it (each row into its language when the decoder is
language-conditioned) and returns the texts, the aligned vectors ``(n, d)``, the queries it
spent and the seconds it took. The fitted attack stays on the attacker (``attack_``, with its
``inversion_``), as a fitted estimator keeps its parameters.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator

from vecleak.attacks.algen import ALGENAttack, Inversion
from vecleak.attacks.base import AttackResult, Knowledge
from vecleak.constraints import Interval
from vecleak.errors import InputError

#: How many leaked pairs an attacker uses: ``None`` (all it holds) or at least 1.
SHOTS = Interval(int, 1, None, optional=True)


def algen_for(knowledge: Knowledge, aligner: Any, *, decoder: Any = None, encoder: Any = None) -> ALGENAttack:
    """An unfitted :class:`ALGENAttack` with ``aligner`` and the knowledge's decoding settings
    (``decoder`` / ``encoder``: other than the knowledge's own decoder and encoder A)."""
    decoder = decoder if decoder is not None else knowledge.decoder
    return ALGENAttack(decoder, encoder if encoder is not None else knowledge.attacker, aligner=aligner,
                       num_beams=knowledge.num_beams, language=knowledge.language if decoder.languages else None,
                       tokenizer=knowledge.tokenizer)


def leaked_pairs(knowledge: Knowledge, shots: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The first ``shots`` leaked pairs (all by default): stored vectors ``(b, m)`` and A's ``(b, d)``."""
    X = knowledge.leaked_vectors
    if knowledge.leaked_texts is not None and len(knowledge.leaked_texts) != len(X):
        raise InputError(f"{len(X)} leaked vectors but {len(knowledge.leaked_texts)} leaked texts; give one text "
                         "per vector")
    return X[:shots], knowledge.leaked_in_attacker_space()[:shots]


def per_record(total: float, n: int) -> np.ndarray:
    """``(n,)``: a one-off cost of ``total`` queries shared out over ``n`` records."""
    return np.full(n, total / n if n else 0.0)


class DecodingAttacker(BaseEstimator):
    """Base of the align-and-decode attackers: subclasses give ``name``, ``requires`` and :meth:`fit`."""

    name: ClassVar[str]
    requires: ClassVar[frozenset[str]]

    def fit(self, knowledge: Knowledge, vectors: np.ndarray) -> tuple[ALGENAttack, int]:
        """The fitted attack for stored ``vectors (n, m)``, and the queries spent fitting it."""
        raise NotImplementedError

    def attack(self, vectors: np.ndarray, knowledge: Knowledge, *,
               languages: Sequence[str] | None = None) -> AttackResult:
        """Decode stored ``vectors (n, m)``: texts, aligned ``(n, d)``, queries ``(n,)``, seconds."""
        t0 = time.monotonic()
        attack, queries = self.fit(knowledge, vectors)
        langs = list(languages) if languages is not None and attack.decoder.languages else None
        inversion: Inversion = attack.invert(vectors, languages=langs)
        self.attack_, self.inversion_ = attack, inversion
        info: dict[str, Any] = {"queries": queries}
        if attack.decoder_adaptation:
            info["decoder_adaptation"] = attack.decoder_adaptation
        return AttackResult(inversion.reconstructions, inversion.aligned, per_record(queries, len(vectors)),
                            time.monotonic() - t0, info, encoder=attack.attacker)
