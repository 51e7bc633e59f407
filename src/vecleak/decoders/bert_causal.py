"""BERT layers run as a causal decoder (the bert2bert warm start), with a key/value cache.

Module names mirror Hugging Face's ``BertModel`` so that MiniLM's pretrained weights load
by name. The attention is made causal; the MLM head is replaced by a fresh transform whose
output is scored against the (frozen) input word embeddings, plus a trainable bias.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

#: One layer's cached keys and values, each ``(batch, heads, length, head_dim)``.
LayerCache = tuple[torch.Tensor, torch.Tensor]


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

    def forward(self, x: torch.Tensor, cache: LayerCache | None) -> tuple[torch.Tensor, LayerCache]:
        sa: _SelfAttention = getattr(self, "self")
        b, n, h = x.shape
        split = lambda t: t.view(b, n, sa.heads, h // sa.heads).transpose(1, 2)  # noqa: E731
        q, k, v = split(sa.query(x)), split(sa.key(x)), split(sa.value(x))
        if cache is not None:
            k = torch.cat([cache[0], k], dim=2)
            v = torch.cat([cache[1], v], dim=2)
        # A fresh block is causal; one new token after a cache may see all of it.
        causal = cache is None and n > 1
        if cache is not None and n > 1:
            past = k.shape[2] - n
            mask = torch.ones(n, past + n, dtype=torch.bool, device=x.device).tril(diagonal=past)
            ctx = F.scaled_dot_product_attention(q, k, v, attn_mask=mask,
                                                 dropout_p=sa.dropout_p if self.training else 0.0)
        else:
            ctx = F.scaled_dot_product_attention(q, k, v, is_causal=causal,
                                                 dropout_p=sa.dropout_p if self.training else 0.0)
        ctx = ctx.transpose(1, 2).reshape(b, n, h)
        out = self.output
        return out.LayerNorm(x + out.dropout(out.dense(ctx))), (k, v)


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

    def forward(self, x: torch.Tensor, cache: LayerCache | None) -> tuple[torch.Tensor, LayerCache]:
        x, new_cache = self.attention(x, cache)
        y = self.output.dense(F.gelu(self.intermediate.dense(x)))
        return self.output.LayerNorm(x + self.output.dropout(y)), new_cache


class _Encoder(nn.Module):
    def __init__(self, s: BertShape) -> None:
        super().__init__()
        self.layer = nn.ModuleList(_Layer(s) for _ in range(s.num_layers))


class BertCausalBackbone(nn.Module):
    """A BERT stack used left-to-right.

    ``forward(inputs_embeds (b, n, h), cache) -> hidden (b, n, h), cache``;
    ``logits(hidden (..., h)) -> (..., vocab)``.
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

    def forward(self, inputs_embeds: torch.Tensor, cache: list[LayerCache] | None = None
                ) -> tuple[torch.Tensor, list[LayerCache]]:
        start = 0 if cache is None else cache[0][0].shape[2]
        x = self.embeddings(inputs_embeds, start)
        new_cache: list[LayerCache] = []
        for i, layer in enumerate(self.encoder.layer):
            x, c = layer(x, None if cache is None else cache[i])
            new_cache.append(c)
        return x, new_cache

    def logits(self, hidden: torch.Tensor) -> torch.Tensor:
        h = self.head_transform(hidden)
        return F.linear(h, self.embeddings.word_embeddings.weight.to(h.dtype), self.lm_bias.to(h.dtype))

    @staticmethod
    def reorder_cache(cache: list[LayerCache], index: torch.Tensor) -> list[LayerCache]:
        """Select cache rows ``index`` (beam search)."""
        return [(k.index_select(0, index), v.index_select(0, index)) for k, v in cache]

    def load_pretrained(self, state: dict[str, torch.Tensor]) -> list[str]:
        """Copy BERT weights (Hugging Face names) in; return the names this model kept fresh."""
        state = {k.removeprefix("bert."): v for k, v in state.items() if not k.endswith("position_ids")}
        missing, _unexpected = self.load_state_dict(state, strict=False)
        return list(missing)


def init_fresh_weights(module: nn.Module, std: float = 0.02) -> None:
    """BERT's initialisation for newly added layers."""
    for m in module.modules():
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.LayerNorm):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)

