"""The decoder that ships in the package (trained by ``vecleak train-decoder``; see README)."""

from __future__ import annotations

from pathlib import Path

from vecleak.decoders.inversion_decoder import InversionDecoder
from vecleak.errors import CheckpointError

DEFAULT_DECODER_DIR = Path(__file__).resolve().parent / "pretrained" / "minilm-bert-causal"


def load_decoder(spec: str) -> InversionDecoder:
    """``"default"`` -> the shipped decoder; anything else is a decoder folder."""
    if spec == "default":
        if not (DEFAULT_DECODER_DIR / "model.safetensors").is_file():
            raise CheckpointError("the shipped default decoder is missing from this install; reinstall vecleak "
                                  "or pass --decoder DIR")
        return InversionDecoder.load(DEFAULT_DECODER_DIR)
    return InversionDecoder.load(spec)
