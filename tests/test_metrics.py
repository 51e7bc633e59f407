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


def test_unicode_tokenizer_keeps_accented_words_whole():
    assert tokenize("Die Größe der Straße") == ["die", "größe", "der", "straße"]
    assert tokenize("El niño está aquí, ¿no?") == ["el", "niño", "está", "aquí", "no"]
    # rouge-score's ASCII tokenizer splits them, which is why it is not the default
    assert tokenize("Größe", "rouge-score") == ["gr", "e"]


def test_unicode_tokenizer_splits_scripts_without_spaces_into_characters():
    assert tokenize("我喜欢猫") == ["我", "喜", "欢", "猫"]
    assert tokenize("ภาษาไทย ok") == ["ภ", "า", "ษ", "า", "ไ", "ท", "ย", "ok"]


def test_unicode_tokenizer_normalizes_composed_and_decomposed_accents():
    composed, decomposed = "caf\u00e9", "cafe\u0301"
    assert tokenize(composed) == tokenize(decomposed) == ["café"]
    assert rouge_l([decomposed], [composed]) == 1.0


def test_accented_rouge_differs_between_tokenizers():
    # one wrong letter in an accented word: Unicode tokens see one mismatch out of two words,
    # the ASCII tokenizer sees 'gr' and 'e' shared and counts the word as two-thirds right
    assert rouge_l(["Größe Haus"], ["Grüße Haus"]) == pytest.approx(0.5)
    assert rouge_l(["Größe Haus"], ["Grüße Haus"], "rouge-score") > 0.5


def test_rouge_l_matches_rouge_score_with_its_tokenizer():
    from rouge_score import rouge_scorer

    pairs = [("a man is playing a guitar", "a man plays the guitar loudly"),
             ("the cat the cat sat", "the cat sat on the mat"), ("Größe", "Grüße"), ("", "x"),
             ("two dogs run, through snow!", "Dogs run through the deep snow.")]
    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)
    for hyp, ref in pairs:
        assert rouge_l([hyp], [ref], "rouge-score") == pytest.approx(scorer.score(ref, hyp)["rougeL"].fmeasure)


def test_unknown_tokenizer_is_refused():
    with pytest.raises(ValueError, match="unicode, rouge-score"):
        rouge_l(["a"], ["a"], "spacy")


def test_chance_uses_a_seeded_derangement_of_the_references():
    from vecleak.metrics import chance_metrics, shuffled_references

    refs = [f"sentence number {w}" for w in "abcdefghij"]
    shuffled = shuffled_references(refs, seed=3)
    assert sorted(shuffled) == sorted(refs) and all(a != b for a, b in zip(shuffled, refs))
    assert shuffled == shuffled_references(refs, seed=3) != shuffled_references(refs, seed=4)
    # a perfect reconstruction scores 1 against the truth but only the shared words by chance:
    # 'sentence number' is 2 of 3 tokens in every pair
    chance = chance_metrics(refs, refs, seed=3)
    assert chance["token_f1"] == pytest.approx(2 / 3)
    # one sentence for every vector scores the same against shuffled and true references
    same = ["sentence number a"] * 10
    assert chance_metrics(same, refs)["rouge_l"] == pytest.approx(text_metrics(same, refs)["rouge_l"])


def test_distinct_rate():
    from vecleak.metrics import distinct_rate

    assert distinct_rate(["a b", "A  b", "c"]) == pytest.approx(2 / 3)
    assert distinct_rate(["x"] * 4) == pytest.approx(0.25)


def test_chance_shuffles_within_each_language():
    """A German output scored against a French reference shares no word: chance of a
    multilingual set must shuffle references within a language (or it reads too low)."""
    from vecleak.metrics import chance_metrics, shuffled_references

    refs = ["der Hund läuft", "die Katze schläft", "das Kind spielt", "le chien court", "le chat dort", "un enfant joue"]
    langs = ["deu"] * 3 + ["fra"] * 3
    for seed in range(5):
        shuffled = shuffled_references(refs, seed=seed, groups=langs)
        assert all(s != r for s, r in zip(shuffled, refs))                              # a derangement
        assert sorted(shuffled[:3]) == sorted(refs[:3]) and sorted(shuffled[3:]) == sorted(refs[3:])
    outs = ["der Mann", "die Frau", "das Haus", "le garçon", "le café", "un livre"]     # generic per-language words
    within = chance_metrics(outs, refs, groups=langs)["token_f1"]
    across = chance_metrics(outs, refs)["token_f1"]
    assert within > 0 and within >= across
    assert shuffled_references(["a"], groups=["eng"]) == ["a"]
