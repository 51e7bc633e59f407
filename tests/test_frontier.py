"""The privacy-utility frontier (frontier/pareto.py, Candidate.parse) and encoder identification."""

from __future__ import annotations

import math
import shlex
import zlib

import numpy as np
import pytest

from vecleak.encoders.base import Encoder, l2_normalize
from vecleak.encoders.identify import identify_encoder, unit_length
from vecleak.errors import InputError
from vecleak.frontier.pareto import FrontierPoint, apply_command, pareto_set, recommend
from vecleak.frontier.sweep import Candidate


def _pt(name: str, leak: float, util: float) -> FrontierPoint:
    return FrontierPoint(name, {"name": name, "seed": 0}, {"token_f1": leak}, {"recall_at_10": util})


# ---------------------------------------------------------------- Pareto set and recommendation

def test_pareto_set_drops_dominated_keeps_ties_orders_by_utility():
    points = [
        _pt("none", 0.90, 1.00),      # 0: most utility
        _pt("a", 0.50, 0.80),         # 1: dominated by 2 (same leak, less utility)
        _pt("b", 0.50, 0.95),         # 2
        _pt("c", 0.10, 0.40),         # 3: least leak
        _pt("c2", 0.10, 0.40),        # 4: exact tie with 3: neither strictly better, both kept
        _pt("d", 0.60, 0.90),         # 5: dominated by 2 (more leak, less utility)
    ]
    assert pareto_set(points) == [0, 2, 3, 4]
    # Another axis: by leakage "x", point 1 leaks least and survives.
    for p, x in zip(points, [0.9, 0.0, 0.5, 0.1, 0.1, 0.6]):
        p.leakage["x"] = x
    assert pareto_set(points, leak="x") == [0, 2, 1]


def test_recommend_least_leaking_point_above_threshold():
    points = [_pt("none", 0.90, 1.00), _pt("a", 0.30, 0.96), _pt("b", 0.20, 0.94), _pt("c", 0.30, 0.99)]
    # Points 0, 1 and 3 keep >= 0.95; 1 and 3 leak 0.30, 3 keeps more utility.
    assert recommend(points) == 3
    assert recommend(points, min_utility=0.94) == 2          # the threshold is inclusive
    assert recommend(points, min_utility=1.0) == 0
    assert recommend(points, min_utility=1.01) is None


def test_label_and_to_dict():
    p = FrontierPoint("gaussian", {"name": "gaussian", "sigma": 0.05, "seed": 3}, {"token_f1": 0.2},
                      {"recall_at_10": 0.9})
    assert p.label() == "gaussian(sigma=0.05)"
    d = p.to_dict()
    assert d["label"] == "gaussian(sigma=0.05)" and d["token_f1"] == 0.2 and d["recall_at_10"] == 0.9
    assert _pt("none", 1, 1).label() == "none"


# ---------------------------------------------------------------- apply_command

def test_apply_command():
    assert apply_command({"name": "none", "seed": 0}) == "(no defense)"
    cmd = apply_command({"name": "gaussian", "sigma": 0.05, "seed": 7})
    assert "vecleak defend fit --defense gaussian --param sigma=0.05" in cmd
    assert "vecleak defend apply --defense defense/ --in VECTORS.npy --out PROTECTED.npy" in cmd
    assert "seed" not in cmd and "7" not in cmd
    dp = apply_command({"name": "purmech", "epsilon": 12, "seed": 1}, vectors="v.npy", out="p.npy", folder="f/")
    assert "--dp-epsilon 12" in dp and "--param epsilon" not in dp and "seed" not in dp
    fit, apply = dp.split(" && ")
    assert shlex.split(fit) == ["vecleak", "defend", "fit", "--defense", "purmech", "--dp-epsilon", "12",
                                "--in", "v.npy", "--out", "f/"]
    assert shlex.split(apply) == ["vecleak", "defend", "apply", "--defense", "f/", "--in", "v.npy", "--out", "p.npy"]


# ---------------------------------------------------------------- Candidate.parse

def test_candidate_parse():
    g = Candidate.parse("gaussian:sigma=0.05")
    assert (g.family, g.name, g.params) == ("gaussian", "gaussian", {"sigma": 0.05})
    p = Candidate.parse(" pca:n_components=16 ")
    assert p.params == {"n_components": 16} and isinstance(p.params["n_components"], int)
    assert Candidate.parse("rotation").params == {}
    assert Candidate.parse("x:a=1,b=two").params == {"a": 1, "b": "two"}
    for bad in ("gaussian:sigma", "gaussian:=1", ":sigma=1"):
        with pytest.raises(InputError):
            Candidate.parse(bad)


# ---------------------------------------------------------------- identify_encoder

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


def test_verdict_levels_read_both_measures_above_chance():
    from vecleak.audit.verdict import verdict

    def row(name, content, half, c_content=0.05, c_half=0.0):
        return {"attacker": name, "knowledge": name, "content_recall": content, "half_recovered": half,
                "token_f1": content, "chance": {"content_recall": c_content, "half_recovered": c_half, "token_f1": 0.1}}

    assert verdict([row("a", 0.10, 0.01)])["level"] == "low"          # 5 points above chance, 1% half-way
    assert verdict([row("a", 0.20, 0.01)])["level"] == "moderate"     # content words 15 points above chance
    assert verdict([row("a", 0.12, 0.06)])["level"] == "moderate"     # 6% of records half rebuilt
    assert verdict([row("a", 0.30, 0.30)])["level"] == "high"
    v = verdict([row("weak", 0.12, 0.0), row("strong", 0.50, 0.2)])
    assert v["attacker"] == "strong" and v["level"] == "high" and "50%" in v["sentence"]
    assert verdict([row("a", 0.30, 0.30, c_content=0.28, c_half=0.29)])["level"] == "low"   # all of it is chance
