"""Bad input over every command, one row per case: exit code 2, one line naming the problem, no
traceback, nothing written. A new option's bad values join the table in one line.

Each row: the command line (``{tmp}`` is a fresh folder, ``{txt}`` a small text file,
``{npy}`` a small vector file), a phrase of the message, and the paths that must not exist after.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

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
    # utility's settings are UtilityConfig's, refused before the encoder loads
    ("utility --out {tmp}/out --seed -1", "--seed must be an integer >= 0"),
    ("utility --out {tmp}/out --limit -3", "--limit must be an integer >= 0"),
    # the audit refuses its settings before the store opens (the store here does not exist)
    ("audit --store chroma:{tmp}/none --out {tmp}/out --min-recall nan", "--min-recall must be"),
    ("audit --store chroma:{tmp}/none --out {tmp}/out --sample 0", "--sample must be an integer >= 1"),
    ("audit --store chroma:{tmp}/none --out {tmp}/out --shots 10,0", "--shots must be"),
    ("audit --store chroma:{tmp}/none --out {tmp}/out --defense bogus:x=1", "--defense bogus:x=1: unknown defense"),
    ("audit --store chroma:{tmp}/none --out {tmp}/out --defense gaussian:sigma=nan", "sigma must be"),
    ("audit --store chroma:{tmp}/none --out {tmp}/out --defense gaussian:foo=1", "takes no parameter 'foo'"),
    ("audit --store chroma:{tmp}/none --out {tmp}/out --search-budget 0", "--search-budget must be"),
    ("audit --store chroma:{tmp}/none --out {tmp}/out --search-sample -1", "--search-sample must be"),
    ("audit --store chroma:{tmp}/none --out {tmp}/out --search-segments 0", "--search-segments must be"),
    ("audit --store chroma:{tmp}/none --out {tmp}/out --encoder none --search-sample 10", "--query-encoder"),
    ("audit --store chroma:{tmp}/none --out {tmp}/out --fail-on low", "--fail-on must be one of moderate, high"),
    ("audit --store chroma:{tmp}/none --out {tmp}/out --ids ,", "--ids ,: names no id"),
    ("audit --store chroma:{tmp}/none --out {tmp}/out --ids @{tmp}/missing.txt", "cannot read"),
    ("audit --store chroma:{tmp}/none --out {tmp}/out --where lang", "--where must be key=value"),
    ("audit --store chroma:{tmp}/none --out {tmp}/out --defenses bogus", "unknown defense"),
    ("frontier --victim minilm --texts {txt} --out {tmp}/out --shots 10,20", "--shots takes one count here"),
    ("frontier --victim minilm --texts {txt} --out {tmp}/out --defense pca:n_components=0", "n_components"),
    # a file name longer than the file system takes ({long}: 300 characters), in and out of every command
    ("attack --train {txt} --test {txt} --out {tmp}/{long}", "--out"),
    ("attack --train {txt} --test {tmp}/{long}.txt --out {tmp}/out", "--test"),
    ("eval {recon} --out {tmp}/{long}", "is 300 bytes long, over this system's limit"),
    ("graph --out {tmp}/{long}.json", "--out"),
    ("embed --in {txt} --out {tmp}/{long}.npy", "--out"),
    ("embed --in {tmp}/{long}.txt --out {tmp}/out.npy", "--in"),
    ("defend apply --defense gaussian --param sigma=0.1 --in {npy} --out {tmp}/{long}.npy", "--out"),
    ("defend apply --defense gaussian --param sigma=0.1 --in {tmp}/{long}.npy --out {tmp}/out.npy", "--in"),
    ("audit --store chroma:{tmp}/none --out {tmp}/{long}", "--out"),
    ("demo --beams -3 --out {tmp}/out", "--beams must be an integer >= 1"),
    # eval's input: not UTF-8, a null reference
    ("eval {binary}", "not UTF-8"),
    ("eval {nullref}", ":2: 'reference' must be a non-empty text, got null"),
    # an unusable --cache: a file, a folder this process cannot write in ({ro})
    ("embed --in {txt} --out {tmp}/out.npy --cache {txt}", "--cache"),
    ("utility --out {tmp}/out --cache {txt}", "is a file; give a folder"),
    ("embed --in {txt} --out {tmp}/out.npy --cache {ro}/cache", "cannot write in"),
    # sizes no machine holds
    ("defend fit --defense rotation --dim 10000000 --out {tmp}/out", "beyond the largest supported dimension, 65536"),
    # damaged defense folders
    ("defend apply --defense {bad_shape} --in {npy} --out {tmp}/out.npy", "does not fit the 8-d vectors"),
    ("defend apply --defense {bad_name} --in {npy} --out {tmp}/out.npy", "spec.name must be a defense name, got 5"),
    ("defend apply --defense {bad_bytes} --in {npy} --out {tmp}/out.npy", "not a readable fitted defense"),
    ("defend apply --defense {bad_trained} --in {npy} --out {tmp}/out.npy", "not a readable trained defense"),
    # pickled weights in a model folder are refused before anything is unpickled
    ("embed --in {txt} --out {tmp}/out.npy --encoder hf:{pickled}", "pytorch_model.bin holds pickled weights"),
    ("embed --in {txt} --out {tmp}/out.npy --encoder st:{pickled}", "convert the folder to safetensors"),
    # a language no decoder writes
    ("attack --train {txt} --test {txt} --out {tmp}/out --shots 2 --attack-language xxx",
     "--attack-language xxx: no such ISO 639-3 language; the shipped decoders write deu, eng, fra"),
    ("attack --train {txt} --test {txt} --out {tmp}/out --shots 2 --decoder multilingual --attack-language xxx",
     "not trained on xxx; it writes deu, eng, fra, ita, nld, por, spa"),
    # demo checks everything before its banner (the banner is asserted absent for every row)
    ("demo --out {txt}", "is a file; give a folder name"),
    ("demo --out {tmp}/{long}", "--out"),
    ("demo --out {ro}/out", "cannot write in"),
    ("attack --train {txt} --test {txt} --out {tmp}/out --shots 2 --attack-language x1", "--attack-language x1: "),
    ("demo --victim bogus --out {tmp}/out", "unknown encoder 'bogus'"),
    ("demo --victim st:{tmp}/none --out {tmp}/out", "st:"),
    ("demo --victim hf:{pickled} --out {tmp}/out", "pickled weights"),
    ("demo --shots 100000 --out {tmp}/out", "holds 100 pairs but --shots is 100000"),
    ("demo --shots 10,20 --out {tmp}/out", "--shots takes one count here"),
]


@pytest.fixture()
def paths(tmp_path, sentences):
    txt = tmp_path / "texts.txt"
    txt.write_text("\n".join(sentences[:20]) + "\n", encoding="utf-8")
    npy = tmp_path / "vectors.npy"
    np.save(npy, np.random.default_rng(0).normal(size=(4, 8)).astype(np.float32))
    recon = tmp_path / "recon.jsonl"
    recon.write_text(json.dumps({"reference": "a cat", "reconstruction": "a dog"}) + "\n", encoding="utf-8")
    binary = tmp_path / "binary.jsonl"
    binary.write_bytes(b"\xff\xfe\x00\x81 not text \x9c\n" * 4)
    nullref = tmp_path / "nullref.jsonl"
    nullref.write_text(json.dumps({"reference": "a cat", "reconstruction": "a dog"}) + "\n"
                       + json.dumps({"reference": None, "reconstruction": "a dog"}) + "\n", encoding="utf-8")
    return {"tmp": tmp_path, "txt": txt, "npy": npy, "recon": recon, "binary": binary, "nullref": nullref,
            "long": "x" * 300, "ro": _read_only_folder(tmp_path), **_bad_model_folders(tmp_path / "models")}


def _read_only_folder(tmp_path):
    """A folder this process cannot create anything in: a 0555 folder, or for root (whom modes do
    not stop) /proc, where nobody can."""
    if os.geteuid() == 0:
        if not os.path.isdir("/proc"):
            pytest.skip("running as root without /proc: no folder to make read-only")
        return Path("/proc")
    ro = tmp_path / "read-only"
    ro.mkdir()
    ro.chmod(0o555)
    return ro


def _bad_model_folders(root):
    """Damaged defense folders and a model folder with pickled weights (made with torch.save and
    never loaded here: the code under test must refuse it before unpickling)."""
    import torch
    from safetensors.numpy import save_file

    from vecleak.defenses import load_defense
    from vecleak.defenses.fitted import STATE_FILE, save_fitted

    root.mkdir()
    folders = {}
    for name in ("bad_shape", "bad_name", "bad_bytes"):
        folders[name] = save_fitted(load_defense("rotation", seed=0).fit(np.ones((1, 8), np.float32)), root / name)
    save_file({"Q_": np.ones((3, 5), np.float32)}, str(folders["bad_shape"] / STATE_FILE))
    meta_file = folders["bad_name"] / "defense.json"
    meta = json.loads(meta_file.read_text())
    meta["spec"]["name"] = 5
    meta_file.write_text(json.dumps(meta))
    (folders["bad_bytes"] / STATE_FILE).write_bytes(b"\x00garbage" * 10)
    trained = folders["bad_trained"] = root / "bad_trained"
    trained.mkdir()
    (trained / "defense.json").write_text(json.dumps({"name": "eguard", "format": 1,
                                                      "projector": {"architecture": "mlp", "dim": 8}}))
    (trained / "projection.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{garbage" * 3)
    pickled = folders["pickled"] = root / "pickled"
    pickled.mkdir()
    (pickled / "config.json").write_text(json.dumps({"model_type": "bert"}))
    torch.save({"weight": torch.zeros(2)}, pickled / "pytorch_model.bin")
    return folders


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


def test_an_unusable_default_cache_warns_and_embeds_without_it(paths, capsys, monkeypatch):
    """--cache named on the command line must be usable (rows above); the default .vecleak-cache in
    a working folder nobody can write in is dropped with one warning line, and the run goes on."""
    monkeypatch.chdir(paths["ro"])
    out = paths["tmp"] / "vectors-out.npy"
    code, _, err = run_cli(capsys, "embed", "--in", paths["txt"], "--out", out)
    assert code == 0, err
    lines = [x for x in err.strip().splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("vecleak: warning: embedding without a cache: --cache"), err
    assert np.load(out).shape == (20, 384)
    assert not (paths["ro"] / ".vecleak-cache").exists()
