from __future__ import annotations

import numpy as np
import pytest

from vecleak.metrics import bleu, cosine_rows, rouge_l, text_metrics, token_prf, tokenize


def test_identical_strings_score_one():
    refs = ["A man is playing a guitar.", "Two dogs run through the snow."]
    scores = text_metrics(refs, refs)
    for key in ("rouge_l", "bleu", "token_f1", "token_recall", "token_precision"):
        assert scores[key] == pytest.approx(1.0)


def test_disjoint_strings_score_zero():
    assert rouge_l(["red cars"], ["blue boats"]) == 0.0
    assert token_prf(["red cars"], ["blue boats"])["token_f1"] == 0.0


def test_precision_and_recall_are_not_swapped():
    # The reconstruction holds 2 of the reference's 4 tokens and nothing else.
    out = token_prf(["a man"], ["a man is running"])
    assert out["token_precision"] == pytest.approx(1.0)
    assert out["token_recall"] == pytest.approx(0.5)
    assert out["token_f1"] == pytest.approx(2 * 1.0 * 0.5 / 1.5)


def test_token_counts_are_clipped():
    # "the" twice in the reconstruction but once in the reference counts once.
    out = token_prf(["the the cat"], ["the cat"])
    assert out["token_precision"] == pytest.approx(2 / 3)
    assert out["token_recall"] == pytest.approx(1.0)


def test_rouge_l_is_lcs_based():
    # LCS of "a b c d" and "a c d" is 3: P = 3/3, R = 3/4.
    assert rouge_l(["a c d"], ["a b c d"]) == pytest.approx(2 * 1 * 0.75 / 1.75)


def test_bleu_is_case_insensitive_fraction():
    assert bleu(["THE CAT SAT ON THE MAT"], ["the cat sat on the mat"]) == pytest.approx(1.0)
    assert 0.0 <= bleu(["the cat sat"], ["the cat sat on the mat"]) < 1.0


def test_tokenize_lowercases_and_drops_punctuation():
    assert tokenize("It's a Dog!") == ["it", "s", "a", "dog"]


def test_cosine_rows():
    a = np.array([[1.0, 0.0], [0.0, 2.0]])
    b = np.array([[2.0, 0.0], [0.0, -1.0]])
    assert np.allclose(cosine_rows(a, b), [1.0, -1.0])


def test_length_mismatch_is_an_error():
    with pytest.raises(ValueError):
        rouge_l(["a"], ["a", "b"])
