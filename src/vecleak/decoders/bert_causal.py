"""BERT layers run as a causal decoder (the bert2bert warm start), with a key/value cache.

Module names mirror Hugging Face's ``BertModel`` so that MiniLM's pretrained weights load
by name. The attention is made causal; the MLM head is replaced by a fresh transform whose
output is scored against the (frozen) input word embeddings, plus a trainable bias.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from vecleak.decoders.backbone import Backbone, freeze_and_digest, init_fresh_weights, register_backbone
from vecleak.decoders.prefix_decoder import DecoderConfig, PrefixDecoder
from vecleak.decoders.sources import load_bert_state, load_tokenizer
from vecleak.decoders.tokenization import TextCodec
from vecleak.errors import CheckpointError

__all__ = ["FROZEN", "BertCausalBackbone", "BertShape", "KVCache", "build_bert_causal", "init_fresh_weights"]

#: Weights of a warm-started ``bert-causal`` decoder on its source's vocabulary that stay frozen
#: and are not saved (the input / output word embeddings, re-read from the source on load).
FROZEN = ("backbone.embeddings.word_embeddings.weight",)


class KVCache:
    """Keys and values of every layer in buffers preallocated to ``capacity`` positions.

    ``keys[i]`` / ``values[i]``: ``(batch, heads, capacity, head_dim)``; positions
    ``[0, length)`` are filled. A step writes its keys in place (no concatenation) and
    :meth:`select` keeps or reorders batch rows with one copy, into a spare buffer per layer that
    then trades places with the current one (double buffering: no allocation per step).
    """

    def __init__(self, num_layers: int, batch: int, heads: int, capacity: int, head_dim: int,
                 dtype: torch.dtype, device: torch.device) -> None:
        shape = (batch, heads, capacity, head_dim)
        self.keys = [torch.empty(shape, dtype=dtype, device=device) for _ in range(num_layers)]
        self.values = [torch.empty(shape, dtype=dtype, device=device) for _ in range(num_layers)]
        self._spare: list[list[torch.Tensor | None]] = [[None] * num_layers, [None] * num_layers]
        self.length = 0
        self.capacity = capacity

    def write(self, layer: int, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Store ``k, v (b, heads, n, hd)`` after the cached positions; return all keys and values so far."""
        end = self.length + k.shape[2]
        if end > self.capacity:
            raise ValueError(f"the key/value cache holds {self.capacity} positions, asked for {end}")
        self.keys[layer][:, :, self.length:end] = k
        self.values[layer][:, :, self.length:end] = v
        return self.keys[layer][:, :, :end], self.values[layer][:, :, :end]

    def select(self, index: torch.Tensor) -> KVCache:
        """Keep batch rows ``index`` (in that order, repeats allowed), in place; returns ``self``."""
        n, m = self.length, len(index)
        for store, spare in zip((self.keys, self.values), self._spare):
            for i, buf in enumerate(store):
                free = spare[i]
                if free is None or free.shape[0] < m:
                    free = buf.new_empty((m, *buf.shape[1:]))
                torch.index_select(buf[:, :, :n], 0, index, out=free[:m, :, :n])   # the one copy
                spare[i], store[i] = buf, free[:m]
        return self


@dataclass(frozen=True)
class BertShape:
    """Sizes of a BERT stack (defaults: MiniLM-L6-H384)."""

    vocab_size: int = 30522
    hidden_size: int = 384
    num_layers: int = 6
    num_heads: int = 12
    intermediate_size: int = 1536
    max_positions: int = 512
    layer_norm_eps: float = 1e-12
    dropout: float = 0.1


class _Embeddings(nn.Module):
    def __init__(self, s: BertShape) -> None:
        super().__init__()
        self.word_embeddings = nn.Embedding(s.vocab_size, s.hidden_size)
        self.position_embeddings = nn.Embedding(s.max_positions, s.hidden_size)
        self.token_type_embeddings = nn.Embedding(2, s.hidden_size)
        self.LayerNorm = nn.LayerNorm(s.hidden_size, eps=s.layer_norm_eps)
        self.dropout = nn.Dropout(s.dropout)

    def forward(self, inputs_embeds: torch.Tensor, start: int) -> torch.Tensor:
        length = inputs_embeds.shape[1]
        pos = torch.arange(start, start + length, device=inputs_embeds.device)
        h = inputs_embeds + self.position_embeddings(pos)[None] + self.token_type_embeddings.weight[0]
        return self.dropout(self.LayerNorm(h))


class _SelfAttention(nn.Module):
    def __init__(self, s: BertShape) -> None:
        super().__init__()
        self.query = nn.Linear(s.hidden_size, s.hidden_size)
        self.key = nn.Linear(s.hidden_size, s.hidden_size)
        self.value = nn.Linear(s.hidden_size, s.hidden_size)
        self.heads = s.num_heads
        self.dropout_p = s.dropout


