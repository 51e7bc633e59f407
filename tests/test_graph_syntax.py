from __future__ import annotations

import itertools

import numpy as np
import pytest

from vecleak.errors import InputError, UnknownLanguageError
from vecleak.graphs.syntax import SYNTAX_DEFINITION, known_syntax_languages, syntax_distances

LAGO_LANGS = ["eng", "deu", "fra", "nld", "spa", "ita", "por"]


def _pair(langs: list[str], a: str, b: str) -> float:
    return float(syntax_distances(langs)[langs.index(a), langs.index(b)])


def _edges(langs: list[str], r: float) -> set[frozenset[str]]:
    d = syntax_distances(langs)
    pairs = itertools.combinations(range(len(langs)), 2)
    return {frozenset((langs[i], langs[j])) for i, j in pairs if d[i, j] < r}


def test_matrix_is_symmetric_zero_diagonal_in_unit_interval():
    d = syntax_distances(LAGO_LANGS)
    assert d.shape == (7, 7)
    assert d.dtype == np.float64
    np.testing.assert_array_equal(d, d.T)
    np.testing.assert_array_equal(np.diag(d), np.zeros(7))
    off = d[~np.eye(7, dtype=bool)]
    assert np.all(off > 0.2) and np.all(off < 0.7)  # related but distinct Indo-European languages


def test_lago_paper_values_reproduced_to_one_hundredth():
    # LAGO's matrix: eng-fra 0.46, eng-ita 0.51, fra-ita 0.55. Our definition gives
    # 0.451, 0.517, 0.557: within 0.01 each, though not equal after rounding to 2 decimals.
    langs = ["eng", "fra", "ita"]
    assert _pair(langs, "eng", "fra") == pytest.approx(0.46, abs=0.01)
    assert _pair(langs, "eng", "ita") == pytest.approx(0.51, abs=0.01)
    assert _pair(langs, "fra", "ita") == pytest.approx(0.55, abs=0.01)
    # the definition recomputed here from URIEL's raw table, independently of the module
    for a, b in (("eng", "fra"), ("eng", "ita"), ("fra", "ita")):
        assert _pair(langs, a, b) == pytest.approx(_angular_from_raw(a, b), abs=1e-12)


def _angular_from_raw(a: str, b: str) -> float:
    """2·arccos(cos)/π between the WALS ∪ SSWL ∪ Ethnologue syntax vectors (undocumented = 0)."""
    from importlib import metadata

    with np.load(metadata.distribution("lang2vec").locate_file("lang2vec/data/features.npz")) as db:
        langs, feats, sources, data = list(db["langs"]), list(db["feats"]), list(db["sources"]), db["data"]
    cols = [i for i, f in enumerate(feats) if str(f).startswith("S_")]
    srcs = [sources.index(s) for s in ("WALS", "SSWL", "ETHNO")]

    def vector(code: str) -> np.ndarray:
        v = data[langs.index(code)][cols][:, srcs].max(axis=1).astype(float)
        return np.where(v < 0, 0.0, v)

    u, v = vector(a), vector(b)
    cos = u @ v / (np.linalg.norm(u) * np.linalg.norm(v))
    return float(2 * np.arccos(np.clip(cos, -1, 1)) / np.pi)


def test_lago_edge_structure_at_paper_thresholds():
    langs = ["eng", "fra", "ita"]
    ef, ei, fi = frozenset({"eng", "fra"}), frozenset({"eng", "ita"}), frozenset({"fra", "ita"})
    assert _edges(langs, 0.45) == set()
    assert _edges(langs, 0.47) == {ef}
    assert _edges(langs, 0.52) == {ef, ei}
    assert _edges(langs, 0.56) == {ef, ei, fi}


def test_seven_language_edges_at_r_045():
    # Strict "< r" edges among the 7 LAGO languages at the paper's r = 0.45.
    expected = {
        frozenset(p)
        for p in [
            ("eng", "deu"),
            ("eng", "spa"),
            ("deu", "nld"),
            ("fra", "spa"),
            ("nld", "ita"),
            ("spa", "por"),
            ("ita", "por"),
        ]
    }
    assert _edges(LAGO_LANGS, 0.45) == expected


def test_order_and_subset_consistency():
    full = syntax_distances(LAGO_LANGS)
    perm = [5, 0, 3, 6, 1, 4, 2]
    sub = syntax_distances([LAGO_LANGS[i] for i in perm])
    np.testing.assert_allclose(sub, full[np.ix_(perm, perm)], atol=1e-12)


def test_angular_distance_obeys_triangle_inequality():
    langs = sorted(known_syntax_languages())[::40]  # ~65 languages spread over the table
    d = syntax_distances(langs)
    assert np.all((d >= 0) & (d <= 1))
    # d[i, k] <= d[i, j] + d[j, k] for all i, j, k
    assert np.all(d[:, None, :] <= d[:, :, None] + d[None, :, :] + 1e-9)


def test_repeated_codes_case_and_whitespace():
    d = syntax_distances(["eng", " ENG ", "fra"])
    assert d[0, 1] == 0.0
    assert d[0, 2] == d[1, 2] == pytest.approx(_angular_from_raw("eng", "fra"), abs=1e-12)
    assert syntax_distances([]).shape == (0, 0)


def test_unknown_code_raises_with_close_matches():
    with pytest.raises(UnknownLanguageError) as err:
        syntax_distances(["eng", "fre"])
    msg = str(err.value)
    assert isinstance(err.value, InputError)
    assert "'fre'" in msg and "close matches: fra" in msg and "ISO 639-3" in msg
    assert "\n" not in msg


def test_language_without_syntax_data_is_refused():
    # 'frr' (North Frisian) is in URIEL but no syntax source documents it.
    assert "frr" not in known_syntax_languages()
    with pytest.raises(UnknownLanguageError, match="no syntax features.*'frr'"):
        syntax_distances(["frr", "deu"])


def test_definition_string_names_the_method():
    assert "angular" in SYNTAX_DEFINITION
    assert "syntax_wals|syntax_sswl|syntax_ethnologue" in SYNTAX_DEFINITION
    assert "\n" not in SYNTAX_DEFINITION


def test_isolated_languages_are_named_with_the_threshold_that_would_link_them():
    import warnings

    from vecleak.configs import LagoConfig
    from vecleak.errors import IsolatedLanguageWarning
    from vecleak.graphs.graph import build_graph
    from vecleak.recipes.lago import fit_cross_lingual

    graph = build_graph(["eng", "fra", "ita"], metric="syntax", threshold=0.45)      # no edge below 0.45
    assert graph.isolated == ["eng", "fra", "ita"]
    d = graph.distances
    assert graph.isolation_notes()[1] == (
        "fra has no neighbour within r=0.45 on the syntax graph, so LAGO is plain ridge regression for it; its "
        f"nearest, eng, is at {d[1, 0]:.3f}: raise the threshold above that to link it")
    assert d[1, 0] < d[1, 2]
    rng = np.random.default_rng(0)
    X = {lang: rng.normal(size=(8, 4)) for lang in graph.languages}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit_cross_lingual(X, X, decoder=None, attacker=None, config=LagoConfig(align="lago-ieq"), graph=graph)
    assert [str(w.message) for w in caught if w.category is IsolatedLanguageWarning] == graph.isolation_notes()
