"""``bag-of-words``: which words each stored vector holds, read by a word reader.

The measure that still works on long records, where no decoder writes the whole text: a
:class:`~vecleak.classifiers.word_reader.WordReader` trained offline for an encoder reads the
words above its threshold (chosen on held-out pairs of the attacker's own corpus). Two settings:

* **known encoder** (``known_encoder`` given): the reader trained for the store's encoder reads
  the stored vectors;
* **through the alignment** (leaked pairs): a ridge maps the stored space into the attacker's
  encoder A (ALGEN), and A's reader reads the mapped vectors.

Its outputs are word sets, most probable first: read them by token precision / recall / F1 and
content-word recall; ROUGE-L and BLEU do not apply.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator

from vecleak.align.ridge import Ridge
from vecleak.attacks.base import AttackResult, Knowledge
from vecleak.attacks.decoding import leaked_pairs
from vecleak.attacks.registry import register_attack
from vecleak.encoders.base import l2_normalize
from vecleak.errors import InputError


@register_attack("bag-of-words")
class BagOfWords(BaseEstimator):
    """Word sets of stored ``vectors (n, m)``.

    Args:
        reader: the word reader of the encoder it reads (the store's, or the attacker's own
            for the aligned vectors); ``predict(vectors) -> word strings``.
        threshold: overrides the reader's calibrated threshold.
    """

    name: ClassVar[str] = "bag-of-words"
    requires: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, reader: Any = None, threshold: float | None = None) -> None:
        self.reader, self.threshold = reader, threshold

    def attack(self, vectors: np.ndarray, knowledge: Knowledge, *,
               languages: Sequence[str] | None = None) -> AttackResult:
        if self.reader is None:
            raise InputError("the bag-of-words attacker needs a word reader for the encoder it reads "
                             "(vecleak.classifiers.shipped.load_word_reader)")
        t0 = time.monotonic()
        known = knowledge.known_encoder is not None and \
            self.reader.encoder_spec.get("name") == knowledge.known_encoder.name
        if known:
            read = l2_normalize(np.asarray(vectors, np.float32))
            space = knowledge.known_encoder
        elif knowledge.has("leaked"):
            X, Y = leaked_pairs(knowledge)
            read = l2_normalize(Ridge(alpha="auto").fit(X, Y).transform(vectors))
            space = knowledge.attacker
        else:
            raise InputError("the bag-of-words attacker reads the store's own space (its encoder known) or aligns "
                             "to its own with leaked pairs; give one of them")
        words = self.reader.predict(read, threshold=self.threshold)
        return AttackResult(words, read, None, time.monotonic() - t0,
                            {"mode": "known-encoder" if known else "aligned", "threshold":
                             self.threshold if self.threshold is not None else self.reader.threshold}, encoder=space)
