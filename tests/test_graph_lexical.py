"""ASJP LDND: hand-checkable Levenshtein/LDND cases, then the shipped 7-language table."""

from __future__ import annotations

import numpy as np
import pytest

from vecleak.errors import InputError, UnknownLanguageError
from vecleak.graphs.lexical import (
    ASJP_DEFINITION,
    asjp_distances,
    asjp_segments,
    known_languages,
    ldnd,
    levenshtein,
)

LANGS = ["eng", "deu", "fra", "nld", "spa", "ita", "por"]


@pytest.mark.parametrize(
    ("a", "b", "d"),
    [("kitten", "sitting", 3), ("flaw", "lawn", 2), ("", "abc", 3), ("abc", "abc", 0), ("ba", "ab", 2)],
)
def test_levenshtein_known_strings(a, b, d):
    assert levenshtein(a, b) == d
    assert levenshtein(b, a) == d


def test_levenshtein_on_segments():
    # ("pw", "a") vs ("p", "a"): one substitution, whatever the segments' spelling
    assert levenshtein(("pw", "a"), ("p", "a")) == 1


@pytest.mark.parametrize(
    ("form", "segs"),
    [
        ("pw~aso*", ("pw", "a", "s", "o*")),  # French 'poisson': ~ joins 2 symbols, * joins 1
        ("ka*u*", ("k", "a*", "u*")),
        ('ab"c', ("a", 'b"', "c")),
        ("tsx$a", ("tsx", "a")),
        ("n3 pa", ("n", "3", "p", "a")),  # spaces inside a phrase are ignored
    ],
)
def test_asjp_segments(form, segs):
    assert asjp_segments(form) == segs


def test_ldnd_identical_lists_is_zero():
    wl = {"I": ["ik"], "we": ["v3"], "fish": ["vis"]}
    assert ldnd(wl, dict(wl)) == 0.0


def test_ldnd_identical_lists_with_synonyms():
    # ASJP averages over synonym pairs, so a list with synonyms is not at distance 0 from itself:
    # you: yEi/yEi 0, yEi/y3 2/3, y3/yEi 2/3, y3/y3 0 -> 1/3, so LDN_same = (0 + 1/3 + 0) / 3 = 1/9
    wl = {"I": ["ik"], "you": ["yEi", "y3"], "fish": ["vis"]}
    assert ldnd(wl, wl) > 0.0
    assert ldnd(wl, wl, synonyms="min") == 0.0


def test_ldnd_no_shared_symbols_is_one():
    # every word pair differs in every segment, so every LDN is 1 and LDND = 1 / 1
    a = {"one": ["ab"], "two": ["c"], "three": ["de"]}
    b = {"one": ["xy"], "two": ["z"], "three": ["uvw"]}
    assert ldnd(a, b) == pytest.approx(1.0)


def test_ldnd_by_hand():
    # same meaning: one ab/ab = 0, two cd/cx = 1/2, three ef/yz = 1 -> mean 1/2
    # the 6 different-meaning pairs share no symbol -> mean 1; LDND = 0.5
    a = {"one": ["ab"], "two": ["cd"], "three": ["ef"]}
    b = {"one": ["ab"], "two": ["cx"], "three": ["yz"]}
    assert ldnd(a, b) == pytest.approx(0.5)
    # same: ab/ab = 0, ba/bb = 1/2 -> 1/4; different: ab/bb = 1/2, ba/ab = 2/2 -> 3/4; LDND = 1/3
    assert ldnd({"m1": ["ab"], "m2": ["ba"]}, {"m1": ["ab"], "m2": ["bb"]}) == pytest.approx(1 / 3)


