"""Inversion decoders: attacker embeddings ``(n, d)`` -> text (prefix-conditioned causal LMs)."""

from __future__ import annotations

from vecleak.decoders.backbone import Backbone, build_backbone, register_backbone, registered_backbones
from vecleak.decoders.inversion_decoder import InversionDecoder
from vecleak.decoders.shipped import DEFAULT_DECODER_DIR, MULTILINGUAL_DECODER_DIR, SHIPPED_DECODERS, load_decoder
from vecleak.decoders.prefix_decoder import DecoderConfig, PrefixDecoder
from vecleak.decoders.rerank import rerank
from vecleak.decoders.training import TrainingConfig, train_decoder

__all__ = [
    "DEFAULT_DECODER_DIR", "MULTILINGUAL_DECODER_DIR", "SHIPPED_DECODERS", "Backbone", "DecoderConfig",
    "InversionDecoder", "PrefixDecoder", "TrainingConfig", "build_backbone", "load_decoder", "register_backbone",
    "registered_backbones", "rerank", "train_decoder",
]
