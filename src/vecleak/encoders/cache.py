"""Embed once, reuse: an on-disk cache of one vector per text, per encoder fingerprint.

``cache_dir/<name>-<fingerprint>/`` holds chunks (``chunk-*.npz``: SHA-256 digests of texts
and their vectors). A call embeds only the texts no chunk has yet and adds them as a new
chunk, so overlapping subsets are never re-encoded; the folder is keyed by
:meth:`Encoder.fingerprint` (spec, pooling, normalization and a digest of the model's
files), so a changed model or pre-processing starts a new folder instead of returning stale
vectors.
"""

from __future__ import annotations

import hashlib
import io
import os
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from vecleak.data.atomic import atomic_write_bytes
from vecleak.encoders.base import Encoder
from vecleak.errors import InputError, VecleakWarning


def check_cache_dir(cache_dir: str | os.PathLike[str] | None, *, given: bool = True,
                    setting: str = "cache_dir") -> Path | None:
    """The cache folder to use, checked before any work: a folder this process can write in, or
    one it can create. An unusable folder the user named (``given``) is refused with one line (a
    :class:`~vecleak.errors.ConfigError` naming ``setting``); an unusable default (say
    ``.vecleak-cache`` in a read-only working folder) is dropped with one warning line, and the
    run embeds without a cache (``None``)."""
    from vecleak.data.atomic import check_writable_dir

    if cache_dir is None:
        return None
    try:
        return check_writable_dir(cache_dir, setting=setting)
    except InputError as err:
        if given:
            raise
        warnings.warn(f"embedding without a cache: {err} (or give another {setting})", VecleakWarning, stacklevel=2)
        return None


def text_key(text: str) -> bytes:
    """The 16-byte key of one text (SHA-256 prefix of its UTF-8 bytes)."""
    return hashlib.sha256(text.encode("utf-8")).digest()[:16]


def cache_folder(encoder: Encoder, cache_dir: str | os.PathLike[str]) -> Path:
    """Where ``encoder``'s vectors are cached under ``cache_dir``."""
    safe = encoder.name.replace("/", "_").replace(":", "_")[-60:]
    return Path(cache_dir) / f"{safe}-{encoder.fingerprint()[:24]}"


def _load_chunks(folder: Path, dim: int) -> dict[bytes, tuple[np.ndarray, int]]:
    index: dict[bytes, tuple[np.ndarray, int]] = {}
    for chunk in sorted(folder.glob("chunk-*.npz")):
        try:
            with np.load(chunk, allow_pickle=False) as z:
                keys, vectors = z["keys"], z["vectors"]
        except (OSError, ValueError, KeyError):
            continue                       # a damaged chunk is ignored and its texts re-embedded
        if vectors.ndim != 2 or vectors.shape[1] != dim or len(keys) != len(vectors):
            continue
        for i, k in enumerate(keys):
            index[bytes(k)] = (vectors, i)
    return index


def encode_cached(encoder: Encoder, texts: Sequence[str], cache_dir: str | os.PathLike[str] | None,
                  **encode_kwargs) -> np.ndarray:
    """``encoder.encode(texts)``, reusing and extending ``cache_dir`` when given: ``(n, d)`` float32."""
    texts = list(texts)
    if cache_dir is None or not texts:
        return encoder.encode(texts, **encode_kwargs)
    folder = cache_folder(encoder, cache_dir)
    index = _load_chunks(folder, encoder.dim) if folder.is_dir() else {}
    keys = [text_key(t) for t in texts]
    unique_missing: dict[bytes, int] = {}      # key -> first row of a text no chunk holds yet
    for i, k in enumerate(keys):
        if k not in index:
            unique_missing.setdefault(k, i)
    if unique_missing:
        new_texts = [texts[i] for i in unique_missing.values()]
        vectors = np.ascontiguousarray(encoder.encode(new_texts, **encode_kwargs), dtype=np.float32)
        new_keys = np.frombuffer(b"".join(unique_missing), dtype=np.uint8).reshape(-1, 16)
        buf = io.BytesIO()
        np.savez(buf, keys=new_keys, vectors=vectors)
        digest = hashlib.sha256(new_keys.tobytes()).hexdigest()[:16]
        try:
            atomic_write_bytes(folder / f"chunk-{digest}.npz", buf.getvalue())
        except InputError as err:              # the cache is a convenience: the vectors are still good
            warnings.warn(f"embedding cache not updated: {err}", VecleakWarning, stacklevel=2)
        for j, k in enumerate(unique_missing):
            index[k] = (vectors, j)
    out = np.empty((len(texts), encoder.dim), dtype=np.float32)
    for i, k in enumerate(keys):
        vectors, row = index[k]
        out[i] = vectors[row]
    return out
