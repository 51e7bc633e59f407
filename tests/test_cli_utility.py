"""``vecleak utility``: the contract's keys, and what cosine-preserving maps keep."""

from __future__ import annotations

import json

import pytest

from conftest import run_cli_err as _run


def test_utility_rotation_keeps_stsb_exactly_and_quantization_nearly(capsys, tmp_path, minilm):
    results = {}
    for name in ("rotation", "quantize"):
        out = tmp_path / name
        code, err = _run(capsys, "utility", "--encoder", "minilm", "--task", "stsb", "--limit", 150,
                         "--defense", name, "--seed", 1, "--out", out, "--cache", tmp_path / "cache")
        assert code == 0, err
        results[name] = json.loads((out / "results.json").read_text())
    rot = results["rotation"]
    assert {"score", "undefended_score", "relative_utility"} <= set(rot)
    assert rot["undefended_score"] > 0.6                       # MiniLM on STSb: Spearman ~0.8
    assert rot["relative_utility"] == pytest.approx(1.0, abs=1e-6)   # orthogonal maps keep every cosine
    assert 0.97 < results["quantize"]["relative_utility"] <= 1.01     # int8 rounding barely moves cosines
    assert rot["defense"]["name"] == "rotation"
    # the undefended score is what it says: Spearman of MiniLM's pair cosines against the gold
    # scores of the first 150 STSb test pairs
    from scipy.stats import spearmanr

    from vecleak.metrics import cosine_rows
    from vecleak.utility.tasks import load_task

    test = load_task("stsb", limit=150).test
    gold = spearmanr(cosine_rows(minilm.encode(test.texts), minilm.encode(test.texts_b)), test.labels).statistic
    for r in results.values():
        assert r["task"] == "stsb" and r["metric"] == "spearman" and r["n_test"] == 150
        assert r["undefended_score"] == pytest.approx(gold, abs=1e-4)
        assert r["chance_score"] == 0.0                                 # vectors that carry nothing
        assert r["relative_utility"] == pytest.approx(r["score"] / r["undefended_score"])
    assert rot["score"] == pytest.approx(rot["undefended_score"], abs=1e-6)
    assert results["quantize"]["defense"]["name"] == "quantize" and results["quantize"]["defense"]["mode"] == "int8"


def test_utility_bad_input(capsys, tmp_path):
    for args, needle in ((["--defense", "lapmech"], "epsilon"), (["--task", "sst3"], "sst2")):
        out = tmp_path / "out"
        code, err = _run(capsys, "utility", "--out", out, *args)
        assert code == 2 and "Traceback" not in err and needle in err, err
        assert not out.exists()
