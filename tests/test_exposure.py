"""Data-owner leakage (metrics/exposure.py) and retrieval utility (utility/retrieval.py)."""

from __future__ import annotations

import math
import unicodedata

import numpy as np
import pytest

from vecleak.metrics.exposure import (
    record_exposure,
    content_recall, content_words, exposure, function_words, highlight, sensitive_parts,
)
from vecleak.utility.retrieval import neighbour_retrieval, pair_retrieval, top_k


# ---------------------------------------------------------------- sensitive parts

def test_sensitive_parts_finds_each_kind():
    parts = sensitive_parts("Yesterday Anna Berg wrote to anna.berg@example.org about 1,250.50 euros due 2024-03-05.")
    assert parts["emails"] == ["anna.berg@example.org"]
    assert parts["dates"] == ["2024-03-05"]
    assert parts["numbers"] == ["1,250.50", "2024", "03", "05"]
    assert parts["capitalized"] == ["Anna", "Berg"]          # "Yesterday" starts the sentence


def test_sensitive_parts_month_dates_and_what_is_not_a_name():
    en = sensitive_parts("The invoice was paid on 12 March 2024 by Maria. Then John left.")
    assert en["dates"] == ["12 March 2024"]
    # "The" is sentence-initial, "Then" follows ". " and "March" is a month: none is a name.
    assert en["capitalized"] == ["Maria", "John"]
    de = sensitive_parts("Am 3. Mai 2021 kaufte Peter das Haus.")
    assert de["dates"] == ["3. Mai 2021"]
    assert "Mai" not in de["capitalized"] and "Am" not in de["capitalized"]
    assert de["capitalized"] == ["Peter", "Haus"]              # German nouns are capitalized
    # A capitalized function word in mid-sentence is not a name either.
    assert sensitive_parts("We went In the morning to Rome")["capitalized"] == ["Rome"]


def test_exposure_counts_found_and_present_per_kind():
    refs = ["Yesterday Anna Berg wrote to anna.berg@example.org about 1,250.50 euros due 2024-03-05.",
            "The meeting with Peter is on 12 March 2024."]
    hyps = ["Anna wrote about 1,250.50 euros.", "the meeting with peter on 12 march 2024"]
    out = exposure(hyps, refs)
    # Record 1 has email 1, date 1 (ISO), numbers 4 (1,250.50, 2024, 03, 05), names 2 (Anna, Berg);
    #   its reconstruction keeps 1,250.50 and Anna only: email 0, date 0, numbers 1, names 1.
    # Record 2 has date 1 ("12 March 2024"), numbers 2 (12, 2024), name 1 (Peter; "The" is initial);
    #   everything matches case-insensitively: the date, both numbers and the name ("peter").
    s = out["sensitive"]
    assert s["emails"] == {"found": 0, "present": 1, "rate": 0.0}
    assert s["dates"] == {"found": 1, "present": 2, "rate": 0.5}
    assert s["numbers"] == {"found": 3, "present": 6, "rate": 0.5}
    assert s["capitalized"] == {"found": 2, "present": 3, "rate": pytest.approx(2 / 3)}


def test_a_lower_case_decoder_finds_names():
    """The English decoder writes lower case only: a name it rebuilds counts as found, and the
    record's parts say which were found and which missed."""
    ref = "Yesterday the committee in Geneva met Maria Lopez."
    rec = record_exposure("the committee in geneva met maria", ref, "eng")
    assert rec["sensitive"]["capitalized"] == {"found": ["Geneva", "Maria"], "missed": ["Lopez"]}
    assert exposure(["the committee in geneva met maria"], [ref])["sensitive"]["capitalized"]["found"] == 2
    assert record_exposure("genevans met", ref)["sensitive"]["capitalized"]["found"] == []   # whole words only


def test_exposure_rate_is_none_for_an_absent_kind():
    s = exposure(["I paid 40 dollars"], ["I paid 40 dollars"])["sensitive"]
    assert s["numbers"] == {"found": 1, "present": 1, "rate": 1.0}
    for kind in ("dates", "emails", "capitalized"):
        assert s[kind] == {"found": 0, "present": 0, "rate": None}
    with pytest.raises(ValueError):
        exposure(["a"], ["a", "b"])


