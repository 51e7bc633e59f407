"""Language codes: ISO 639-3 everywhere in vecleak; ISO 639-1 accepted with a note."""

from __future__ import annotations

import re
import warnings

from vecleak.errors import UnknownLanguageError, VecleakWarning

#: ISO 639-1 -> ISO 639-3 for the languages people most often type as two letters
#: (USE multilingual's 16 and the rest of Europe's larger ones).
ISO1_TO_ISO3 = {
    "ar": "arb", "zh": "cmn", "nl": "nld", "en": "eng", "de": "deu", "fr": "fra", "it": "ita",
    "pt": "por", "es": "spa", "ja": "jpn", "ko": "kor", "ru": "rus", "pl": "pol", "th": "tha",
    "tr": "tur", "cs": "ces", "da": "dan", "sv": "swe", "no": "nor", "nb": "nob", "fi": "fin",
    "el": "ell", "hu": "hun", "ro": "ron", "bg": "bul", "uk": "ukr", "ca": "cat", "eu": "eus",
    "gl": "glg", "hr": "hrv", "sr": "srp", "sk": "slk", "sl": "slv", "et": "est", "lv": "lav",
    "lt": "lit", "he": "heb", "hi": "hin", "vi": "vie", "id": "ind", "fa": "pes",
}
_ISO3 = re.compile(r"^[a-z]{3}$")


class LanguageCodeNote(VecleakWarning):
    """A two-letter code was read as its ISO 639-3 equivalent."""


def normalize_language(code: str) -> str:
    """``code`` as ISO 639-3 (``"de"`` -> ``"deu"`` with a :class:`LanguageCodeNote`).

    Raises :class:`UnknownLanguageError` for anything that is not a language code.
    """
    raw = code
    code = str(code).strip().lower()
    if code in ISO1_TO_ISO3:
        warnings.warn(f"language '{raw}' read as ISO 639-3 '{ISO1_TO_ISO3[code]}'", LanguageCodeNote, stacklevel=2)
        return ISO1_TO_ISO3[code]
    if _ISO3.match(code):
        return code
    raise UnknownLanguageError(f"'{raw}' is not a language code; give ISO 639-3 codes such as eng, deu, fra, spa")
