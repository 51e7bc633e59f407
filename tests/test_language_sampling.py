"""The language sampling of multilingual decoder training (:mod:`vecleak.decoders.sampling`:
temperature and upweighting), and ``scripts/train_multilingual_decoder.py``'s use of it."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from vecleak.decoders import sampling
from vecleak.errors import InputError

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "train_multilingual_decoder.py"


def rows(**counts: int) -> list[dict]:
    return [{"lang": lang, "text": f"{lang} {i}"} for lang, n in counts.items() for i in range(n)]


def test_balance_gives_shares_proportional_to_n_to_the_alpha():
    counts = Counter(r["lang"] for r in sampling.balance(rows(eng=1600, deu=400, ita=100), 0.5))
    assert counts == {"eng": 1600, "deu": 800, "ita": 400}   # ∝ sqrt(n): 40 : 20 : 10


def test_upweight_multiplies_a_language_share_and_keeps_every_row():
    data = rows(eng=1600, deu=400, ita=100)
    out = sampling.balance(data, 0.5, upweight={"deu": 2.0})
    counts = Counter(r["lang"] for r in out)
    assert counts == {"eng": 1600, "deu": 1600, "ita": 400}
    assert {r["text"] for r in out} == {r["text"] for r in data}


def test_upweight_alone_with_alpha_one_reweights_the_raw_corpus():
    counts = Counter(r["lang"] for r in sampling.balance(rows(eng=300, deu=100), 1.0, upweight={"deu": 1.5}))
    assert counts == {"eng": 300, "deu": 150}


def test_upweight_of_a_language_outside_the_corpus_is_a_one_line_error():
    with pytest.raises(InputError, match="does not have; use some of deu, eng"):
        sampling.balance(rows(eng=10, deu=10), 0.5, upweight={"ita": 2.0})


@pytest.mark.parametrize("spec", ["deu", "deu=0", "deu=-1", "deu=two", "=2"])
def test_parse_upweight_rejects_malformed_pairs(spec):
    with pytest.raises(InputError, match="LANG=WEIGHT"):
        sampling.parse_upweight(spec)


def test_parse_upweight_reads_pairs():
    assert sampling.parse_upweight("deu=2, ita=1.5") == {"deu": 2.0, "ita": 1.5}
    assert sampling.parse_upweight(None) == {}


def test_script_bad_upweight_is_one_line_on_stderr_and_exit_code_2(tmp_path):
    import subprocess
    import sys

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "train.jsonl").write_text('{"lang": "deu", "text": "Ein Hund."}\n', encoding="utf-8")
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, str(SCRIPT), "--corpus", str(corpus), "--out", str(out),
                          "--upweight", "deu=two"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        "error: --upweight 'deu=two': write LANG=WEIGHT pairs with positive weights, e.g. deu=2,ita=2"]
    assert not out.exists()


def test_cap_per_language_samples_at_most_n_rows_of_each_and_keeps_their_order():
    data = rows(eng=50, deu=8, ita=20)
    capped = sampling.cap_per_language(data, 10)
    assert Counter(r["lang"] for r in capped) == {"eng": 10, "deu": 8, "ita": 10}
    positions = [data.index(r) for r in capped]
    assert positions == sorted(positions)
    assert capped == sampling.cap_per_language(data, 10)          # seeded


def test_interleave_goes_round_robin_over_languages():
    data = rows(eng=3, deu=1, ita=2)
    assert [r["text"] for r in sampling.interleave(data)] == ["eng 0", "deu 0", "ita 0", "eng 1", "ita 1", "eng 2"]


@pytest.mark.parametrize("old, new", [("compact", "bert-causal"), ("gemma3", "hf-causal-lm")])
def test_script_takes_the_old_backbone_names_with_a_deprecation_line(tmp_path, old, new):
    import subprocess
    import sys

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "train.jsonl").write_text('{"lang": "deu", "text": "Ein Hund."}\n', encoding="utf-8")
    run = subprocess.run([sys.executable, str(SCRIPT), "--corpus", str(corpus), "--out", str(tmp_path / "out"),
                          "--backbone", old, "--upweight", "deu=two"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith(f"warning: --backbone {old} is deprecated; use --backbone {new}")
    assert lines[1].startswith("error: --upweight 'deu=two'")
