"""The decoders that ship in the package, by name (trained by the scripts the README lists)."""

from __future__ import annotations

from pathlib import Path

from vecleak.decoders.inversion_decoder import InversionDecoder
from vecleak.errors import CheckpointError

_PRETRAINED = Path(__file__).resolve().parent / "pretrained"
DEFAULT_DECODER_DIR = _PRETRAINED / "minilm-bert-causal"
MULTILINGUAL_DECODER_DIR = _PRETRAINED / "use-multilingual-bert-causal"

#: Shipped decoders: name -> (folder, what it is).
SHIPPED_DECODERS = {
    "default": (DEFAULT_DECODER_DIR, "English, for the MiniLM attacker space"),
    "multilingual": (MULTILINGUAL_DECODER_DIR, "eng deu fra nld spa ita por, for the use-multilingual attacker space"),
    "use-english": (_PRETRAINED / "use-english-bert-causal",
                    "English only, for the use-multilingual attacker space (the seed's single-language attack model)"),
    "use-spanish": (_PRETRAINED / "use-spanish-bert-causal",
                    "Spanish only, for the use-multilingual attacker space (the seed's Spanish attack model, Fig. 7)"),
    "gemma3-multilingual": (_PRETRAINED / "gemma3-multilingual-prefix",
                            "eng deu fra nld spa ita por, for the mean-pooled Gemma 3 270M attacker space: a prefix "
                            "MLP of its own on the 'multilingual' decoder's frozen backbone (attacks a "
                            "use-multilingual victim)"),
}


def load_decoder(spec: str) -> InversionDecoder:
    """A name of :data:`SHIPPED_DECODERS` (``"default"``, ``"multilingual"``, ...) -> that shipped
    decoder; anything else is a decoder folder."""
    if spec in SHIPPED_DECODERS:
        folder, _ = SHIPPED_DECODERS[spec]
        if not (folder / "model.safetensors").is_file():
            raise CheckpointError(f"the shipped '{spec}' decoder is missing from this install; reinstall vecleak "
                                  "or pass --decoder DIR")
        return InversionDecoder.load(folder)
    return InversionDecoder.load(spec)
