"""Token-set decoding: which words a text contains, read off a vector ``(d,)`` by a multi-label classifier.

This is the multi-label inversion attack of Song & Raghunathan (2020, "Information Leakage in
Embedding Models"), the baseline GEIA and Eguard report beside generative decoders: it cannot
order words, so only token precision / recall / F1 are meaningful for it, but it is cheap to
train (seconds on a CPU) and a strong adaptive attacker on bag-of-words leakage. Words are the
metric tokens (:func:`vecleak.metrics.tokenize`, lower-cased alphanumeric), so its predictions
score exactly as they are counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from vecleak.errors import InputError
from vecleak.metrics import token_prf, tokenize
from vecleak.seeding import preserves_global_rng


class TokenVocabulary:
    """The ``max_size`` most frequent metric tokens of a corpus (ties by first appearance)."""

    def __init__(self, words: Sequence[str]) -> None:
        if not words:
            raise InputError("the token vocabulary is empty: give texts with at least one alphanumeric word")
        self.words = list(words)
        self.index = {w: i for i, w in enumerate(self.words)}

    @classmethod
    def build(cls, texts: Sequence[str], *, max_size: int = 8000, min_count: int = 1) -> TokenVocabulary:
        # dict.fromkeys, not set: a set's order of strings changes with PYTHONHASHSEED, and with it
        # which tied words make the cut and the index of every word (and so the trained model)
        counts = Counter(w for t in texts for w in dict.fromkeys(tokenize(t)))
        return cls([w for w, c in counts.most_common(max_size) if c >= min_count])

    def __len__(self) -> int:
        return len(self.words)

    def ids(self, text: str) -> list[int]:
        """Vocabulary ids of the distinct known tokens of ``text``."""
        return sorted({self.index[w] for w in tokenize(text) if w in self.index})

    def multi_hot(self, texts: Sequence[str]) -> torch.Tensor:
        """``(n, V)`` float 0/1: which vocabulary words each text contains."""
        out = torch.zeros(len(texts), len(self))
        for i, text in enumerate(texts):
            out[i, self.ids(text)] = 1.0
        return out


class TokenSetDecoder(nn.Module):
    """Vector ``(n, d)`` -> logits ``(n, V)`` over the vocabulary words (an MLP with one hidden layer)."""

    def __init__(self, dim: int, vocabulary: TokenVocabulary, *, hidden: int = 1024, dropout: float = 0.1) -> None:
        super().__init__()
        self.vocabulary = vocabulary
        self.net = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Dropout(dropout), nn.Linear(hidden, len(vocabulary)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)

    def fit(self, vectors: np.ndarray, texts: Sequence[str], *, epochs: int = 30, batch_size: int = 64,
            lr: float = 1e-3, weight_decay: float = 1e-4, seed: int = 0) -> TokenSetDecoder:
        """Train on ``vectors (n, d)`` of ``texts`` (binary cross-entropy per word); returns ``self``."""
        X = torch.as_tensor(np.asarray(vectors, np.float32))
        if X.ndim != 2 or len(X) != len(texts):
            raise InputError(f"{len(texts)} texts need ({len(texts)}, d) vectors, got {tuple(X.shape)}")
        fit_multilabel(self, X, self.vocabulary.multi_hot(texts), epochs=epochs, batch_size=batch_size, lr=lr,
                       weight_decay=weight_decay, seed=seed)
        return self

    threshold: float = 0.5

    def calibrate(self, vectors: np.ndarray, texts: Sequence[str],
                  grid: Sequence[float] = (0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5)) -> TokenSetDecoder:
        """Set :attr:`threshold` to the value of ``grid`` with the best mean token F1 on held-out pairs."""
        scores = {t: token_prf(self.predict(vectors, threshold=t), list(texts))["token_f1"] for t in grid}
        self.threshold = max(scores, key=scores.get)
        return self

    @torch.no_grad()
    def predict_proba(self, vectors: np.ndarray, *, batch_size: int = 1024) -> np.ndarray:
        """``(n, V)`` float32: each vocabulary word's probability of being in each vector's text."""
        self.eval()
        x = np.asarray(vectors, np.float32)
        parts = [torch.sigmoid(self(torch.from_numpy(x[i:i + batch_size]))).numpy()
                 for i in range(0, len(x), batch_size)]
        return np.concatenate(parts) if parts else np.zeros((0, len(self.vocabulary)), np.float32)

    @torch.no_grad()
    def predict(self, vectors: np.ndarray, *, threshold: float | None = None) -> list[str]:
        """Each vector's predicted words, most probable first, as one space-joined string per row.

        A word is predicted when its probability exceeds ``threshold`` (default: :attr:`threshold`);
        a row with none gets its single most probable word (an empty guess would score 0 whatever
        was leaked).
        """
        self.eval()
        threshold = self.threshold if threshold is None else threshold
        P = torch.sigmoid(self(torch.as_tensor(np.asarray(vectors, np.float32))))
        out = []
        for p in P:
            order = torch.argsort(p, descending=True)
            keep = order[p[order] > threshold].tolist() or [int(order[0])]
            out.append(" ".join(self.vocabulary.words[i] for i in keep))
        return out


@preserves_global_rng
def fit_multilabel(model: nn.Module, inputs: torch.Tensor, targets: torch.Tensor, *, epochs: int, batch_size: int,
                   lr: float, weight_decay: float = 0.0, seed: int = 0) -> list[float]:
    """Adam on ``BCEWithLogits(model(inputs[b]), targets[b])`` over shuffled mini-batches; returns per-epoch losses.

    ``inputs``: ``(n, ...)`` rows the model takes; ``targets``: ``(n, V)`` 0/1.
    """
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    loss_fn = nn.BCEWithLogitsLoss()
    losses = []
    model.train()
    for _ in range(epochs):
        total, n = 0.0, 0
        for idx in torch.randperm(len(inputs), generator=g).split(batch_size):
            loss = loss_fn(model(inputs[idx]), targets[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total, n = total + float(loss.detach()) * len(idx), n + len(idx)
        losses.append(total / max(n, 1))
    model.eval()
    return losses
