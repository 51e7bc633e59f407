"""Which words a vector holds, read against each word's own embedding: a bag-of-words attacker
for any vocabulary, small enough to ship.

A multi-label classifier with one output per word (:mod:`vecleak.classifiers.token_set`) only
knows the words of its training corpus and learns each from its examples; off that corpus it
finds few content words. This reader scores a word ``w`` for a vector ``t (d,)`` through the
encoder's own vector of the word alone, ``e_w = E(w)``:

``p(w in text | t) = sigmoid(g(t)^T A f(e_w) + u^T f(e_w) + c + b_w)``,
``f(e) = e + P e + b``,  ``g(t) = t + MLP(t)``,

so every word the encoder can embed has a score, seen in training or not (Wikipedia names,
medical terms). ``A (d, d)``, ``P``, ``b``, ``u`` and ``c`` are trained once per encoder on the
attacker's corpus; format 2 readers add the query network ``g`` (one hidden layer) and a bias
``b_w`` per vocabulary word (a format 1 reader has ``g(t) = t`` and no ``b_w``). Training:
``scripts/train_word_reader.py``, binary cross-entropy over the whole vocabulary per text
(sentences, and passages joined from them); the word vectors are computed at load time (cached) from the
encoder. The decision threshold is chosen on held-out pairs of the attacker's corpus.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from vecleak.errors import CheckpointError, InputError

CONFIG_FILE, WEIGHTS_FILE = "config.json", "model.safetensors"


class WordScorer(nn.Module):
    """``(t (n, d), e (V, d)) -> logits (n, V)`` of the bilinear reader.

    Args:
        dim: the encoder's dimension ``d``.
        hidden: width of the query network ``g`` (0: ``g(t) = t``, format 1).
        vocab_size: ``V`` when each word has its own bias ``b_w`` (0: none, format 1).
    """

    def __init__(self, dim: int, *, hidden: int = 0, vocab_size: int = 0) -> None:
        super().__init__()
        self.A = nn.Parameter(torch.eye(dim) * 5.0)
        self.u = nn.Parameter(torch.zeros(dim))
        self.c = nn.Parameter(torch.tensor(-6.0))
        self.P = nn.Linear(dim, dim)
        self.hidden, self.vocab_size = int(hidden), int(vocab_size)
        if self.hidden:
            self.g = nn.Sequential(nn.Linear(dim, self.hidden), nn.GELU(), nn.Linear(self.hidden, dim))
            nn.init.zeros_(self.g[2].weight)            # starts as g(t) = t
            nn.init.zeros_(self.g[2].bias)
        if self.vocab_size:
            self.word_bias = nn.Parameter(torch.zeros(self.vocab_size))

    def features(self, e: torch.Tensor) -> torch.Tensor:
        """``f(e) = e + P e + b`` for word vectors ``e (V, d)``."""
        return e + self.P(e)

    def query(self, t: torch.Tensor) -> torch.Tensor:
        """``g(t) (n, d)`` for target vectors ``t (n, d)``."""
        return t + self.g(t) if self.hidden else t

    def logits(self, t: torch.Tensor, f: torch.Tensor) -> torch.Tensor:
        """``(n, V)`` logits from targets ``t (n, d)`` and word features ``f (V, d)``."""
        out = (self.query(t) @ self.A) @ f.T + f @ self.u + self.c
        return out + self.word_bias if self.vocab_size else out

    def forward(self, t: torch.Tensor, e: torch.Tensor) -> torch.Tensor:
        return self.logits(t, self.features(e))


class WordReader:
    """A trained :class:`WordScorer` over a vocabulary, with the encoder's vectors of its words.

    Args:
        scorer: the trained scorer.
        words: the vocabulary (lower-case metric tokens).
        word_vectors: ``(V, d)`` the encoder's vectors of ``words``.
        threshold: probability above which :meth:`predict` reports a word.
        encoder_spec: the encoder whose space it reads.
    """

    def __init__(self, scorer: WordScorer, words: Sequence[str], word_vectors: np.ndarray, *, threshold: float = 0.2,
                 encoder_spec: dict[str, Any] | None = None) -> None:
        if len(words) != len(word_vectors):
            raise InputError(f"{len(words)} words but {len(word_vectors)} word vectors")
        if scorer.vocab_size and scorer.vocab_size != len(words):
            raise InputError(f"the scorer has a bias for {scorer.vocab_size} words but the vocabulary has {len(words)}")
        self.scorer, self.words, self.threshold = scorer.eval(), list(words), float(threshold)
        self.encoder_spec = encoder_spec or {}
        with torch.no_grad():
            self._features = scorer.features(torch.as_tensor(np.asarray(word_vectors, np.float32)))

    @property
    def vocabulary(self) -> WordReader:
        """The reader itself, which has ``words`` (the interface of a token-set reader's vocabulary)."""
        return self

    @torch.no_grad()
    def predict_proba(self, vectors: np.ndarray, *, batch_size: int = 256) -> np.ndarray:
        """``(n, V)`` float32: each word's probability of being in each vector's text."""
        x = torch.as_tensor(np.asarray(vectors, np.float32))
        parts = [torch.sigmoid(self.scorer.logits(x[i:i + batch_size], self._features)).numpy()
                 for i in range(0, len(x), batch_size)]
        return np.concatenate(parts) if parts else np.zeros((0, len(self.words)), np.float32)

    def candidates(self, vectors: np.ndarray, k: int) -> list[list[str]]:
        """The ``k`` most probable words of each vector, most probable first."""
        probs = self.predict_proba(vectors)
        top = np.argpartition(-probs, min(k, probs.shape[1] - 1), axis=1)[:, :k]
        return [[self.words[j] for j in row[np.argsort(-p[row])]] for row, p in zip(top, probs)]

    def predict(self, vectors: np.ndarray, *, threshold: float | None = None) -> list[str]:
        """Each vector's words above ``threshold`` (default: the calibrated one), most probable
        first, space-joined; a row with none gets its single most probable word."""
        threshold = self.threshold if threshold is None else threshold
        out = []
        for p in self.predict_proba(vectors):
            order = np.argsort(-p)
            keep = order[p[order] > threshold]
            out.append(" ".join(self.words[j] for j in (keep if len(keep) else order[:1])))
        return out

    def save(self, folder: str | os.PathLike[str], *, info: dict[str, Any] | None = None) -> Path:
        """Write the scorer (float16, a few hundred kB), the vocabulary, threshold and encoder
        spec into ``folder`` atomically; the word vectors are not saved (recomputed at load)."""
        from vecleak.data.atomic import write_model_folder
        from vecleak.data.finite import check_finite_state

        state = {k: v.detach().to(torch.float16).contiguous() for k, v in self.scorer.state_dict().items()}
        check_finite_state(state, f"the word reader for {folder}", fix="train it again (nothing was saved)")
        s = self.scorer
        shape = {"hidden": s.hidden, "word_bias": bool(s.vocab_size)} if s.hidden or s.vocab_size else {}
        config = {"kind": "word-reader", "format": 2 if shape else 1, "encoder": self.encoder_spec,
                  "dim": int(s.u.shape[0]), **shape, "threshold": self.threshold, "words": self.words, **(info or {})}
        return write_model_folder(folder, json_files={CONFIG_FILE: config}, tensor_files={WEIGHTS_FILE: state})

    @classmethod
    def load(cls, folder: str | os.PathLike[str], encoder: Any, *, cache: str | os.PathLike[str] | None = None
             ) -> WordReader:
        """A reader saved by :meth:`save`, with its word vectors computed by ``encoder`` (which
        must be the one it was trained for); a corrupt folder is a one-line :class:`CheckpointError`."""
        from safetensors import SafetensorError
        from safetensors.torch import load_file

        from vecleak.data.finite import check_finite_state
        from vecleak.encoders.cache import encode_cached

        folder = Path(folder)
        try:
            config = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))
            if config.get("kind") != "word-reader":
                raise ValueError("not a word reader")
            state = load_file(str(folder / WEIGHTS_FILE))
            check_finite_state(state, str(folder / WEIGHTS_FILE), fix="train the reader again")
            words = [str(w) for w in config["words"]]
            scorer = WordScorer(int(config["dim"]), hidden=int(config.get("hidden", 0)),
                                vocab_size=len(words) if config.get("word_bias") else 0)
            scorer.load_state_dict({k: v.float() for k, v in state.items()})
        except CheckpointError:
            raise
        except (OSError, KeyError, TypeError, ValueError, RuntimeError, SafetensorError) as err:
            raise CheckpointError(f"{folder}: not a readable word reader ({type(err).__name__}: "
                                  f"{str(err).splitlines()[0][:120] if str(err) else ''}); train one with "
                                  "scripts/train_word_reader.py") from None
        if config["encoder"].get("name") != encoder.name or int(config["dim"]) != encoder.dim:
            raise CheckpointError(f"{folder} reads {config['encoder'].get('name')} vectors, not {encoder.name}'s; "
                                  "use the reader trained for this encoder")
        vectors = encode_cached(encoder, words, cache, batch_size=256)
        return cls(scorer, words, vectors, threshold=float(config["threshold"]), encoder_spec=config["encoder"])
