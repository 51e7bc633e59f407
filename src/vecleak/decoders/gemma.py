"""Gemma 3 270M as a decoder backbone: its trimmed vocabulary lives in :mod:`vecleak.decoders.trimmed`
(the trimmed-vocabulary backbone serves any Hugging Face causal LM); this module keeps the old import path."""

from __future__ import annotations

from vecleak.decoders.trimmed import TrimmedCausalLMBackbone, TrimmedCodec, freeze_below, kept_token_ids, language_slot

__all__ = ["TrimmedCausalLMBackbone", "TrimmedCodec", "freeze_below", "kept_token_ids", "language_slot"]
