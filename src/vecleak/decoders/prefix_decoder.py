"""Prefix-conditioned decoder: an embedding becomes k prefix vectors that a causal LM continues.

This is the vec2text / GEIA / ALGEN family of inversion decoders: the attacker's sentence
embedding ``e (d,)`` is L2-normalized, mapped by a small MLP to ``k`` vectors in the
backbone's hidden space, and the backbone generates the text after them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from vecleak.decoders.bert_causal import BertCausalBackbone, init_fresh_weights


@dataclass
class DecoderConfig:
    """Everything needed to rebuild a decoder and check it against its encoder.

    Attributes:
        encoder: the attacker encoder's :meth:`Encoder.spec` (name, dim, pooling, normalize).
        backbone: ``"bert-causal"`` (compact, CPU-trainable) or ``"hf-causal-lm"``.
        backbone_source: where the pretrained backbone and tokenizer come from
            (``"minilm"`` or a model folder / GGUF file).
        num_prefix: k, the number of prefix vectors.
        max_length: most tokens generated (and trained on) per text.
        frozen: parameter names not saved because ``backbone_source`` ships them,
            mapped to a SHA-256 of their bytes, checked on load.
        input_normalization: always ``"l2"``: inputs are normalized before the prefix MLP.
        shape: sizes of a ``bert-causal`` backbone (None: MiniLM-L6's, warm-started).
    """

    encoder: dict[str, Any]
    backbone: str = "bert-causal"
    backbone_source: str = "minilm"
    num_prefix: int = 6
    max_length: int = 32
    frozen: dict[str, str] = field(default_factory=dict)
    input_normalization: str = "l2"
    shape: dict[str, Any] | None = None
    format_version: int = 1

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DecoderConfig:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in d.items() if k in known})


class PrefixDecoder(nn.Module):
    """``e (b, d) -> text``: prefix MLP + causal backbone.

    Args:
        config: the decoder's :class:`DecoderConfig`.
        backbone: a module with ``embed_tokens``, ``forward(inputs_embeds, cache)``,
            ``logits`` and ``reorder_cache`` (see :class:`BertCausalBackbone`).
        bos_id / eos_id / pad_id: the tokenizer's special ids.
    """

    def __init__(self, config: DecoderConfig, backbone: nn.Module, *, bos_id: int, eos_id: int,
                 pad_id: int) -> None:
        super().__init__()
        self.config = config
        self.backbone = backbone
        h = backbone.hidden_size
        d = int(config.encoder["dim"])
        self.prefix = nn.Sequential(nn.Linear(d, h * 2), nn.GELU(), nn.Linear(h * 2, h * config.num_prefix))
        init_fresh_weights(self.prefix)
        self.bos_id, self.eos_id, self.pad_id = bos_id, eos_id, pad_id

    @property
    def embedding_dim(self) -> int:
        return int(self.config.encoder["dim"])

    def prefix_embeds(self, e: torch.Tensor) -> torch.Tensor:
        """``e (b, d)`` -> prefix vectors ``(b, k, h)``."""
        e = F.normalize(e.float(), dim=-1)
        return self.prefix(e).view(e.shape[0], self.config.num_prefix, -1)

    def loss(self, e: torch.Tensor, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Mean next-token cross-entropy.

        Args:
            e: ``(b, d)`` attacker embeddings.
            ids: ``(b, n)`` token ids ``[BOS] w_1 .. w_m [EOS] [PAD]...``.
            mask: ``(b, n)`` 1 on real tokens, 0 on padding.
        """
        k = self.config.num_prefix
        tokens = self.backbone.embed_tokens(ids)
        x = torch.cat([self.prefix_embeds(e).to(tokens.dtype), tokens], dim=1)
        hidden, _ = self.backbone(x)
        hidden = hidden[:, k:-1]                     # state after BOS..w_m predicts w_1..EOS
        targets, keep = ids[:, 1:], mask[:, 1:].bool()
        logits = self.backbone.logits(hidden[keep])  # only real positions reach the vocabulary
        return F.cross_entropy(logits.float(), targets[keep])

    @torch.no_grad()
    def generate_ids(self, e: torch.Tensor, *, num_beams: int = 1, length_penalty: float = 1.0,
                     num_return: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
        """Beam search (greedy when ``num_beams == 1``).

        Args:
            e: ``(b, d)`` embeddings.
            num_beams: beams per input.
            length_penalty: hypotheses are ranked by ``sum log p / length ** length_penalty``.
            num_return: best hypotheses returned per input (``<= num_beams``).

        Returns:
            ids ``(b, num_return, max_length)`` (EOS and after set to ``pad_id``) and their
            scores ``(b, num_return)``, best first.
        """
        if not 1 <= num_return <= num_beams:
            raise ValueError("num_return must be between 1 and num_beams")
        b, beams, vocab = e.shape[0], num_beams, None
        device = e.device
        start = torch.cat([
            self.prefix_embeds(e),
            self.backbone.embed_tokens(torch.full((b, 1), self.bos_id, device=device)),
        ], dim=1)
        hidden, cache = self.backbone(start)
        logp = F.log_softmax(self.backbone.logits(hidden[:, -1]).float(), dim=-1)  # (b, V)
        vocab = logp.shape[-1]
        # Expand every input to `beams` rows; only the first row is live at step 0.
        rows = torch.arange(b, device=device).repeat_interleave(beams)
        cache = self.backbone.reorder_cache(cache, rows)
        logp = logp[rows]
        scores = torch.zeros(b, beams, device=device)
        scores[:, 1:] = float("-inf")
        lengths = torch.zeros(b * beams, dtype=torch.long, device=device)
        finished = torch.zeros(b * beams, dtype=torch.bool, device=device)
        out = torch.full((b * beams, self.config.max_length), self.pad_id, dtype=torch.long, device=device)
        for step in range(self.config.max_length):
            # Finished rows may only continue with padding, at no cost.
            logp = logp.masked_fill(finished[:, None], float("-inf"))
            logp[finished, self.pad_id] = 0.0
            total = scores.view(-1, 1) + logp                                  # (b*beams, V)
            new_len = (lengths + (~finished).long()).clamp(min=1).float()
            ranked = total / new_len[:, None] ** length_penalty
            top = ranked.view(b, beams * vocab).topk(beams, dim=-1).indices     # (b, beams)
            src = (top // vocab) + torch.arange(b, device=device)[:, None] * beams
            tok = top % vocab
            src, tok = src.view(-1), tok.view(-1)
            scores = total.view(-1)[src * vocab + tok].view(b, beams)
            was_finished = finished[src]
            lengths = lengths[src] + (~was_finished).long()
            finished = was_finished | (tok == self.eos_id)
            out = out[src]
            write = ~was_finished & (tok != self.eos_id)
            out[write, step] = tok[write]
            if bool(finished.all()) or step == self.config.max_length - 1:
                break  # hypotheses still open at max_length are cut there
            cache = self.backbone.reorder_cache(cache, src)
            hidden, cache = self.backbone(self.backbone.embed_tokens(tok[:, None]), cache)
            logp = F.log_softmax(self.backbone.logits(hidden[:, -1]).float(), dim=-1)
        final = scores / lengths.clamp(min=1).view(b, beams).float() ** length_penalty
        order = final.argsort(dim=-1, descending=True)[:, :num_return]
        gather = (order + torch.arange(b, device=device)[:, None] * beams).view(-1)
        return out[gather].view(b, num_return, -1), final.gather(1, order)


def build_bert_causal(config: DecoderConfig, vocab_size: int, *, bos_id: int, eos_id: int,
                      pad_id: int) -> PrefixDecoder:
    """An untrained :class:`PrefixDecoder` on a MiniLM-shaped BERT backbone."""
    from vecleak.decoders.bert_causal import BertShape

    shape = BertShape(**{**(config.shape or {}), "vocab_size": vocab_size})
    backbone = BertCausalBackbone(shape)
    if config.shape is not None:
        init_fresh_weights(backbone)
    init_fresh_weights(backbone.head_transform)
    return PrefixDecoder(config, backbone, bos_id=bos_id, eos_id=eos_id, pad_id=pad_id)
