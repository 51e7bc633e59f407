"""The language-conditioned decoder: its own vocabulary, language tokens, save/load, bad input."""

from __future__ import annotations

import gzip
from importlib.resources import files

import numpy as np
import pytest
import torch

from vecleak.decoders import InversionDecoder, TrainingConfig, train_decoder
from vecleak.decoders.vocabulary import language_token, train_tokenizer, transfer_embeddings
from vecleak.errors import CheckpointError, InputError

TINY = {"hidden_size": 64, "num_layers": 2, "num_heads": 4, "intermediate_size": 128, "max_positions": 64,
        "dropout": 0.0}
SPEC = {"name": "toy", "backend": "test", "dim": 16, "pooling": "none", "normalize": True}


def _parallel(n: int) -> dict[str, list[str]]:
    """The first ``n`` STSb train rows in English and German (shipped, 7-way parallel)."""
    out = {}
    for lang, code in (("eng", "en"), ("deu", "de")):
        path = files("vecleak") / "data" / "utility" / f"stsb-{code}-train.tsv.gz"
        with gzip.open(str(path), "rt", encoding="utf-8") as fh:
            out[lang] = [next(fh).split("\t")[0] for _ in range(n)]
    return out


@pytest.fixture(scope="module")
def tokenizer():
    texts = _parallel(300)
    return train_tokenizer(texts["eng"] + texts["deu"], languages=["eng", "deu"], vocab_size=600)


def test_vocabulary_keeps_accents_and_case_and_has_language_tokens(tokenizer):
    text = "Ein Mann spielt eine große Flöte."
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    assert tokenizer.decode(ids) == text
    assert tokenizer.unk_token_id not in ids
    assert {language_token("eng"), language_token("deu")} <= set(tokenizer.all_special_tokens)


def test_transfer_embeddings_averages_the_old_pieces():
    from vecleak.encoders.sentence_transformers import minilm_path
    from transformers import AutoTokenizer

    old = AutoTokenizer.from_pretrained(str(minilm_path()))
    table = torch.randn(len(old), 8)
    new = train_tokenizer(["the house", "the houses", "a house"], languages=["eng"], vocab_size=60)
    out = transfer_embeddings(new, old, table)
    piece = "▁house"
    ids = old("house", add_special_tokens=False)["input_ids"]
    assert torch.allclose(out[new.convert_tokens_to_ids(piece)], table[ids].mean(0))
    assert torch.allclose(out[new.convert_tokens_to_ids(language_token("eng"))], table.mean(0))


@pytest.mark.slow
def test_one_vector_decodes_into_the_requested_language(tmp_path, tokenizer):
    """Trained on parallel sentences that share one vector per row, the decoder writes the
    English or the German sentence of that vector, as asked."""
    pool = _parallel(80)
    short = [i for i in range(80) if max(len(tokenizer(pool[x][i])["input_ids"]) for x in pool) <= 16][:12]
    texts = {lang: [pool[lang][i] for i in short] for lang in pool}
    emb = np.random.default_rng(0).normal(size=(12, 16)).astype(np.float32)
    torch.manual_seed(0)
    dec = InversionDecoder.new(SPEC, shape=TINY, num_prefix=2, max_length=24, tokenizer=tokenizer)
    assert dec.languages == ["eng", "deu"]
    cfg = TrainingConfig(steps=250, batch_size=24, lr=3e-3, prefix_lr=3e-3, warmup=10, noise_prob=0.0,
                         eval_every=250, checkpoint_every=250, valid_decode=4, seed=0)
    all_texts = texts["eng"] + texts["deu"]
    langs = ["eng"] * 12 + ["deu"] * 12
    train_decoder(dec, all_texts, np.vstack([emb, emb]), tmp_path / "run", valid_texts=all_texts[:4],
                  valid_embeddings=emb[:4], config=cfg, languages=langs, valid_languages=langs[:4])
    eng = [c[0] for c in dec.generate(emb, languages="eng")]
    deu = [c[0] for c in dec.generate(emb, languages=["deu"] * 12)]
    assert sum(a == b for a, b in zip(eng, texts["eng"])) >= 10, list(zip(eng, texts["eng"]))[:3]
    assert sum(a == b for a, b in zip(deu, texts["deu"])) >= 10, list(zip(deu, texts["deu"]))[:3]

    dec.save(tmp_path / "saved")
    again = InversionDecoder.load(tmp_path / "saved")
    assert again.languages == ["eng", "deu"]
    assert [c[0] for c in again.generate(emb, languages="deu", num_beams=2)] == \
        [c[0] for c in dec.generate(emb, languages="deu", num_beams=2)]