class _AttentionOutput(nn.Module):
    def __init__(self, s: BertShape) -> None:
        super().__init__()
        self.dense = nn.Linear(s.hidden_size, s.hidden_size)
        self.LayerNorm = nn.LayerNorm(s.hidden_size, eps=s.layer_norm_eps)
        self.dropout = nn.Dropout(s.dropout)


class _Attention(nn.Module):
    def __init__(self, s: BertShape) -> None:
        super().__init__()
        setattr(self, "self", _SelfAttention(s))
        self.output = _AttentionOutput(s)

    def forward(self, x: torch.Tensor, cache: KVCache | None, layer: int) -> torch.Tensor:
        sa: _SelfAttention = getattr(self, "self")
        b, n, h = x.shape
        split = lambda t: t.view(b, n, sa.heads, h // sa.heads).transpose(1, 2)  # noqa: E731
        q, k, v = split(sa.query(x)), split(sa.key(x)), split(sa.value(x))
        past = 0 if cache is None else cache.length
        if cache is not None:
            k, v = cache.write(layer, k, v)
        # A fresh block is causal; one new token after a cache may see all of it.
        causal = past == 0 and n > 1
        if past > 0 and n > 1:
            mask = torch.ones(n, past + n, dtype=torch.bool, device=x.device).tril(diagonal=past)
            ctx = F.scaled_dot_product_attention(q, k, v, attn_mask=mask,
                                                 dropout_p=sa.dropout_p if self.training else 0.0)
        else:
            ctx = F.scaled_dot_product_attention(q, k, v, is_causal=causal,
                                                 dropout_p=sa.dropout_p if self.training else 0.0)
        ctx = ctx.transpose(1, 2).reshape(b, n, h)
        out = self.output
        return out.LayerNorm(x + out.dropout(out.dense(ctx)))


class _Intermediate(nn.Module):
    def __init__(self, s: BertShape) -> None:
        super().__init__()
        self.dense = nn.Linear(s.hidden_size, s.intermediate_size)


class _Output(nn.Module):
    def __init__(self, s: BertShape) -> None:
        super().__init__()
        self.dense = nn.Linear(s.intermediate_size, s.hidden_size)
        self.LayerNorm = nn.LayerNorm(s.hidden_size, eps=s.layer_norm_eps)
        self.dropout = nn.Dropout(s.dropout)


class _Layer(nn.Module):
    def __init__(self, s: BertShape) -> None:
        super().__init__()
        self.attention = _Attention(s)
        self.intermediate = _Intermediate(s)
        self.output = _Output(s)

    def forward(self, x: torch.Tensor, cache: KVCache | None, layer: int) -> torch.Tensor:
        x = self.attention(x, cache, layer)
        y = self.output.dense(F.gelu(self.intermediate.dense(x)))
        return self.output.LayerNorm(x + self.output.dropout(y))


class _Encoder(nn.Module):
    def __init__(self, s: BertShape) -> None:
        super().__init__()
        self.layer = nn.ModuleList(_Layer(s) for _ in range(s.num_layers))


@register_backbone("bert-causal")
class BertCausalBackbone(Backbone):
    """A BERT stack used left-to-right: the compact, CPU-trainable backbone (``"bert-causal"``).

    ``forward(inputs_embeds (b, n, h), cache) -> hidden (b, n, h), cache``;
    ``logits(hidden (..., h)) -> (..., vocab)``. ``new_cache(b, capacity)`` preallocates a
    :class:`KVCache`; without one, ``forward`` attends within the block only and returns None.
    """

    def __init__(self, shape: BertShape = BertShape()) -> None:
        super().__init__()
        self.shape = shape
        self.embeddings = _Embeddings(shape)
        self.encoder = _Encoder(shape)
        self.head_transform = nn.Sequential(
            nn.Linear(shape.hidden_size, shape.hidden_size), nn.GELU(),
            nn.LayerNorm(shape.hidden_size, eps=shape.layer_norm_eps),
        )
        self.lm_bias = nn.Parameter(torch.zeros(shape.vocab_size))

    @property
    def hidden_size(self) -> int:
        return self.shape.hidden_size

    def embed_tokens(self, ids: torch.Tensor) -> torch.Tensor:
        """Token ids ``(b, n)`` -> raw word vectors ``(b, n, h)``."""
        return self.embeddings.word_embeddings(ids)

    def new_cache(self, batch: int, capacity: int, dtype: torch.dtype = torch.float32,
                  device: torch.device | str = "cpu") -> KVCache:
        """An empty cache for ``batch`` rows of up to ``capacity`` positions."""
        s = self.shape
        return KVCache(s.num_layers, batch, s.num_heads, capacity, s.hidden_size // s.num_heads, dtype,
                       torch.device(device))

    def forward(self, inputs_embeds: torch.Tensor, cache: KVCache | None = None
                ) -> tuple[torch.Tensor, KVCache | None]:
        start = 0 if cache is None else cache.length
        x = self.embeddings(inputs_embeds, start)
        for i, layer in enumerate(self.encoder.layer):
            x = layer(x, cache, i)
        if cache is not None:
            cache.length += inputs_embeds.shape[1]
        return x, cache

    def logits(self, hidden: torch.Tensor) -> torch.Tensor:
        h = self.head_transform(hidden)
        return F.linear(h, self.embeddings.word_embeddings.weight.to(h.dtype), self.lm_bias.to(h.dtype))

    @staticmethod
    def reorder_cache(cache: KVCache, index: torch.Tensor) -> KVCache:
        """Select cache rows ``index`` (beam search, finished rows dropped)."""
        return cache.select(index)

    def load_pretrained(self, state: dict[str, torch.Tensor]) -> list[str]:
        """Copy BERT weights (Hugging Face names) in; return the names this model kept fresh."""
        state = {k.removeprefix("bert."): v for k, v in state.items() if not k.endswith("position_ids")}
        missing, _unexpected = self.load_state_dict(state, strict=False)
        return list(missing)

    @classmethod
    def build(cls, config: DecoderConfig, *, tokenizer: Any = None,
              warm_start: bool = True) -> tuple[PrefixDecoder, TextCodec]:
        """A decoder warm-started from ``config.backbone_source``'s BERT weights (``"minilm"`` or
        a folder), its word embeddings frozen (:data:`FROZEN`).

        ``config.shape`` builds a randomly initialised backbone of other sizes (see
        :class:`BertShape`) that keeps only the source's tokenizer. ``tokenizer``: a vocabulary
        of the decoder's own (:func:`vecleak.decoders.vocabulary.train_tokenizer`); its
        ``<xxx>`` tokens set ``config.languages``, and its word embeddings start from the
        source's by :func:`~vecleak.decoders.vocabulary.transfer_embeddings` and are trained and
        saved (``warm_start=False`` skips that, for a load).
        """
        from vecleak.decoders.vocabulary import tokenizer_languages, transfer_embeddings

        if config.kept_ids or config.trainable_layers is not None or config.languages:
            raise CheckpointError("kept_ids, languages and trainable_layers are hf-causal-lm's: a bert-causal "
                                  "decoder trains every layer, and its languages are its own tokenizer's")
        source = config.backbone_source
        config.tokenizer = "source" if tokenizer is None else "own"
        config.languages = [] if tokenizer is None else tokenizer_languages(tokenizer)
        codec = TextCodec(load_tokenizer(source) if tokenizer is None else tokenizer, max_length=config.max_length,
                          languages=config.languages)
        model = build_bert_causal(config, codec.vocab_size, bos_id=codec.bos_id, eos_id=codec.eos_id,
                                  pad_id=codec.pad_id, num_start=codec.num_start,
                                  never_generated=codec.never_generated)
        if config.shape is not None or (tokenizer is not None and not warm_start):
            return model, codec
        state = load_bert_state(source)
        if tokenizer is not None:
            name = next(k for k in state if k.endswith("word_embeddings.weight"))
            old = state.pop(name)
            with torch.no_grad():
                model.backbone.embeddings.word_embeddings.weight.copy_(
                    transfer_embeddings(tokenizer, load_tokenizer(source), old.float()))
            model.backbone.load_pretrained(state)
            return model, codec
        model.backbone.load_pretrained(state)
        config.frozen.update(freeze_and_digest(model, FROZEN))
        return model, codec


def build_bert_causal(config: DecoderConfig, vocab_size: int, *, bos_id: int, eos_id: int,
                      pad_id: int, num_start: int = 1, never_generated: list[int] | None = None) -> PrefixDecoder:
    """An untrained :class:`PrefixDecoder` on a BERT backbone of ``config.shape`` (None:
    MiniLM-L6's, to be warm-started) with ``vocab_size`` tokens."""
    shape = BertShape(**{**(config.shape or {}), "vocab_size": vocab_size})
    backbone = BertCausalBackbone(shape)
    if config.shape is not None:
        init_fresh_weights(backbone)
    init_fresh_weights(backbone.head_transform)
    return PrefixDecoder(config, backbone, bos_id=bos_id, eos_id=eos_id, pad_id=pad_id, num_start=num_start,
                         never_generated=never_generated)
