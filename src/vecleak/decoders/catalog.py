"""Where the shipped decoders lie, by name: a table with no model code, so that any decoder module may read it."""

from __future__ import annotations

import json
from pathlib import Path

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


def decoder_folder(spec: str) -> Path:
    """A name of :data:`SHIPPED_DECODERS` -> its folder (it must hold weights); anything else is a folder path."""
    if spec in SHIPPED_DECODERS:
        folder, _ = SHIPPED_DECODERS[spec]
        if not (folder / "model.safetensors").is_file():
            raise CheckpointError(f"the shipped '{spec}' decoder is missing from this install; reinstall vecleak "
                                  "or name a decoder folder instead")
        return folder
    return Path(spec)


def shipped_encoder(spec: str) -> str | None:
    """The attacker encoder a shipped decoder was trained for (read from its config, no weights
    loaded); ``None`` for a folder that is not a shipped name."""
    if spec not in SHIPPED_DECODERS:
        return None
    config = json.loads((decoder_folder(spec) / "config.json").read_text(encoding="utf-8"))
    return config["encoder"]["name"]
