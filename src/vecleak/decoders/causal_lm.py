"""A pretrained Hugging Face causal LM as the decoder backbone (e.g. SmolLM2-135M from GGUF).

For users with a GPU or time: the same prefix conditioning as the bert-causal backbone, with
the LM's own tokenizer. The input embedding matrix (tied to the output head in SmolLM2)
stays frozen and is not saved: it is re-read from the source and checked by digest.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from vecleak.decoders.backbone import Backbone, freeze_and_digest, register_backbone
from vecleak.decoders.prefix_decoder import DecoderConfig, PrefixDecoder
from vecleak.decoders.sources import load_causal_lm, load_source_tokenizer, resolve_source
from vecleak.decoders.tokenization import TextCodec
from vecleak.decoders.trimmed import TrimmedCausalLMBackbone
from vecleak.errors import CheckpointError

__all__ = ["CausalLMBackbone", "load_source_tokenizer", "resolve_source"]


@register_backbone("hf-causal-lm")
class CausalLMBackbone(Backbone):
    """Adapts ``AutoModelForCausalLM`` to the :class:`~vecleak.decoders.backbone.Backbone`
    contract (``"hf-causal-lm"``); with ``kept_ids`` the decoder is built on
    :class:`~vecleak.decoders.trimmed.TrimmedCausalLMBackbone` instead."""

    def __init__(self, lm: nn.Module) -> None:
        super().__init__()
        self.lm = lm

    @property
    def hidden_size(self) -> int:
        return int(self.lm.config.hidden_size)

    def embed_tokens(self, ids: torch.Tensor) -> torch.Tensor:
        return self.lm.get_input_embeddings()(ids)

    def forward(self, inputs_embeds: torch.Tensor, cache: Any = None) -> tuple[torch.Tensor, Any]:
        base = self.lm.get_decoder() if hasattr(self.lm, "get_decoder") else self.lm.model
        out = base(inputs_embeds=inputs_embeds, past_key_values=cache, use_cache=True)
        return out.last_hidden_state, out.past_key_values

    def logits(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.lm.get_output_embeddings()(hidden)

    #: a Hugging Face cache reorders itself, as the trimmed backbone's does
    reorder_cache = staticmethod(TrimmedCausalLMBackbone.reorder_cache)

    @classmethod
    def build(cls, config: DecoderConfig, *, tokenizer: Any = None,
              warm_start: bool = True) -> tuple[PrefixDecoder, TextCodec]:
        """A decoder on the pretrained causal LM ``config.backbone_source`` with its tokenizer.

        ``config.kept_ids`` (original token ids) trims the vocabulary to those tokens
        (:class:`~vecleak.decoders.trimmed.TrimmedCausalLMBackbone`); ``config.languages`` then
        conditions it through reserved tokens. ``config.trainable_layers``: train only the top
        layers (and the final norm); the other weights are frozen, not saved, and checked by
        digest on load. Without ``kept_ids`` the input embedding matrix (and an output head tied
        to it) is frozen. ``warm_start`` is ignored: the LM's weights are always loaded.
        """
        if tokenizer is not None or config.shape is not None:
            raise CheckpointError("a decoder's own tokenizer and shape are bert-causal's; an hf-causal-lm "
                                  "decoder keeps its source's (trim it with kept_ids)")
        if not config.kept_ids and (config.languages or config.trainable_layers is not None):
            raise CheckpointError("languages and trainable_layers need a trimmed vocabulary (kept_ids)")
        source_tokenizer, lm = load_causal_lm(config.backbone_source)
        if config.kept_ids:
            return TrimmedCausalLMBackbone.decoder_on(lm, source_tokenizer, config)
        codec = TextCodec(source_tokenizer, max_length=config.max_length)
        model = PrefixDecoder(config, cls(lm), bos_id=codec.bos_id, eos_id=codec.eos_id, pad_id=codec.pad_id,
                              never_generated=codec.never_generated)
        config.frozen.update(freeze_and_digest(model, lambda name: name.endswith("embed_tokens.weight")))
        return model, codec
