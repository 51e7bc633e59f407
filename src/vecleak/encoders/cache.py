"""Embed once, reuse: an on-disk cache keyed by the encoder spec and the exact texts."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from vecleak.data.atomic import atomic_write_bytes
from vecleak.encoders.base import Encoder


def cache_key(encoder: Encoder, texts: Sequence[str]) -> str:
    """SHA-256 over the encoder's spec and the texts, in order."""
    h = hashlib.sha256(json.dumps(encoder.spec(), sort_keys=True).encode())
    for t in texts:
        h.update(t.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()[:32]


def encode_cached(encoder: Encoder, texts: Sequence[str], cache_dir: str | os.PathLike[str] | None,
                  **encode_kwargs) -> np.ndarray:
    """``encoder.encode(texts)``, read from / written to ``cache_dir`` when given: ``(n, d)`` float32."""
    if cache_dir is None:
        return encoder.encode(texts, **encode_kwargs)
    path = Path(cache_dir) / f"{encoder.name.replace('/', '_').replace(':', '_')}-{cache_key(encoder, texts)}.npy"
    if path.is_file():
        x = np.load(path, allow_pickle=False)
        if x.shape == (len(texts), encoder.dim):
            return x
    x = encoder.encode(texts, **encode_kwargs)
    import io

    buf = io.BytesIO()
    np.save(buf, x, allow_pickle=False)
    atomic_write_bytes(path, buf.getvalue())
    return x
