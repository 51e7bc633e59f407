"""The privacy-utility frontier (frontier/pareto.py, Candidate.parse)."""

from __future__ import annotations

import shlex

import pytest

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


# ---------------------------------------------------------------- vecleak frontier, end to end

@pytest.mark.slow
def test_frontier_cli_prices_each_defense_against_the_undefended_point(capsys, tmp_path, store_rows):
    """``vecleak frontier``: 'none' keeps every neighbour (recall@10 and nDCG@10 are 1.0 by
    definition), a rotation keeps every cosine so it keeps them too, strong Gaussian noise loses
    neighbours; the cut is measured against 'none' and the Pareto marks are the Pareto set."""
    import json

    from conftest import run_cli

    (tmp_path / "texts.txt").write_text("\n".join(store_rows["texts"][:150]) + "\n", encoding="utf-8")
    out = tmp_path / "frontier"
    code, stdout, err = run_cli(capsys, "--json", "frontier", "--victim", "minilm", "--texts", tmp_path / "texts.txt",
                                "--out", out, "--sample", 40, "--shots", 10, "--defense-sample", 10,
                                "--defense", "rotation", "--defense", "gaussian:sigma=0.2")
    assert code == 0, err
    audit = json.loads((out / "audit.json").read_text())
    rows = audit["defenses"]
    assert json.loads(stdout) == {"defenses": rows, "recommendation": audit["recommendation"]}
    assert [d["defense"]["name"] for d in rows] == ["none", "rotation", "gaussian"] and audit["sample_size"] == 40
    none, rotation, gaussian = rows
    assert none["recall_at_10"] == 1.0 and none["ndcg_at_10"] == 1.0 and none["token_f1_reduction"] == 0.0
    assert rotation["recall_at_10"] == pytest.approx(1.0) and rotation["ndcg_at_10"] == pytest.approx(1.0)
    # sigma 0.2 on 384-d unit vectors: cos(out, x) ~ 1/sqrt(1 + 384 * 0.04) ~ 0.25, neighbours are lost
    assert gaussian["recall_at_10"] < 0.8 and gaussian["defense"]["sigma"] == 0.2
    for d in rows:
        assert 0.0 <= d["token_f1"] <= 1.0
        assert d["token_f1_reduction"] == pytest.approx(1 - d["token_f1"] / none["token_f1"])
    points = [FrontierPoint(d["defense"]["name"], d["defense"], {"token_f1": d["token_f1"]},
                            {"recall_at_10": d["recall_at_10"]}) for d in rows]
    assert [i for i, d in enumerate(rows) if d["pareto"]] == sorted(pareto_set(points))
    # the attacker who knows the rotation undoes it; noise that loses neighbours also loses words
    assert rotation["token_f1"] > 0.95 * none["token_f1"], rows
    assert gaussian["token_f1"] < none["token_f1"], rows
    # so nothing both keeps recall@10 >= 0.95 and cuts the leak by 5 %: no recommendation, and why
    rec = audit["recommendation"]
    assert rec["defense"] is None and "no defense of the sweep cuts" in rec["reason"], rec
