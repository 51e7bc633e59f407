"""Which known encoder produced a set of stored vectors?

Re-embed a few stored texts with every known encoder of the right dimension and compare
directions: the encoder that made the vectors reproduces them with cosine ~1. Cosine ignores
length, so the vectors' norms are checked apart: a match whose stored vectors are not unit
length was stored without the model's normalization (or with another scaling), which is
reported, not hidden. A high but imperfect cosine (another pooling, a missing Dense layer, a
fine-tuned copy) is not a match.

Example:
    >>> match = identify_encoder(texts[:16], vectors[:16])      # doctest: +SKIP
    >>> match.name, round(match.match_cosine, 3), match.normalized
    ('minilm', 1.0, True)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from vecleak.encoders.base import Encoder
from vecleak.errors import InputError

#: Output dimension of each named encoder, so only candidates of the stored dimension are loaded.
KNOWN_DIMS = {"minilm": 384, "use-multilingual": 512, "smollm2": 576, "gemma3": 640}
#: Mean cosine over the probe rows above which an encoder is taken to be the one that made them.
MATCH_COSINE = 0.99
#: Below a match but above this, the vectors look like a variant of the encoder.
NEAR_COSINE = 0.8


@dataclass
class EncoderMatch:
    """The outcome of :func:`identify_encoder`.

    ``name`` is ``None`` when no known encoder reproduces the vectors (a black-box audit);
    ``tried`` maps every candidate to its mean cosine; ``normalized`` says whether the
    *stored* vectors are unit length; ``note`` explains a mismatch in one sentence.
    """

    name: str | None
    match_cosine: float
    normalized: bool
    pooling: str | None = None
    encoder: Encoder | None = None
    tried: dict[str, float] = field(default_factory=dict)
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "pooling": self.pooling, "normalized": self.normalized,
                "match_cosine": round(float(self.match_cosine), 6), "tried": self.tried, "note": self.note}


def unit_length(vectors: np.ndarray, tol: float = 1e-3) -> bool:
    """Whether every row of ``vectors (n, d)`` has L2 norm 1 within ``tol``."""
    norms = np.linalg.norm(np.asarray(vectors, np.float64), axis=1)
    return bool(len(norms) and np.all(np.abs(norms - 1.0) < tol))


def match_cosine(encoder: Encoder, texts: Sequence[str], vectors: np.ndarray) -> float:
    """Mean cosine between ``encoder(texts)`` and the stored ``vectors (n, d)``."""
    from vecleak.metrics import cosine_rows

    return float(np.mean(cosine_rows(encoder.encode(list(texts)), np.asarray(vectors, np.float32))))


def identify_encoder(texts: Sequence[str], vectors: np.ndarray, *, candidates: Sequence[str] | None = None,
                     load: Callable[[str], Encoder] | None = None) -> EncoderMatch:
    """Find the known encoder that reproduces ``vectors (n, d)`` from ``texts`` (n of each; 16 is plenty).

    Args:
        candidates: encoder names to try (default: every name in :data:`KNOWN_DIMS` of dimension ``d``).
        load: builds an encoder from a name (default :func:`vecleak.encoders.load_encoder`).
    """
    from vecleak.encoders.registry import load_encoder

    vectors = np.asarray(vectors, np.float32)
    if len(texts) != len(vectors) or not len(texts):
        raise InputError(f"identify_encoder needs one text per vector, got {len(texts)} texts and {len(vectors)} vectors")
    dim = vectors.shape[1]
    load = load or load_encoder
    names = list(candidates) if candidates is not None else [n for n, d in KNOWN_DIMS.items() if d == dim]
    normalized = unit_length(vectors)
    tried: dict[str, float] = {}
    encoders: dict[str, Encoder] = {}
    for name in names:
        enc = load(name)
        if enc.dim != dim:
            tried[name] = float("nan")
            continue
        encoders[name] = enc
        tried[name] = round(match_cosine(enc, texts, vectors), 6)
    scored = {n: c for n, c in tried.items() if np.isfinite(c)}
    if not scored:
        return EncoderMatch(None, 0.0, normalized, tried=tried,
                            note=f"no known encoder makes {dim}-d vectors; the audit runs as a black box "
                                 "from leaked pairs alone")
    best = max(scored, key=scored.get)
    cos = scored[best]
    if cos < MATCH_COSINE:
        near = (f"closest is {best} (cosine {cos:.3f}): the same model with another pooling, a missing Dense "
                "layer or fine-tuned weights? " if cos >= NEAR_COSINE else "")
        return EncoderMatch(None, cos, normalized, tried=tried,
                            note=f"{near}no known encoder reproduces the vectors; the audit runs as a black box "
                                 "from leaked pairs alone")
    enc = encoders[best]
    note = ""
    if normalized != bool(enc.normalize):
        note = (f"{best} {'normalizes' if enc.normalize else 'does not normalize'} its outputs but the stored "
                f"vectors {'are' if normalized else 'are not'} unit length: they were stored with another "
                "scaling (directions match, so the inversion is unaffected)")
    return EncoderMatch(best, cos, normalized, pooling=enc.pooling, encoder=enc, tried=tried, note=note)
