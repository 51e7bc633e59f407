"""``vecleak attack`` across languages (ALGEN / LAGO) and ``vecleak graph``, on real parallel STSb text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import assert_clean_failure, run_cli as _run

MULTI = Path(__file__).parent / "fixtures" / "stsb_multi"


@pytest.fixture()
def lang_files(tmp_path):
    """30 leaked pairs and 5 test sentences per language (disjoint rows)."""
    out = {}
    for lang in ("deu", "fra", "spa"):
        lines = (MULTI / f"{lang}.txt").read_text(encoding="utf-8").splitlines()
        (tmp_path / f"{lang}-train.txt").write_text("\n".join(lines[:30]) + "\n", encoding="utf-8")
        (tmp_path / f"{lang}-test.txt").write_text("\n".join(lines[35:40]) + "\n", encoding="utf-8")
        out[lang] = (tmp_path / f"{lang}-train.txt", tmp_path / f"{lang}-test.txt")
    return out


def _lang_args(lang_files, test_langs=("deu", "fra")):
    args = []
    for lang, (train, _) in lang_files.items():
        args += ["--train", f"{lang}={train}"]
    for lang in test_langs:
        args += ["--test", f"{lang}={lang_files[lang][1]}"]
    return args


@pytest.mark.parametrize("align", ["lago-ieq", "lago-tv", "algen"])
def test_cross_lingual_attack_writes_macro_and_per_language(capsys, tmp_path, lang_files, tiny_decoder, align):
    out = tmp_path / "out"
    lago = ["--graph", "syntax", "--threshold", 0.45, "--iterations", 50, "--plot"] if align != "algen" else []
    code, _, err = _run(capsys, "attack", "--align", align, "--victim", "minilm", "--decoder", tiny_decoder,
                        "--shots", 20, "--beams", 1, *lago, "--out", out, *_lang_args(lang_files))
    assert code == 0, err
    results = json.loads((out / "results.json").read_text())
    assert set(results["per_language"]) == {"deu", "fra"}
    for key in ("rouge_l", "bleu", "token_f1", "token_recall"):
        assert 0.0 <= results["macro"][key] <= 1.0
        mean = (results["per_language"]["deu"][key] + results["per_language"]["fra"][key]) / 2
        assert results["macro"][key] == pytest.approx(mean)
        assert results[key] == results["macro"][key]
    assert results["settings"]["shots"] == 20 and results["settings"]["attack_language"] is None
    rows = [json.loads(line) for line in (out / "reconstructions.jsonl").read_text().splitlines()]
    assert [r["lang"] for r in rows] == ["deu"] * 5 + ["fra"] * 5
    if align == "algen":
        assert results["graph"] is None and results["settings"]["alignment"]["alpha"] == "auto"   # leave-one-out
        alphas = results["settings"]["alignment"]["alpha_by_language"]
        assert set(alphas) == {"deu", "fra", "spa"} and all(a > 0 for a in alphas.values())   # chosen, not 0
        assert "warning" not in err
    else:
        # syntax distances: fra-spa 0.409 < 0.45 < deu-fra 0.472, deu-spa 0.512
        assert results["graph"]["edges"] == [["fra", "spa"]]
        assert results["graph"]["isolated"] == ["deu"]
        note = ("deu has no neighbour within r=0.45 on the syntax graph, so LAGO is plain ridge regression for it; "
                "its nearest, fra, is at 0.472")
        assert results["warnings"][0].startswith(note) and f"vecleak: warning: {note}" in err
        trace = json.loads((out / "convergence.json").read_text())
        assert (out / "convergence.png").read_bytes()[:4] == b"\x89PNG" == (out / "graph.png").read_bytes()[:4]
        assert len(trace["change"]) == 50 and results["convergence"]["iterations"] == 50


def test_cross_lingual_attack_on_defended_vectors(capsys, tmp_path, lang_files, tiny_decoder):
    runs = {}
    for defense in ("none", "purmech"):
        out = tmp_path / defense
        extra = ["--defense", defense] + (["--dp-epsilon", 1] if defense != "none" else [])
        code, _, err = _run(capsys, "attack", "--align", "lago-ieq", "--victim", "minilm", "--decoder", tiny_decoder,
                            "--shots", 20, "--beams", 1, "--iterations", 30, "--out", out, *extra,
                            *_lang_args(lang_files))
        assert code == 0, err
        runs[defense] = json.loads((out / "results.json").read_text())
    assert runs["purmech"]["settings"]["defense"] == {"name": "purmech", "epsilon": 1.0, "seed": 0}
    # PurMech at ε = 1 keeps cos(out, x) ≈ 1/382 for MiniLM: the alignment has nothing left to map.
    # What stays (~0.15 here) is the direction every MiniLM vector shares, which a map fitted on
    # noise still points along; undefended, 20 pairs align to ~0.75.
    assert runs["purmech"]["aligned_cosine"] < 0.25 and runs["none"]["aligned_cosine"] > 0.5


def test_graph_without_edges_is_per_language_ridge(capsys, tmp_path, lang_files, tiny_decoder):
    out = tmp_path / "out"
    code, stdout, err = _run(capsys, "attack", "--align", "lago-ieq", "--victim", "minilm", "--decoder", tiny_decoder,
                             "--shots", 20, "--beams", 1, "--threshold", 0.1, "--out", out, *_lang_args(lang_files))
    assert code == 0, err
    results = json.loads((out / "results.json").read_text())
    assert results["graph"]["edges"] == [] and results["convergence"]["iterations"] == 0


def test_tv_admm_solver_stops_at_its_tolerance_and_quiet_drops_the_warning(capsys, tmp_path, lang_files,
                                                                            tiny_decoder):
    out = tmp_path / "out"
    code, _, err = _run(capsys, "--quiet", "attack", "--align", "lago-tv", "--tv-solver", "admm", "--tol", 1e-5,
                        "--eta", 0.1, "--victim", "minilm", "--decoder", tiny_decoder, "--shots", 20, "--beams", 1,
                        "--out", out, *_lang_args(lang_files))
    assert code == 0 and err == "", err
    results = json.loads((out / "results.json").read_text())
    assert results["settings"]["alignment"]["tv_solver"] == "admm"
    assert 0 < results["convergence"]["iterations"] < 500                   # the tolerance stopped it
    assert results["warnings"] and results["graph"]["isolated"] == ["deu"]


def test_cross_lingual_bad_input(capsys, tmp_path, lang_files, tiny_decoder):
    out = tmp_path / "out"
    deu_train, deu_test = lang_files["deu"]
    base = ["attack", "--align", "lago-ieq", "--victim", "minilm", "--decoder", tiny_decoder, "--out", out]
    code, _, err = _run(capsys, *base, "--train", f"dxu={deu_train}", "--test", f"dxu={deu_test}", "--shots", 5)
    assert_clean_failure(code, err, out, "unknown language 'dxu'")
    code, _, err = _run(capsys, *base, "--train", f"deu={deu_train}", "--test", f"fra={deu_test}", "--shots", 5)
    assert_clean_failure(code, err, out, "fra have no --train pairs")
    code, _, err = _run(capsys, *base, "--train", f"deu={deu_train}", "--test", f"deu={deu_test}", "--shots", 99)
    assert_clean_failure(code, err, out, "--shots is 99")
    code, _, err = _run(capsys, *base, "--graph", "asjp", "--train", f"deu={deu_train}", "--train",
                        f"tur={deu_train}", "--test", f"deu={deu_test}", "--shots", 5)
    assert_clean_failure(code, err, out, "use the syntax distance")
    pairs = ["--train", f"deu={deu_train}", "--test", f"deu={deu_test}", "--shots", 5]
    code, _, err = _run(capsys, *base, "--alpha", 0.1, *pairs)
    assert_clean_failure(code, err, out, "--alpha does nothing with --align lago-ieq")
    code, _, err = _run(capsys, *base[:2], "lago-tv", *base[3:], "--tol", 1e-4, *pairs)
    assert_clean_failure(code, err, out, "--tol stops the admm TV solver")
    code, _, err = _run(capsys, *base[:2], "lago-tv", *base[3:], "--tv-solver", "newton", *pairs)
    assert_clean_failure(code, err, out, "--tv-solver must be one of subgradient, admm")


def test_graph_command_prints_edges_and_saves_plot(capsys, tmp_path):
    plot, out = tmp_path / "g.png", tmp_path / "g.json"
    code, stdout, _ = _run(capsys, "graph", "--langs", "eng,deu,fra,nld,spa,ita,por", "--metric", "asjp",
                           "--threshold", 0.7, "--plot", plot, "--out", out)
    assert code == 0
    graph = json.loads(out.read_text())
    # LDND < 0.7: the Germanic triangle and three Romance pairs (see tests/test_graph_lexical.py)
    assert sorted(map(tuple, graph["edges"])) == sorted([("eng", "deu"), ("eng", "nld"), ("deu", "nld"),
                                                         ("spa", "ita"), ("spa", "por"), ("ita", "por")])
    # the languages are the nodes, in the order given; the weights are the LDND matrix, symmetric
    import numpy as np

    from vecleak.graphs.lexical import asjp_distances

    langs = ["eng", "deu", "fra", "nld", "spa", "ita", "por"]
    assert graph["languages"] == langs and graph["metric"] == "asjp" and graph["threshold"] == 0.7
    d = np.array(graph["distances"])
    assert d.shape == (7, 7) and np.array_equal(d, d.T) and np.all(np.diag(d) == 0)
    np.testing.assert_allclose(d, asjp_distances(langs), atol=1e-4)
    assert [list(e) for e in graph["edges"]] == [[a, b] for i, a in enumerate(langs) for j, b in enumerate(langs)
                                                if i < j and d[i, j] < 0.7]     # an edge exactly where D < r
    assert graph["isolated"] == ["fra"]
    assert "eng-deu" in stdout.replace("\n", "") and plot.read_bytes()[:4] == b"\x89PNG"
    code, _, err = _run(capsys, "graph", "--langs", "eng,fre", "--metric", "syntax")
    assert code == 2 and "fra" in err and "Traceback" not in err