def test_modal_may_is_not_a_date():
    assert sensitive_parts("You may leave now.")["dates"] == []


def test_date_before_sentence_period_is_found_without_the_period():
    assert exposure(["We met on 12 March, then left."], ["We met on 12 March."])["sensitive"]["dates"]["found"] == 1


def test_number_is_not_found_inside_a_longer_number():
    assert exposure(["Room 13 is free."], ["Room 3 is free."])["sensitive"]["numbers"]["found"] == 0


def test_french_oe_word_is_not_capitalized():
    assert sensitive_parts("Nous aimons cette œuvre.")["capitalized"] == []


# ---------------------------------------------------------------- content words

def test_content_words_drop_function_words_and_single_characters():
    assert {"der", "die"} <= function_words("deu")
    assert function_words("xxx") >= function_words("deu") | function_words("fra")   # unknown: the union
    assert content_words("Der Hund und die Katze x", "deu") == {"hund", "katze"}
    # Under English rules "der" and "die" are content words.
    assert content_recall("Hund", "der Hund die Katze", "deu") == 0.5
    assert content_recall("Hund", "der Hund die Katze", "eng") == 0.25
    assert content_recall("anything", "the of and a x", "eng") is None


def test_content_recall_and_half_recovered_over_records():
    refs = ["red apples grow here", "blue cars drive fast", "green tea"]   # 3, 4 and 2 content words
    hyps = ["red apples", "blue", "green"]                                   # 2/3, 1/4, 1/2
    out = exposure(hyps, refs, ["eng"] * 3)
    assert out["per_record"] == pytest.approx([2 / 3, 1 / 4, 1 / 2])
    assert out["content_recall"] == pytest.approx((2 / 3 + 1 / 4 + 1 / 2) / 3)
    assert out["half_recovered"] == pytest.approx(2 / 3)                    # 1/2 counts (>= 0.5)
    # A record without content words is left out of both means.
    more = exposure(hyps + ["x"], refs + ["the of and"], ["eng"] * 4)
    assert more["per_record"][3] is None
    assert more["content_recall"] == pytest.approx(out["content_recall"])
    assert more["half_recovered"] == pytest.approx(2 / 3)


def test_highlight_joins_back_and_flags_recovered_content_words():
    ref = "Die Größe des Hauses, sagt Anna, ist enorm!"
    pieces = highlight(ref, "größe anna hauses? nein", "deu")
    assert "".join(seg for seg, _ in pieces) == ref
    assert {seg for seg, hit in pieces if hit} == {"Größe", "Hauses", "Anna"}
    assert not any(hit for seg, hit in pieces if not seg.strip(" ,!"))     # separators never flagged
    # Function words are never flagged, even when reconstructed.
    assert all(not hit for seg, hit in highlight("die Katze", "die", "deu"))


def test_highlight_flags_decomposed_accents():
    ref = unicodedata.normalize("NFD", "Die Größe")
    pieces = highlight(ref, "größe", "deu")
    assert "".join(s for s, _ in pieces) == ref
    assert [s for s, hit in pieces if hit] == [unicodedata.normalize("NFD", "Größe")]


# ---------------------------------------------------------------- retrieval

def _unit(rng, n, d):
    x = rng.standard_normal((n, d))
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_top_k_matches_brute_force_and_excludes_self():
    rng = np.random.default_rng(0)
    corpus = rng.standard_normal((50, 8))
    queries = rng.standard_normal((30, 8))
    cu = corpus / np.linalg.norm(corpus, axis=1, keepdims=True)
    qu = queries / np.linalg.norm(queries, axis=1, keepdims=True)
    sims = qu @ cu.T
    np.testing.assert_array_equal(top_k(queries, corpus, 5, block=7), np.argsort(-sims, axis=1)[:, :5])
    own = top_k(corpus[:30], corpus, 4, exclude=np.arange(30))
    assert not (own == np.arange(30)[:, None]).any()
    self_sims = cu[:30] @ cu.T
    self_sims[np.arange(30), np.arange(30)] = -np.inf
    np.testing.assert_array_equal(own, np.argsort(-self_sims, axis=1)[:, :4])


