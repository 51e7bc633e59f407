"""Word readers that ship, by the encoder whose vectors they read (:mod:`vecleak.classifiers.word_reader`).

``words-minilm`` reads all-MiniLM-L6-v2 vectors; its ``config.json`` records the corpus it was
trained on, the vocabulary and its held-out scores.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vecleak.classifiers.word_reader import WordReader
from vecleak.errors import CheckpointError

_PRETRAINED = Path(__file__).resolve().parent / "pretrained"
#: encoder name -> shipped word-reader folder
SHIPPED_WORD_READERS = {"minilm": _PRETRAINED / "words-minilm"}


def word_reader_available(encoder_name: str) -> bool:
    """Whether a word reader ships for ``encoder_name``."""
    folder = SHIPPED_WORD_READERS.get(encoder_name)
    return folder is not None and (folder / "model.safetensors").is_file()


def load_word_reader(spec: str, encoder: Any, *, cache: str | None = None) -> WordReader:
    """The word reader for ``encoder``: the shipped one (``spec="auto"``) or the folder ``spec``."""
    if spec == "auto":
        if not word_reader_available(encoder.name):
            raise CheckpointError(f"no word reader ships for '{encoder.name}' (vecleak ships one for "
                                  f"{', '.join(SHIPPED_WORD_READERS)}); train one with scripts/train_word_reader.py")
        return WordReader.load(SHIPPED_WORD_READERS[encoder.name], encoder, cache=cache)
    return WordReader.load(spec, encoder, cache=cache)
