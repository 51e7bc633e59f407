"""Encoder identification (encoders/identify.py): which candidate encoder made a store's vectors."""

from __future__ import annotations

import math
import zlib

import numpy as np
import pytest

from vecleak.encoders.base import Encoder, l2_normalize
from vecleak.encoders.identify import identify_encoder, unit_length
from vecleak.errors import InputError


class HashEncoder(Encoder):
    """Signed hashed bag of character bigrams; ``salt`` makes a different encoder."""

    backend = "fake"
    pooling = "mean"

    def __init__(self, name: str, dim: int = 64, salt: int = 0, normalize: bool = True, pooling: str = "mean"):
        self.name, self.dim, self.salt, self.normalize, self.pooling = name, dim, salt, normalize, pooling

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), np.float32)
        for row, text in enumerate(texts):
            for a, b in zip(" " + text, text + " "):
                h = zlib.crc32(f"{self.salt}|{a}{b}".encode())
                out[row, h % self.dim] += 1.0 if (h >> 16) & 1 else -1.0
        return l2_normalize(out) if self.normalize else out


TEXTS = ["the cat sat on the mat", "vector stores leak text", "Anna paid 1,250 euros",
         "a quick brown fox", "embeddings are not encryption", "Berlin in March 2024"]


def _loader(*encoders: Encoder):
    table = {e.name: e for e in encoders}
    return lambda name: table[name]


def test_identify_finds_the_encoder_that_made_the_vectors():
    made = HashEncoder("right", pooling="cls")
    load = _loader(HashEncoder("other", salt=1), made)
    match = identify_encoder(TEXTS, made.encode(TEXTS), candidates=["other", "right"], load=load)
    assert match.name == "right" and match.pooling == "cls" and match.encoder is made
    assert match.match_cosine == pytest.approx(1.0, abs=1e-5)
    assert match.normalized is True and match.note == ""
    assert match.tried["other"] < 0.8
    assert match.to_dict()["name"] == "right"


def test_identify_scaled_vectors_match_but_are_not_unit_length():
    made = HashEncoder("right")
    match = identify_encoder(TEXTS, 3 * made.encode(TEXTS), candidates=["right"], load=_loader(made))
    assert match.name == "right" and match.match_cosine == pytest.approx(1.0, abs=1e-5)
    assert match.normalized is False
    assert "unit length" in match.note


def test_identify_other_encoder_is_a_black_box():
    vectors = HashEncoder("secret", salt=42).encode(TEXTS)
    match = identify_encoder(TEXTS, vectors, candidates=["a", "b"],
                             load=_loader(HashEncoder("a", salt=1), HashEncoder("b", salt=2)))
    assert match.name is None and match.encoder is None
    assert "black box" in match.note
    assert set(match.tried) == {"a", "b"} and max(match.tried.values()) < 0.8
    assert match.match_cosine == pytest.approx(max(match.tried.values()))


def test_identify_skips_a_candidate_of_another_dimension():
    made = HashEncoder("right", dim=64)
    load = _loader(HashEncoder("wide", dim=128), made)
    match = identify_encoder(TEXTS, made.encode(TEXTS), candidates=["wide", "right"], load=load)
    assert math.isnan(match.tried["wide"]) and match.name == "right"
    only = identify_encoder(TEXTS, made.encode(TEXTS), candidates=["wide"], load=load)
    assert only.name is None and math.isnan(only.tried["wide"]) and "black box" in only.note
    assert only.match_cosine == 0.0


def test_identify_rejects_mismatched_lengths():
    vectors = HashEncoder("right").encode(TEXTS)
    with pytest.raises(InputError):
        identify_encoder(TEXTS[:-1], vectors, candidates=["right"], load=_loader(HashEncoder("right")))
    with pytest.raises(InputError):
        identify_encoder([], vectors[:0], candidates=["right"], load=_loader(HashEncoder("right")))


def test_unit_length():
    x = np.array([[3.0, 4.0], [0.0, 2.0]])
    assert unit_length(x / np.linalg.norm(x, axis=1, keepdims=True))
    assert not unit_length(x)
    assert not unit_length(np.array([[1.0, 0.0], [0.0, 1.01]]))            # one row off is enough
    assert unit_length(np.array([[1.0, 0.0], [0.0, 1.0005]]))              # within the tolerance
    assert not unit_length(np.zeros((0, 3)))                               # no rows: not unit length