def test_identical_vectors_retrieve_perfectly():
    raw = _unit(np.random.default_rng(1), 60, 16)
    out = neighbour_retrieval(raw, raw.copy())
    assert out["recall_at_10"] == 1.0 and out["ndcg_at_10"] == pytest.approx(1.0)
    assert out["chance_recall_at_10"] == pytest.approx(10 / 59)


def test_shuffled_rows_retrieve_at_chance():
    rng = np.random.default_rng(2)
    raw = _unit(rng, 400, 32)
    out = neighbour_retrieval(raw, raw[rng.permutation(400)])
    chance = 10 / 399
    # 400 queries x 10 answers, each relevant with p ~ 0.025: the mean's std is about
    # sqrt(p (1 - p) / 4000) ~ 0.0025, so 0.015 is six standard errors; no structure survives.
    assert out["chance_recall_at_10"] == pytest.approx(chance)
    assert abs(out["recall_at_10"] - chance) < 0.015


def test_hand_made_recall_and_ndcg():
    def at(deg):
        return np.stack([np.cos(np.radians(deg)), np.sin(np.radians(deg))], 1)

    raw = at(np.array([0.0, 10.0, 90.0, 100.0]))        # true 2-NN: 0:{1,2} 1:{0,2} 2:{3,1} 3:{2,1}
    defended = at(np.array([0.0, 100.0, 90.0, 10.0]))   # rows 1 and 3 swapped
    # Defended answers: 0 -> [3, 2] (miss, hit), 1 -> [2, 3] (hit, miss), 2 -> [1, 3] (hit, hit),
    # 3 -> [0, 2] (miss, hit). Recall (1/2 + 1/2 + 1 + 1/2) / 4; with D = 1/log2(3), the nDCGs are
    # D/(1+D), 1/(1+D), 1 and D/(1+D).
    out = neighbour_retrieval(raw, defended, k=2)
    d = 1 / math.log2(3)
    assert out["recall_at_2"] == pytest.approx(0.625)
    assert out["ndcg_at_2"] == pytest.approx((2 * d / (1 + d) + 1 / (1 + d) + 1) / 4)
    assert out["chance_recall_at_2"] == pytest.approx(2 / 3)
    sub = neighbour_retrieval(raw, defended, queries=[2], k=2)          # query 2 alone: both hits
    assert sub["recall_at_2"] == 1.0 and sub["ndcg_at_2"] == pytest.approx(1.0)


def test_retrieval_rejects_too_few_or_mismatched_rows():
    raw = _unit(np.random.default_rng(3), 10, 4)
    with pytest.raises(ValueError, match="more than 10"):
        neighbour_retrieval(raw, raw, k=10)
    with pytest.raises(ValueError, match="same rows"):
        neighbour_retrieval(raw, raw[:9], k=2)


def test_pair_retrieval_by_hand_and_at_chance():
    def at(deg):
        return np.stack([np.cos(np.radians(deg)), np.sin(np.radians(deg))], 1)

    queries = at(np.array([0.0, 40.0, 90.0, 180.0]))
    partners = at(np.array([5.0, 85.0, 100.0, 270.0]))
    # angles to partners 0..3: q0 5/85/100/90 -> [0, 1]; q1 35/45/60/130 -> [0, 1];
    # q2 85/5/10/180 -> [1, 2]; q3 175/95/80/90 -> [2, 3]: partner ranks 1, 2, 2, 2.
    assert pair_retrieval(queries, partners, k=1)["recall_at_1"] == pytest.approx(0.25)
    two = pair_retrieval(queries, partners, k=2)
    d = 1 / math.log2(3)
    assert two["recall_at_2"] == 1.0 and two["chance_recall_at_2"] == pytest.approx(0.5)
    assert two["ndcg_at_2"] == pytest.approx((1 + 3 * d) / 4)
    rng = np.random.default_rng(4)
    a, b = _unit(rng, 500, 32), _unit(rng, 500, 32)
    assert pair_retrieval(a, a)["recall_at_10"] == 1.0
    # unrelated partners: 500 Bernoulli(0.02) hits, std ~0.0063, so 0.025 is four standard errors
    assert abs(pair_retrieval(a, b)["recall_at_10"] - 10 / 500) < 0.025
    with pytest.raises(ValueError, match="one partner per query"):
        pair_retrieval(a, b[:10])
