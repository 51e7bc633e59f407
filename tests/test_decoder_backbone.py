"""Decoder backbones: the :class:`Backbone` contract, the registry by name, the frozen-weight digest."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from vecleak import configs
from vecleak.decoders import InversionDecoder
from vecleak.decoders import backbone as backbones
from vecleak.decoders.backbone import Backbone, build_backbone, freeze_and_digest, register_backbone
from vecleak.decoders.prefix_decoder import DecoderConfig, PrefixDecoder
from vecleak.decoders.sources import load_tokenizer, tensor_digest
from vecleak.decoders.tokenization import TextCodec
from vecleak.errors import CheckpointError

SPEC = {"name": "toy", "backend": "test", "dim": 8, "pooling": "none", "normalize": True}


class ToyBackbone(Backbone):
    """A one-layer GRU over MiniLM's vocabulary: its cache is the GRU state ``(1, b, h)``. The
    word embeddings stand for pretrained weights: drawn from a fixed seed, frozen, digested."""

    def __init__(self, vocab_size: int, hidden: int = 16) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab_size, hidden)
        with torch.no_grad():
            self.embed.weight.copy_(torch.randn(vocab_size, hidden, generator=torch.Generator().manual_seed(0)))
        self.gru = nn.GRU(hidden, hidden, batch_first=True)
        self.head = nn.Linear(hidden, vocab_size)

    @property
    def hidden_size(self) -> int:
        return self.embed.embedding_dim

    def embed_tokens(self, ids):
        return self.embed(ids)

    def forward(self, inputs_embeds, cache=None):
        hidden, state = self.gru(inputs_embeds, cache)
        return hidden, state

    def logits(self, hidden):
        return self.head(hidden)

    @staticmethod
    def reorder_cache(cache, index):
        return cache[:, index]

    @classmethod
    def build(cls, config, *, tokenizer=None, warm_start=True):
        codec = TextCodec(load_tokenizer(config.backbone_source), max_length=config.max_length)
        model = PrefixDecoder(config, cls(codec.vocab_size), bos_id=codec.bos_id, eos_id=codec.eos_id,
                              pad_id=codec.pad_id, never_generated=codec.never_generated)
        config.frozen.update(freeze_and_digest(model, ["backbone.embed.weight"]))
        return model, codec


@pytest.fixture()
def toy(monkeypatch):
    """ToyBackbone registered as ``"toy"`` for one test (the registry is restored after it)."""
    monkeypatch.setattr(backbones, "_REGISTRY", dict(backbones._REGISTRY))
    return register_backbone("toy")(ToyBackbone)


def test_a_toy_backbone_registered_in_a_test_is_built_by_name(toy, tmp_path):
    torch.manual_seed(0)
    dec = InversionDecoder.new(SPEC, backbone="toy", num_prefix=2, max_length=6)
    assert isinstance(dec.model.backbone, ToyBackbone) and toy.name == "toy" == dec.config.backbone
    assert list(dec.config.frozen) == ["backbone.embed.weight"]
    assert not dec.model.backbone.embed.weight.requires_grad
    e = np.random.default_rng(0).normal(size=(3, 8)).astype(np.float32)
    greedy, beams = dec.generate(e), dec.generate(e, num_beams=3, num_candidates=2)
    assert all(isinstance(t, str) for row in greedy + beams for t in row) and [len(r) for r in beams] == [2, 2, 2]
    ids, mask = dec.codec.pad(dec.codec.encode(["a dog runs"]))
    dec.model.loss(torch.from_numpy(e[:1]), ids, mask).backward()
    dec.save(tmp_path / "toy")                                    # the frozen embeddings are left out ...
    again = InversionDecoder.load(tmp_path / "toy")               # ... rebuilt by name, checked by digest
    assert isinstance(again.model.backbone, ToyBackbone)
    assert again.generate(e, num_beams=3, num_candidates=2) == beams


def test_build_backbone_by_name_and_an_unknown_name(toy):
    model, codec = build_backbone("toy", DecoderConfig(encoder=SPEC, backbone="toy", num_prefix=1, max_length=4))
    assert isinstance(model.backbone, ToyBackbone) and model.config.frozen and codec.vocab_size == 30522
    with pytest.raises(CheckpointError, match="unknown decoder backbone 'nope'; use one of 'bert-causal', "
                                              "'hf-causal-lm', 'toy'"):
        InversionDecoder.new(SPEC, backbone="nope")


def test_the_shipped_backbones_are_registered_under_the_configs_names():
    assert backbones.registered_backbones() == configs.BACKBONES
    from vecleak.decoders.bert_causal import BertCausalBackbone
    from vecleak.decoders.causal_lm import CausalLMBackbone

    assert (BertCausalBackbone.name, CausalLMBackbone.name) == configs.BACKBONES


def test_the_registry_refuses_a_taken_name_and_a_class_that_is_no_backbone(toy):
    class Other(ToyBackbone):
        pass

    with pytest.raises(ValueError, match="'toy' is taken"):
        register_backbone("toy")(Other)
    with pytest.raises(TypeError, match="not a Backbone subclass"):
        register_backbone("module")(nn.Linear)
    assert register_backbone("toy")(ToyBackbone) is ToyBackbone   # registering the same class again is harmless


def test_a_backbone_missing_part_of_the_contract_cannot_be_built():
    class NoLogits(Backbone):
        hidden_size = 4

        def embed_tokens(self, ids):
            return ids

        def forward(self, inputs_embeds, cache=None):
            return inputs_embeds, cache

        @staticmethod
        def reorder_cache(cache, index):
            return cache

        @classmethod
        def build(cls, config, *, tokenizer=None, warm_start=True):
            raise NotImplementedError

    with pytest.raises(TypeError, match="logits"):
        NoLogits()


def test_freeze_and_digest_freezes_the_picked_weights_and_a_tied_head():
    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(10, 4)
            self.mid = nn.Linear(4, 4)
            self.head = nn.Linear(4, 10, bias=False)
            self.head.weight = self.embed.weight

    model = Tied()
    frozen = freeze_and_digest(model, lambda name: name.startswith("embed"))
    assert frozen == {"embed.weight": tensor_digest(model.embed.weight),
                      "head.weight": tensor_digest(model.embed.weight)}
    assert not model.embed.weight.requires_grad and model.mid.weight.requires_grad
    assert list(freeze_and_digest(Tied(), ["mid.bias"])) == ["mid.bias"]
