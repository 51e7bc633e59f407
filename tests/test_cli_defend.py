"""``vecleak defend train`` / ``defend apply``: a real (tiny) training run, its folder, and bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import run_cli_err as _run


@pytest.mark.slow
def test_defend_train_then_apply_and_evaluate_utility(capsys, tmp_path, minilm):
    folder = tmp_path / "eguard"
    code, err = _run(capsys, "defend", "train", "--encoder", "minilm", "--task", "sst2", "--architecture", "mlp",
                     "--steps", 20, "--n-train", 120, "--out", folder, "--cache", tmp_path / "cache")
    assert code == 0, err
    meta = json.loads((folder / "defense.json").read_text())
    assert meta["encoder"]["name"] == "minilm" and meta["task"] == "sst2" and meta["steps"] == 20
    assert meta["n_keyword_pairs"] > 0 and meta["overhead_ms_per_batch"] > 0
    assert [row["step"] for row in meta["log"]] == [20]

    E = minilm.encode(["a fine film", "a dull, lifeless plot"])
    np.save(tmp_path / "in.npy", E)
    code, err = _run(capsys, "defend", "apply", "--defense", folder, "--in", tmp_path / "in.npy",
                     "--out", tmp_path / "out.npy")
    assert code == 0, err
    out = np.load(tmp_path / "out.npy")
    assert out.shape == E.shape and np.isfinite(out).all()
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)

    code, err = _run(capsys, "utility", "--encoder", "minilm", "--task", "sst2", "--limit", 200,
                     "--defense", folder, "--out", tmp_path / "u", "--cache", tmp_path / "cache")
    assert code == 0, err
    results = json.loads((tmp_path / "u" / "results.json").read_text())
    assert results["defense"]["name"] == "eguard" and 0 < results["relative_utility"] <= 1.2


def test_defend_bad_input(capsys, tmp_path):
    cases = [
        (["defend", "train", "--task", "sts", "--out", tmp_path / "a"], "sst2, snli, retrieval"),
        (["defend", "train", "--method", "dp", "--out", tmp_path / "a"], "eguard"),
        (["defend", "train", "--privacy", "kl", "--out", tmp_path / "a"], "mine"),
        (["defend", "apply", "--defense", tmp_path, "--in", tmp_path / "x.npy", "--out", tmp_path / "o.npy"],
         "defense.json"),
        (["defend", "apply", "--defense", "purmech", "--in", tmp_path / "x.npy", "--out", tmp_path / "o.npy"],
         "epsilon"),
        (["defend", "apply", "--defense", "none", "--in", tmp_path / "x.npy", "--out", tmp_path / "o.txt"], ".npy"),
    ]
    for args, needle in cases:
        code, err = _run(capsys, *args)
        assert code == 2 and "Traceback" not in err and needle in err, (args, err)
        assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "a").exists() and not (tmp_path / "o.npy").exists()
