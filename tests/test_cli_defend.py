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
    # the folder's projection, as Python loads it, and not the identity
    from vecleak.defenses import load_defense

    np.testing.assert_allclose(out, load_defense(str(folder)).transform(E), atol=1e-5)
    assert not np.allclose(out, E, atol=1e-2)

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


def test_defend_fit_saves_the_secret_so_stored_vectors_and_queries_match(capsys, tmp_path):
    rng = np.random.default_rng(0)
    np.save(tmp_path / "stored.npy", rng.normal(size=(20, 16)).astype(np.float32))
    np.save(tmp_path / "query.npy", rng.normal(size=(3, 16)).astype(np.float32))
    np.save(tmp_path / "other.npy", rng.normal(size=(3, 8)).astype(np.float32))
    for name in ("rotation", "shuffle"):
        key = tmp_path / name
        code, err = _run(capsys, "defend", "fit", "--defense", name, "--dim", 16, "--out", key)
        assert code == 0, err
        assert "seed" not in (key / "defense.json").read_text()          # the folder is the key
        outs = []
        for i in range(2):                                                 # two calls, one map
            code, err = _run(capsys, "defend", "apply", "--defense", key, "--in", tmp_path / "stored.npy",
                             "--out", tmp_path / f"{name}{i}.npy")
            assert code == 0, err
            outs.append(np.load(tmp_path / f"{name}{i}.npy"))
        assert np.array_equal(outs[0], outs[1])
        # cosine search still works: query and stored vectors went through the same orthogonal map
        code, err = _run(capsys, "defend", "apply", "--defense", key, "--in", tmp_path / "query.npy",
                         "--out", tmp_path / f"{name}-q.npy")
        assert code == 0, err
        q, s = np.load(tmp_path / f"{name}-q.npy"), outs[0]
        raw_q, raw_s = np.load(tmp_path / "query.npy"), np.load(tmp_path / "stored.npy")
        assert np.allclose(q @ s.T, raw_q @ raw_s.T, atol=1e-4)
        # the map is a secret one, not the identity, and it is what its name says
        assert s.shape == raw_s.shape and not np.allclose(s, raw_s, atol=1e-3)
        np.testing.assert_allclose(np.linalg.norm(s, axis=1), np.linalg.norm(raw_s, axis=1), rtol=1e-5)
        if name == "shuffle":                          # output column j is input column perm[j], for every row
            perm = [int(np.flatnonzero(np.isclose(raw_s[0], v))[0]) for v in s[0]]
            assert sorted(perm) == list(range(16)) and perm != list(range(16))
            np.testing.assert_array_equal(s, raw_s[:, perm])
            np.testing.assert_array_equal(q, raw_q[:, perm])
        else:                                          # s = raw_s Q with Q orthogonal (20 rows > 16 dims fix it)
            Q = np.linalg.lstsq(raw_s.astype(np.float64), s.astype(np.float64), rcond=None)[0]
            np.testing.assert_allclose(Q.T @ Q, np.eye(16), atol=1e-4)
            np.testing.assert_allclose(q, raw_q @ Q, atol=1e-4)
        code, err = _run(capsys, "defend", "apply", "--defense", key, "--in", tmp_path / "other.npy",
                         "--out", tmp_path / "bad.npy")
        assert code == 2 and "fitted on 16-d" in err and not (tmp_path / "bad.npy").exists()


def test_defend_apply_takes_parameters(capsys, tmp_path):
    X = np.random.default_rng(1).normal(size=(30, 16)).astype(np.float32)
    np.save(tmp_path / "v.npy", X)
    code, err = _run(capsys, "defend", "apply", "--defense", "pca", "--param", "n_components=4",
                     "--in", tmp_path / "v.npy", "--out", tmp_path / "p.npy")
    assert code == 0, err
    P = np.load(tmp_path / "p.npy")
    assert P.shape == (30, 4)
    # the documented map: (X - mean) onto the top 4 principal directions, largest variance first
    Xc = X.astype(np.float64) - X.mean(0)
    _, sv, vt = np.linalg.svd(Xc, full_matrices=False)
    top = Xc @ vt[:4].T
    for j in range(4):                                 # each direction is defined up to its sign
        sign = np.sign(P[:, j] @ top[:, j])
        np.testing.assert_allclose(P[:, j], sign * top[:, j], atol=1e-4)
    np.testing.assert_allclose((P.astype(np.float64) ** 2).sum(0), sv[:4] ** 2, rtol=1e-4)

    # gaussian: x/|x| + N(0, sigma^2): the difference from the unit rows has mean 0 and std sigma
    def gaussian(seed, name, scale=1.0):
        np.save(tmp_path / f"in-{name}.npy", X * np.float32(scale))
        code, err = _run(capsys, "defend", "apply", "--defense", "gaussian", "--param", "sigma=0.1", "--seed", seed,
                         "--in", tmp_path / f"in-{name}.npy", "--out", tmp_path / f"{name}.npy")
        assert code == 0, err
        return np.load(tmp_path / f"{name}.npy")

    G = gaussian(3, "g")
    noise = G - X / np.linalg.norm(X, axis=1, keepdims=True)
    assert G.shape == X.shape and abs(noise.mean()) < 0.02 and 0.09 < noise.std() < 0.11   # 480 draws
    np.testing.assert_allclose(gaussian(3, "g-scaled", scale=5.0), G, atol=1e-6)   # rows are unit-scaled first
    assert not np.allclose(gaussian(4, "g-other"), G)                              # the seed draws the noise
