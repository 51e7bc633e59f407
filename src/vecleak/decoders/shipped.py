"""The decoders that ship in the package, by name (trained by the scripts the README lists)."""

from __future__ import annotations

from vecleak.decoders.catalog import DEFAULT_DECODER_DIR, MULTILINGUAL_DECODER_DIR, SHIPPED_DECODERS, decoder_folder
from vecleak.decoders.inversion_decoder import InversionDecoder

__all__ = ["DEFAULT_DECODER_DIR", "MULTILINGUAL_DECODER_DIR", "SHIPPED_DECODERS", "load_decoder"]


def load_decoder(spec: str) -> InversionDecoder:
    """A name of :data:`SHIPPED_DECODERS` (``"default"``, ``"multilingual"``, ...) -> that shipped
    decoder; anything else is a decoder folder."""
    return InversionDecoder.load(decoder_folder(spec))
