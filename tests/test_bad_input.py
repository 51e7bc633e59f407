"""Bad input over every command, one row per case: exit code 2, one line naming the problem, no
traceback, nothing written. A new option's bad values join the table in one line.

Each row: the command line (``{tmp}`` is a fresh folder, ``{txt}`` a small text file,
``{npy}`` a small vector file), a phrase of the message, and the paths that must not exist after.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import run_cli, tree_digest

CASES = [
    # the parser's own errors are one line too
    ("bogus", "No such command"),
    ("attack --bogus 1", "No such option: --bogus"),
    ("demo --beams 0 --out {tmp}/out", "--beams"),
    ("demo --beams x --out {tmp}/out", "--beams"),
    ("demo --shots -3 --out {tmp}/out", "--shots"),
    # non-finite and out-of-range hyper-parameters, refused before anything trains or loads
    ("train-decoder --corpus {txt} --out {tmp}/out --lr nan", "--lr must be a finite number > 0, got nan"),
    ("train-decoder --corpus {txt} --out {tmp}/out --lr -1", "--lr must be"),
    ("train-decoder --corpus {txt} --out {tmp}/out --prefix-lr inf", "--prefix-lr must be"),
    ("train-decoder --corpus {txt} --out {tmp}/out --noise-prob 2", "--noise-prob must be a finite number in [0, 1]"),
    ("train-decoder --corpus {txt} --out {tmp}/out --noise-max nan", "--noise-max must be"),
    ("train-decoder --corpus {txt} --out {tmp}/out --max-minutes -1", "--max-minutes must be"),
    ("train-decoder --corpus {txt} --out {tmp}/out --backbone gpt9", "unknown --backbone 'gpt9'"),
    ("train-decoder --corpus {tmp}/missing.txt --out {tmp}/out", "no such file"),
    ("defend train --out {tmp}/out --mi-weight nan", "--mi-weight must be a finite number >= 0, got nan"),
    ("defend train --out {tmp}/out --beta inf", "--beta must be"),
    ("defend train --out {tmp}/out --neighbour-weight -1", "--neighbour-weight must be"),
    ("defend fit --defense purmech --dp-epsilon nan --dim 8 --out {tmp}/out", "--dp-epsilon must be a finite number > 0"),
    ("defend fit --defense gaussian --param sigma=-1 --dim 8 --out {tmp}/out", "--param sigma=... must be"),
    ("defend apply --defense gaussian --param sigma=nan --in {npy} --out {tmp}/out.npy", "--param sigma=... must be"),
    ("utility --out {tmp}/out --defense lapmech --dp-epsilon -inf", "--dp-epsilon must be"),
    ("graph --threshold nan --out {tmp}/out.json", "--threshold"),
    ("attack --train {txt} --test {txt} --out {tmp}/out --alpha nan", "--alpha must be 'auto' or a finite number"),
    ("attack --align lago-ieq --train eng={txt} --test eng={txt} --out {tmp}/out --box-epsilon nan",
     "--box-epsilon must be"),
    ("attack --align lago-tv --train eng={txt} --test eng={txt} --out {tmp}/out --eta inf", "--eta must be"),
    ("attack --align lago-tv --train eng={txt} --test eng={txt} --out {tmp}/out --lambda -1", "--lambda must be"),
    # one name, one meaning: --epsilon is the DP budget; in attack it is refused with both names
    ("attack --train {txt} --test {txt} --out {tmp}/out --epsilon 0.1", "box half-width with --box-epsilon"),
    # --shots is one type everywhere (comma-separated counts); a one-level command takes one
    ("demo --shots 10,x --out {tmp}/out", "--shots"),
    ("attack --train {txt} --test {txt} --out {tmp}/out --shots 10,20", "--shots takes one count here"),
    ("evaluate-defense --train {txt} --test {txt} --out {tmp}/out --shots 0", "--shots must be at least 1"),
    ("evaluate-defense --train {txt} --test {txt} --out {tmp}/out --aux-size 0", "--aux-size must be"),
    ("train-decoder --corpus {txt} --out {tmp}/out --max-length 2", "--max-length must be an integer >= 4"),
    # the audit refuses its settings before the store opens (the store here does not exist)
    ("audit --store chroma:{tmp}/none --out {tmp}/out --min-recall nan", "--min-recall must be"),
    ("audit --store chroma:{tmp}/none --out {tmp}/out --sample 0", "--sample must be an integer >= 1"),
    ("audit --store chroma:{tmp}/none --out {tmp}/out --shots 10,0", "--shots must be"),
    ("audit --store chroma:{tmp}/none --out {tmp}/out --defense bogus:x=1", "--defense bogus:x=1: unknown defense"),
    ("audit --store chroma:{tmp}/none --out {tmp}/out --defense gaussian:sigma=nan", "sigma must be"),
    ("audit --store chroma:{tmp}/none --out {tmp}/out --defense gaussian:foo=1", "takes no parameter 'foo'"),
    ("audit --store chroma:{tmp}/none --out {tmp}/out --search-budget 0", "--search-budget must be"),
    ("audit --store chroma:{tmp}/none --out {tmp}/out --search-sample -1", "--search-sample must be"),
    ("audit --store chroma:{tmp}/none --out {tmp}/out --encoder none --search-sample 10", "--query-encoder"),
    ("audit --store chroma:{tmp}/none --out {tmp}/out --fail-on low", "--fail-on must be one of moderate, high"),
    ("audit --store chroma:{tmp}/none --out {tmp}/out --ids ,", "--ids ,: names no id"),
    ("audit --store chroma:{tmp}/none --out {tmp}/out --ids @{tmp}/missing.txt", "cannot read"),
    ("audit --store chroma:{tmp}/none --out {tmp}/out --where lang", "--where must be key=value"),
    ("audit --store chroma:{tmp}/none --out {tmp}/out --defenses bogus", "unknown defense"),
    ("frontier --victim minilm --texts {txt} --out {tmp}/out --shots 10,20", "--shots takes one count here"),
    ("frontier --victim minilm --texts {txt} --out {tmp}/out --defense pca:n_components=0", "n_components"),
]


@pytest.fixture()
def paths(tmp_path, sentences):
    txt = tmp_path / "texts.txt"
    txt.write_text("\n".join(sentences[:20]) + "\n", encoding="utf-8")
    npy = tmp_path / "vectors.npy"
    np.save(npy, np.random.default_rng(0).normal(size=(4, 8)).astype(np.float32))
    return {"tmp": tmp_path, "txt": txt, "npy": npy}


@pytest.mark.parametrize("line, phrase", CASES, ids=[c[0][:60] for c in CASES])
def test_bad_input_is_one_line_and_writes_nothing(line, phrase, paths, capsys):
    before = sorted(p.name for p in paths["tmp"].iterdir())
    args = [part.format(**paths) for part in line.split()]
    code, out, err = run_cli(capsys, *args)
    lines = [x for x in err.strip().splitlines() if x.strip()]
    assert code == 2, err
    assert len(lines) == 1 and "Traceback" not in err, err
    assert phrase in lines[0], lines[0]
    assert lines[0].startswith("vecleak: error: ")
    assert not out.strip(), out                            # no banner or progress before the refusal
    assert sorted(p.name for p in paths["tmp"].iterdir()) == before


def test_train_decoder_leaves_a_folder_it_did_not_write_untouched(paths, capsys):
    foreign = paths["tmp"] / "someone-elses"
    foreign.mkdir()
    (foreign / "config.json").write_text('{"mine": true}\n')
    before = tree_digest(foreign)
    code, _, err = run_cli(capsys, "train-decoder", "--corpus", paths["txt"], "--out", foreign, "--steps", 1)
    assert code == 2 and "vecleak did not write" in err
    assert tree_digest(foreign) == before


def test_train_decoder_out_under_a_file_is_refused_first(paths, capsys):
    code, out, err = run_cli(capsys, "train-decoder", "--corpus", paths["txt"], "--out", paths["txt"] / "run")
    assert code == 2 and "cannot write" in err and not out.strip()


def test_usage_errors_name_the_help_command(capsys):
    code, _, err = run_cli(capsys, "attack", "--bogus", "1")
    assert code == 2 and "vecleak attack -h" in err


def test_help_and_bare_groups_still_exit_zero(capsys):
    for args in (["-h"], ["defend"], ["attack", "-h"]):
        code, out, _ = run_cli(capsys, *args)
        assert code == 0 and "Usage" in out


def test_results_of_a_good_run_are_unaffected(paths, capsys):
    """The same parser, a valid line: exit 0 (graph needs no model)."""
    code, _, err = run_cli(capsys, "graph", "--langs", "eng,deu", "--out", paths["tmp"] / "g.json")
    assert code == 0, err
    assert json.loads((paths["tmp"] / "g.json").read_text())["threshold"] > 0
