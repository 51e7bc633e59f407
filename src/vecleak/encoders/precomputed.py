"""Precomputed vectors as an encoder, for a user who holds only leaked embeddings.

Texts are looked up in a mapping from text to vector; a text without a vector is an error.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from vecleak.data.records import read_records, record_embeddings
from vecleak.data.vectors import check_vectors
from vecleak.encoders.base import Encoder
from vecleak.errors import InputError


class PrecomputedEncoder(Encoder):
    """Serves stored vectors for known texts.

    Args:
        texts: the texts, in the order of ``vectors``.
        vectors: ``(n, d)`` their embeddings.
        name: recorded name.
        normalize / pooling: what the producer of the vectors did, when known.
    """

    backend = "precomputed"

    def __init__(self, texts: list[str], vectors: np.ndarray, *, name: str = "precomputed",
                 normalize: bool = False, pooling: str = "unknown") -> None:
        vectors = check_vectors(vectors, name=name)
        if len(texts) != len(vectors):
            raise InputError(f"{name}: {len(texts)} texts but {len(vectors)} vectors; give one vector per text")
        self._index = {t: i for i, t in enumerate(texts)}
        self._vectors = vectors
        self.dim = vectors.shape[1]
        self.name = name
        self.normalize = normalize
        self.pooling = pooling

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> PrecomputedEncoder:
        """A ``.jsonl`` file whose lines carry ``text`` and ``embedding``."""
        path = Path(path)
        if path.suffix != ".jsonl":
            raise InputError(f"file:{path}: precomputed vectors need a .jsonl file with 'text' and 'embedding' per line")
        records = read_records(path)
        vectors = record_embeddings(records, path)
        if vectors is None:
            raise InputError(f"{path}: no 'embedding' fields; each line needs 'text' and 'embedding'")
        norms = np.linalg.norm(vectors, axis=1)
        return cls([r.text for r in records], vectors, name=f"file:{path}",
                   normalize=bool(np.allclose(norms, 1.0, atol=1e-3)))

    def _model_identity(self) -> str:
        import hashlib

        return hashlib.sha256(self._vectors.tobytes()).hexdigest()

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in texts if t not in self._index]
        if missing:
            raise InputError(f"{self.name}: no stored vector for text '{missing[0][:60]}'; "
                             "precomputed encoders only serve the texts they hold")
        return self._vectors[[self._index[t] for t in texts]]