def test_language_errors_name_the_fix(tmp_path, tokenizer):
    dec = InversionDecoder.new(SPEC, shape=TINY, num_prefix=2, max_length=8, tokenizer=tokenizer)
    e = np.zeros((2, 16), np.float32) + 0.1
    with pytest.raises(InputError, match="say which language"):
        dec.generate(e)
    with pytest.raises(InputError, match="not trained on fra.*writes eng, deu"):
        dec.generate(e, languages="fra")
    with pytest.raises(InputError, match="not a language code"):
        dec.generate(e, languages="german!")
    with pytest.warns(UserWarning, match="ISO 639-3 'deu'"):
        assert len(dec.generate(e, languages="de")) == 2
    dec.save(tmp_path / "d")
    tok = tmp_path / "d" / "tokenizer.json"
    tok.write_text(tok.read_text()[:200])
    with pytest.raises(CheckpointError, match="corrupt tokenizer"):
        InversionDecoder.load(tmp_path / "d")
    tok.unlink()
    with pytest.raises(CheckpointError, match="tokenizer.json"):
        InversionDecoder.load(tmp_path / "d")


@pytest.fixture(scope="module")
def tiny_multilingual_decoder(tmp_path_factory, minilm):
    """An untrained language-conditioned decoder folder for MiniLM's space (eng deu fra)."""
    from pathlib import Path

    multi = Path(__file__).parent / "fixtures" / "stsb_multi"
    texts = [t for lang in ("deu", "fra") for t in (multi / f"{lang}.txt").read_text(encoding="utf-8").splitlines()]
    tok = train_tokenizer(texts, languages=["eng", "deu", "fra"], vocab_size=400)
    path = tmp_path_factory.mktemp("tiny-ml-decoder")
    InversionDecoder.new(minilm.spec(), shape=TINY, num_prefix=2, max_length=8, tokenizer=tok).save(path)
    return path


def test_attack_decodes_each_row_in_its_own_language(capsys, tmp_path, tiny_multilingual_decoder):
    import json
    from pathlib import Path

    from conftest import assert_clean_failure, run_cli_err

    multi = Path(__file__).parent / "fixtures" / "stsb_multi"
    rows = [{"text": t, "lang": lang} for lang in ("deu", "fra")
            for t in (multi / f"{lang}.txt").read_text(encoding="utf-8").splitlines()[:20]]
    (tmp_path / "leak.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows[:10] + rows[20:30]))
    (tmp_path / "test.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows[10:13] + rows[30:33]))
    base = ["attack", "--victim", "minilm", "--decoder", tiny_multilingual_decoder, "--train", tmp_path / "leak.jsonl",
            "--test", tmp_path / "test.jsonl", "--shots", 20, "--beams", 1]
    code, err = run_cli_err(capsys, *base, "--out", tmp_path / "out")
    assert code == 0, err
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["settings"]["tokenizer"] == "unicode" and "distinct_rate" in results
    assert set(results["chance"]) >= {"rouge_l", "token_f1"}
    out_rows = [json.loads(x) for x in (tmp_path / "out" / "reconstructions.jsonl").read_text().splitlines()]
    assert [r["lang"] for r in out_rows] == ["deu"] * 3 + ["fra"] * 3
    code, err = run_cli_err(capsys, *base, "--attack-language", "ita", "--out", tmp_path / "bad")
    assert_clean_failure(code, err, tmp_path / "bad", "not trained on ita")
