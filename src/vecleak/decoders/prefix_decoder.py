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

from vecleak.configs import ArchitectureConfig as _ARCH
from vecleak.decoders.backbone import Backbone, init_fresh_weights


@dataclass
class DecoderConfig:
    """Everything needed to rebuild a decoder and check it against its encoder (the defaults of
    the architecture are :class:`~vecleak.configs.ArchitectureConfig`'s).

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
        tokenizer: ``"source"`` (the backbone source's own) or ``"own"`` (a vocabulary trained
            for this decoder, saved beside it as ``tokenizer.json``).
        languages: ISO 639-3 codes the decoder writes, each with a ``<xxx>`` start token;
            empty for a decoder that is not language-conditioned.
        kept_ids: ``hf-causal-lm`` only: the original token ids of a trimmed vocabulary
            (ascending; empty: the whole vocabulary), see :mod:`vecleak.decoders.trimmed`.
        trainable_layers: ``hf-causal-lm`` only: the top layers trained (the rest frozen);
            None: every weight but the embeddings.
        base: a decoder (shipped name or folder) whose backbone and vocabulary this one reuses,
            frozen, under a prefix MLP of its own for another attacker encoder (see
            :meth:`InversionDecoder.retarget`); None for a decoder that owns its backbone.
    """

    encoder: dict[str, Any]
    backbone: str = _ARCH.backbone
    backbone_source: str = _ARCH.source
    num_prefix: int = _ARCH.num_prefix
    max_length: int = _ARCH.max_length
    frozen: dict[str, str] = field(default_factory=dict)
    input_normalization: str = "l2"
    shape: dict[str, Any] | None = None
    tokenizer: str = "source"
    languages: list[str] = field(default_factory=list)
    kept_ids: list[int] = field(default_factory=list)
    trainable_layers: int | None = None
    base: str | None = None
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
        backbone: the causal LM it runs on (the contract: :class:`~vecleak.decoders.backbone.Backbone`).
        bos_id / eos_id / pad_id: the tokenizer's special ids.
        num_start: tokens every sequence starts with (BOS, then the language token when
            ``config.languages`` is set); they are given, never predicted.
        never_generated: token ids beam search may not emit (special tokens but EOS).
    """

    def __init__(self, config: DecoderConfig, backbone: Backbone, *, bos_id: int, eos_id: int,
                 pad_id: int, num_start: int = 1, never_generated: list[int] | None = None) -> None:
        super().__init__()
        self.config = config
        self.backbone = backbone
        h = backbone.hidden_size
        d = int(config.encoder["dim"])
        self.prefix = nn.Sequential(nn.Linear(d, h * 2), nn.GELU(), nn.Linear(h * 2, h * config.num_prefix))
        init_fresh_weights(self.prefix)
        self.bos_id, self.eos_id, self.pad_id = bos_id, eos_id, pad_id
        self.num_start = num_start
        self.never_generated = list(never_generated or [])

    @property
    def embedding_dim(self) -> int:
        return int(self.config.encoder["dim"])

    def prefix_embeds(self, e: torch.Tensor) -> torch.Tensor:
        """``e (b, d)`` -> prefix vectors ``(b, k, h)``."""
        e = F.normalize(e.float(), dim=-1)
        return self.prefix(e).view(e.shape[0], self.config.num_prefix, -1)

    def loss(self, e: torch.Tensor, ids: torch.Tensor, mask: torch.Tensor, *, reduction: str = "mean"):
        """Next-token cross-entropy: the mean over real target tokens, or with
        ``reduction="sum"`` the pair ``(sum, number of target tokens)`` (data-parallel training
        divides by the global count).

        Args:
            e: ``(b, d)`` attacker embeddings.
            ids: ``(b, n)`` token ids ``[BOS] (<lang>) w_1 .. w_m [EOS] [PAD]...``.
            mask: ``(b, n)`` 1 on real tokens, 0 on padding.
        """
        k, s = self.config.num_prefix, self.num_start
        tokens = self.backbone.embed_tokens(ids)
        x = torch.cat([self.prefix_embeds(e).to(tokens.dtype), tokens], dim=1)
        hidden, _ = self.backbone(x)
        hidden = hidden[:, k + s - 1:-1]             # state after the start..w_m predicts w_1..EOS
        targets, keep = ids[:, s:], mask[:, s:].bool()
        logits = self.backbone.logits(hidden[keep])  # only real positions reach the vocabulary
        if reduction == "sum":
            return F.cross_entropy(logits.float(), targets[keep], reduction="sum"), int(keep.sum())
        return F.cross_entropy(logits.float(), targets[keep])

    def _start(self, e: torch.Tensor, start_ids: torch.Tensor | None, capacity: int):
        """Run prefix + start tokens; returns (log-probs of the first token ``(b, V)``, cache)."""
        b = e.shape[0]
        if start_ids is None:
            if self.num_start != 1:
                raise ValueError("this decoder is language-conditioned: pass start_ids with the language token")
            start_ids = torch.full((b, 1), self.bos_id, device=e.device)
        x = torch.cat([self.prefix_embeds(e), self.backbone.embed_tokens(start_ids.to(e.device))], dim=1)
        new_cache = getattr(self.backbone, "new_cache", None)
        cache = new_cache(b, x.shape[1] + capacity, device=e.device) if new_cache else None
        hidden, cache = self.backbone(x, cache)
        return self.next_logp(hidden[:, -1]), cache

    def next_logp(self, hidden: torch.Tensor) -> torch.Tensor:
        """Next-token log-probabilities ``(b, V)`` from last hidden states ``(b, h)``; tokens in
        ``never_generated`` get -inf."""
        logits = self.backbone.logits(hidden).float()
        if self.never_generated:
            logits[:, self.never_generated] = float("-inf")
        return F.log_softmax(logits, dim=-1)

    def _step(self, tok: torch.Tensor, cache):
        hidden, cache = self.backbone(self.backbone.embed_tokens(tok[:, None]), cache)
        return self.next_logp(hidden[:, -1]), cache

    @torch.no_grad()
    def generate_ids(self, e: torch.Tensor, *, num_beams: int = 1, length_penalty: float = 1.0,
                     num_return: int = 1, start_ids: torch.Tensor | None = None,
                     bias: torch.Tensor | None = None, temperature: float = 0.0,
                     generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Beam search (greedy when ``num_beams == 1``); special tokens other than EOS are never emitted.

        Every step keeps ``num_beams`` open hypotheses per input: one that emits EOS moves to that
        input's finished list, so the width never shrinks. A hypothesis' score is
        ``sum log p / length ** length_penalty`` (length: tokens generated, EOS included). An
        input is done when it has ``num_beams`` finished hypotheses and none of its open ones
        can rank above them at the current length (Hugging Face's default stopping rule), or
        at ``max_length`` tokens, where open hypotheses are cut and ranked as they are. Done
        inputs leave the batch.

        Args:
            e: ``(b, d)`` embeddings.
            start_ids: ``(b, s)`` ids generation starts from (default: BOS alone); after the
                start tokens they may hold a text's first tokens, which generation continues.
            num_return: best hypotheses returned per input (``<= num_beams``).
            bias: ``(b, V)`` added to every step's log-probabilities of each input (steers
                generation towards words, e.g. those a bag-of-words attacker reads in ``e``);
                scores include it.
            temperature: with ``num_beams == 1``, > 0 samples each token from the softmax of
                the log-probabilities divided by it (``generator`` seeds it); 0 is greedy.

        Returns:
            ids ``(b, num_return, max_length)`` (EOS and after set to ``pad_id``) and their
            scores ``(b, num_return)``, best first.
        """
        if not 1 <= num_return <= num_beams:
            raise ValueError("num_return must be between 1 and num_beams")
        if bias is not None:
            bias = bias.to(device=e.device, dtype=torch.float32)
            if bias.shape[0] != e.shape[0]:
                raise ValueError("bias needs one row per input")
        if num_beams == 1:
            return self._greedy(e, start_ids, bias, temperature, generator)
        if temperature:
            raise ValueError("sampling (temperature > 0) needs num_beams == 1")
        b, beams, L, device = e.shape[0], num_beams, self.config.max_length, e.device
        logp, cache = self._start(e, start_ids, L)
        if bias is not None:
            logp = logp + bias
        vocab = logp.shape[-1]
        rows = torch.arange(b, device=device).repeat_interleave(beams)
        cache = self.backbone.reorder_cache(cache, rows)
        logp = logp[rows]
        scores = torch.zeros(b, beams, device=device)
        scores[:, 1:] = float("-inf")                          # only one copy of each input is live at step 0
        seqs = torch.zeros(b * beams, 0, dtype=torch.long, device=device)
        finished: list[list[tuple[float, list[int]]]] = [[] for _ in range(b)]
        alive = list(range(b))                                 # input index of each live block of `beams` rows
        for step in range(L):
            n = len(alive)
            total = (scores.view(-1, 1) + logp).view(n, beams * vocab)
            top_scores, top = total.topk(2 * beams, dim=-1)    # enough to fill `beams` open slots past EOS
            src, tok = (top // vocab).tolist(), (top % vocab).tolist()
            top_scores = top_scores.tolist()
            length = step + 1
            next_src, next_tok, next_scores, keep = [], [], [], []
            for j in range(n):
                i = alive[j]
                open_src, open_tok, open_sc = [], [], []
                for rank in range(2 * beams):
                    s, t, sc = src[j][rank], tok[j][rank], top_scores[j][rank]
                    if sc == float("-inf"):
                        break
                    if t == self.eos_id:
                        if rank < beams:
                            finished[i].append((sc / length ** length_penalty, seqs[j * beams + s].tolist()))
                        continue
                    open_src.append(j * beams + s)
                    open_tok.append(t)
                    open_sc.append(sc)
                    if len(open_src) == beams:
                        break
                if step == L - 1:                              # cut at max_length: rank open ones as they are
                    for r, t, sc in zip(open_src, open_tok, open_sc):
                        finished[i].append((sc / length ** length_penalty, seqs[r].tolist() + [t]))
                    continue
                done = len(finished[i]) >= beams and (not open_sc or max(open_sc) / length ** length_penalty
                                                     <= sorted(x[0] for x in finished[i])[-beams])
                if done or not open_src:
                    continue
                while len(open_src) < beams:                   # pad a short block with dead copies
                    open_src.append(open_src[0])
                    open_tok.append(open_tok[0])
                    open_sc.append(float("-inf"))
                keep.append(i)
                next_src += open_src
                next_tok += open_tok
                next_scores.append(open_sc)
            if not keep:
                break
            alive = keep
            src_t = torch.tensor(next_src, device=device)
            tok_t = torch.tensor(next_tok, device=device)
            seqs = torch.cat([seqs[src_t], tok_t[:, None]], dim=1)
            scores = torch.tensor(next_scores, device=device)
            cache = self.backbone.reorder_cache(cache, src_t)
            logp, cache = self._step(tok_t, cache)
            if bias is not None:
                logp = logp + bias[torch.tensor(alive, device=device).repeat_interleave(beams)]
        out = torch.full((b, num_return, L), self.pad_id, dtype=torch.long, device=device)
        out_scores = torch.full((b, num_return), float("-inf"), device=device)
        for i in range(b):
            ranked = sorted(finished[i], key=lambda x: -x[0])[:num_return]
            for r, (sc, ids) in enumerate(ranked):
                out[i, r, :len(ids)] = torch.tensor(ids, dtype=torch.long)
                out_scores[i, r] = sc
        return out, out_scores

    def _greedy(self, e: torch.Tensor, start_ids: torch.Tensor | None, bias: torch.Tensor | None = None,
                temperature: float = 0.0, generator: torch.Generator | None = None
                ) -> tuple[torch.Tensor, torch.Tensor]:
        """Greedy decoding (or sampling at ``temperature`` > 0); rows that emitted EOS leave the batch."""
        b, L, device = e.shape[0], self.config.max_length, e.device
        logp, cache = self._start(e, start_ids, L)
        if bias is not None:
            logp = logp + bias
        out = torch.full((b, L), self.pad_id, dtype=torch.long, device=device)
        total = torch.zeros(b, device=device)
        length = torch.zeros(b, device=device)
        active = torch.arange(b, device=device)
        for step in range(L):
            if temperature > 0:
                tok = torch.multinomial((logp / temperature).softmax(-1).cpu(), 1, generator=generator)[:, 0]
                tok = tok.to(device)
                best = logp.gather(1, tok[:, None])[:, 0]
            else:
                best, tok = logp.max(dim=-1)
            total[active] += best
            length[active] += 1
            going = tok != self.eos_id
            out[active[going], step] = tok[going]
            if step == L - 1 or not bool(going.any()):
                break
            if not bool(going.all()):
                keep = going.nonzero().squeeze(1)
                active, tok = active[keep], tok[keep]
                cache = self.backbone.reorder_cache(cache, keep)
            logp, cache = self._step(tok, cache)
            if bias is not None:
                logp = logp + bias[active]
        return out[:, None], (total / length)[:, None]
