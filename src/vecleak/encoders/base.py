"""The encoder interface: texts in, ``(n, d)`` float32 vectors out, pre-processing recorded."""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from vecleak.errors import InputError

#: Inputs longer than this many texts get a progress bar unless the caller says otherwise.
PROGRESS_THRESHOLD = 2000


class Encoder(ABC):
    """A text encoder with explicit pooling and normalization.

    Subclasses set ``name``, ``dim``, ``pooling`` and ``normalize`` and implement
    :meth:`_encode_batch`. :meth:`spec` records all of them so a saved artifact can be
    checked against the encoder it meets later: mismatched pre-processing silently
    ruins inversion.
    """

    name: str
    dim: int
    pooling: str
    normalize: bool
    backend: str

    @abstractmethod
    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        """Embed one batch: ``(b, d)`` float32, already pooled and normalized as declared."""

    def encode(
        self,
        texts: Sequence[str],
        *,
        batch_size: int = 64,
        show_progress: bool | None = None,
    ) -> np.ndarray:
        """Embed ``texts`` into a float32 array of shape ``(n, dim)``.

        Args:
            texts: the strings to embed; empty strings are an error.
            batch_size: texts per forward pass.
            show_progress: a Rich progress bar; by default only for long inputs.
        """
        if isinstance(texts, str):
            raise InputError("encode() takes a list of texts, not a single string; wrap it in a list")
        texts = list(texts)
        for i, t in enumerate(texts):
            if not isinstance(t, str) or not t.strip():
                raise InputError(f"text {i} is empty or not a string; every text must be non-empty")
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if show_progress is None:
            show_progress = len(texts) >= PROGRESS_THRESHOLD
        # Batches of similar length waste little compute on padding; rows go back in input order.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
        ordered = [texts[i] for i in order]
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for start, batch in _progress(_batches(ordered, batch_size), len(texts), batch_size,
                                      f"encoding with {self.name}", show_progress):
            out[order[start:start + len(batch)]] = self._encode_batch(batch)
        return out

    def input_tokens(self, texts: Sequence[str]) -> tuple[int | None, list[int] | None]:
        """``(most tokens the encoder reads, each text's token count)``: an encoder truncates longer
        texts, so their vectors hold only the start. ``(None, None)`` when the encoder does not say."""
        return None, None

    def spec(self) -> dict[str, Any]:
        """What a saved artifact records about this encoder (JSON-serializable)."""
        return {
            "name": self.name,
            "backend": self.backend,
            "dim": int(self.dim),
            "pooling": self.pooling,
            "normalize": bool(self.normalize),
        }

    def fingerprint(self) -> str:
        """SHA-256 of what decides this encoder's outputs: :meth:`spec` plus the model's own
        identity (:meth:`_model_identity`). Caches key on it, so a changed model or pooling
        never returns stale vectors."""
        h = hashlib.sha256(json.dumps(self.spec(), sort_keys=True).encode())
        h.update(self._model_identity().encode())
        return h.hexdigest()

    def _model_identity(self) -> str:
        """What identifies the model behind the encoder (weights digest); subclasses extend it."""
        return type(self).__name__

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, dim={self.dim}, pooling={self.pooling!r}, normalize={self.normalize})"


def l2_normalize(x: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    """Row-wise L2 normalization of ``(n, d)``; zero rows stay zero."""
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.maximum(norms, eps)).astype(np.float32, copy=False)


def _batches(texts: list[str], batch_size: int) -> Iterator[tuple[int, list[str]]]:
    for start in range(0, len(texts), batch_size):
        yield start, texts[start:start + batch_size]


def _progress(items, total: int, batch_size: int, label: str, show: bool):
    if not show:
        yield from items
        return
    from rich.progress import Progress

    with Progress(transient=True) as progress:
        task = progress.add_task(label, total=total)
        for start, batch in items:
            yield start, batch
            progress.advance(task, len(batch))

