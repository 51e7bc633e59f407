"""Retargeting a trained decoder to another attacker encoder: a new prefix MLP on a frozen base."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from vecleak.decoders import InversionDecoder, TrainingConfig, train_decoder
from vecleak.decoders.vocabulary import train_tokenizer
from vecleak.errors import CheckpointError

TINY = {"hidden_size": 32, "num_layers": 1, "num_heads": 2, "intermediate_size": 64, "max_positions": 48,
        "dropout": 0.0}
BASE_SPEC = {"name": "toy-a", "backend": "test", "dim": 16, "pooling": "none", "normalize": True}
NEW_SPEC = {"name": "toy-b", "backend": "test", "dim": 24, "pooling": "none", "normalize": True}
TEXTS = ["a man plays a guitar", "ein Mann spielt Gitarre", "a woman slices an onion", "eine Frau schneidet Zwiebeln",
         "the dog runs in the park", "der Hund rennt im Park"] * 4


@pytest.fixture()
def base(tmp_path):
    tokenizer = train_tokenizer(TEXTS, languages=["eng", "deu"], vocab_size=120)
    torch.manual_seed(0)
    path = tmp_path / "base"
    InversionDecoder.new(BASE_SPEC, shape=TINY, num_prefix=2, max_length=12, tokenizer=tokenizer).save(path)
    return path


def test_only_a_new_prefix_for_the_new_space_is_trained_and_saved(base, tmp_path):
    dec = InversionDecoder.retarget(str(base), NEW_SPEC)
    assert dec.model.embedding_dim == 24 and dec.languages == ["eng", "deu"]
    trained = {n for n, p in dec.model.named_parameters() if p.requires_grad}
    assert trained and all(n.startswith("prefix.") for n in trained)
    dec.save(tmp_path / "rt")
    assert set(load_file(str(tmp_path / "rt" / "model.safetensors"))) == trained
    assert not (tmp_path / "rt" / "tokenizer.json").exists()     # the vocabulary stays the base's


def test_training_moves_the_prefix_and_leaves_the_base_backbone_as_it_was(base, tmp_path):
    dec = InversionDecoder.retarget(str(base), NEW_SPEC)
    before = {n: p.detach().clone() for n, p in dec.model.named_parameters()}
    emb = np.random.default_rng(0).normal(size=(len(TEXTS), 24)).astype(np.float32)
    langs = ["eng", "deu"] * (len(TEXTS) // 2)
    cfg = TrainingConfig(steps=4, batch_size=8, warmup=1, eval_every=4, checkpoint_every=4, valid_decode=2,
                         noise_prob=0.0, seed=0, bf16=False)
    train_decoder(dec, TEXTS, emb, tmp_path / "run", valid_texts=TEXTS[:2], valid_embeddings=emb[:2], config=cfg,
                  languages=langs, valid_languages=langs[:2])
    after = dict(dec.model.named_parameters())
    assert not torch.equal(before["prefix.0.weight"], after["prefix.0.weight"])
    assert all(torch.equal(before[n], after[n]) for n in before if not n.startswith("prefix."))
    loaded = InversionDecoder.load(tmp_path / "run")               # base + saved prefix = the trained model
    x = emb[:3]
    assert loaded.generate(x, languages="deu") == dec.generate(x, languages="deu")
    assert loaded.config.base == str(base)


def test_a_changed_base_is_refused_on_load(base, tmp_path):
    InversionDecoder.retarget(str(base), NEW_SPEC).save(tmp_path / "rt")
    other = InversionDecoder.load(base)
    with torch.no_grad():
        other.model.backbone.lm_bias.add_(1.0)
    other.save(base)
    with pytest.raises(CheckpointError, match="base decoder"):
        InversionDecoder.load(tmp_path / "rt")


def test_a_retargeted_decoder_cannot_be_a_base(base, tmp_path):
    InversionDecoder.retarget(str(base), NEW_SPEC).save(tmp_path / "rt")
    with pytest.raises(CheckpointError, match="cannot retarget"):
        InversionDecoder.retarget(str(tmp_path / "rt"), BASE_SPEC)


def test_a_base_folder_given_relative_to_the_working_directory_loads_from_anywhere(base, tmp_path, monkeypatch):
    monkeypatch.chdir(base.parent)
    InversionDecoder.retarget(base.name, NEW_SPEC).save(tmp_path / "rt")
    monkeypatch.chdir(tmp_path / "rt")
    loaded = InversionDecoder.load(tmp_path / "rt")
    assert loaded.config.base == str(base.resolve())


def test_a_truncated_prefix_file_is_a_one_line_error(base, tmp_path):
    InversionDecoder.retarget(str(base), NEW_SPEC).save(tmp_path / "rt")
    weights = tmp_path / "rt" / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    with pytest.raises(CheckpointError) as err:
        InversionDecoder.load(tmp_path / "rt")
    assert "\n" not in str(err.value) and "model.safetensors" in str(err.value)