def test_ldnd_synonyms_mean_or_min():
    # m1: ab,cd vs ab -> LDNs 0 and 1 (mean 0.5, min 0); m2: ef/xy = 1; different meanings: all 1
    a = {"m1": ["ab", "cd"], "m2": ["ef"]}
    b = {"m1": ["ab"], "m2": ["xy"]}
    assert ldnd(a, b) == pytest.approx((0.5 + 1) / 2)
    assert ldnd(a, b, synonyms="min") == pytest.approx((0 + 1) / 2)
    assert ldnd({"m1": ["ab, cd"], "m2": ["ef"]}, b) == ldnd(a, b)  # comma-separated string, same thing
    assert ldnd({"m1": "ab, cd", "m2": "ef"}, b) == ldnd(a, b)  # a bare string is one form, not letters
    with pytest.raises(InputError):
        ldnd(a, b, synonyms="max")


def test_ldnd_drops_loans_and_unattested():
    b = {"m1": ["ab"], "m2": ["cd"], "m3": ["ef"]}
    without = ldnd({"m2": ["cx"], "m3": ["ey"]}, b)
    assert ldnd({"m1": ["%ab"], "m2": ["cx"], "m3": ["ey"]}, b) == pytest.approx(without)
    assert ldnd({"m1": ["XXX"], "m2": ["cx"], "m3": ["ey"]}, b) == pytest.approx(without)
    # a loan synonym is dropped, the native one kept
    assert ldnd({"m1": ["%zz", "ab"], "m2": ["cd"]}, b) == pytest.approx(0.0)


def test_ldnd_nasal_vowel_is_its_own_segment():
    # hand: ma* = (m, a*) vs ma = (m, a), 1 substitution in 2 segments = 1/2; x: zz/qq = 1
    # -> LDN_same = 3/4; the different-meaning pairs share no segment -> 1; LDND = 3/4
    assert ldnd({"hand": ["ma*"], "x": ["zz"]}, {"hand": ["ma"], "x": ["qq"]}) == pytest.approx(0.75)


def test_ldnd_needs_shared_meanings():
    with pytest.raises(InputError):
        ldnd({"a": ["ab"]}, {"b": ["ab"]})


def test_definition_is_one_line():
    assert "LDND" in ASJP_DEFINITION and "\n" not in ASJP_DEFINITION


def test_shipped_table_languages():
    assert known_languages() == sorted(LANGS)


def test_asjp_distances_matrix():
    d = asjp_distances(LANGS)
    assert d.shape == (7, 7) and d.dtype == np.float64
    np.testing.assert_array_equal(d, d.T)
    np.testing.assert_array_equal(np.diag(d), 0.0)
    off = d[~np.eye(7, dtype=bool)]
    assert np.all((off > 0.3) & (off < 1.1))
    # order and case of the request do not matter
    assert asjp_distances(["spa", "ENG"])[0, 1] == d[LANGS.index("eng"), LANGS.index("spa")]


def test_asjp_distances_family_structure():
    d = asjp_distances(LANGS)

    def D(a, b):
        return d[LANGS.index(a), LANGS.index(b)]

    # Romance pairs are much closer than English-Spanish, Germanic pairs closer than German-Spanish
    assert D("spa", "ita") < D("spa", "por") < D("eng", "spa")
    assert D("spa", "ita") < 0.7 and D("spa", "por") < 0.7 and D("eng", "spa") > 0.9
    assert D("deu", "nld") < D("eng", "nld") < D("eng", "deu") < D("deu", "spa")


def test_unknown_language_lists_close_matches_and_table():
    with pytest.raises(UnknownLanguageError) as err:
        asjp_distances(["eng", "en"])
    msg = str(err.value)
    assert isinstance(err.value, InputError)
    assert "\n" not in msg
    assert "'en'" in msg and "close matches: eng" in msg
    assert "deu, eng, fra, ita, nld, por, spa" in msg and "syntax distance" in msg

    with pytest.raises(UnknownLanguageError, match="close matches: spa"):
        asjp_distances(["spn"])
    with pytest.raises(UnknownLanguageError, match="has only deu, eng"):
        asjp_distances(["jpn"])
