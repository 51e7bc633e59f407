"""Text encoders: ``encode(texts) -> (n, d)`` float32 with recorded pooling and normalization."""

from __future__ import annotations

from vecleak.encoders.base import Encoder, l2_normalize
from vecleak.encoders.cache import encode_cached
from vecleak.encoders.registry import encoder_names, load_encoder, register_encoder

__all__ = ["Encoder", "encode_cached", "encoder_names", "l2_normalize", "load_encoder", "register_encoder"]
