"""A bag-of-words text autoencoder: text -> latent ``z (dz,)`` -> the text's words.

Eguard measures how much a protected vector says about its text through a latent ``z`` of the
text, taken from an autoencoder the *defender* trains on its own unlabeled text (never the
attacker's model). This one encodes a text as the mean of learned word embeddings followed by a
tanh layer, and decodes ``z`` with a :class:`~vecleak.classifiers.token_set.TokenSetDecoder` head
back to the set of words the text contains: ``z`` is trained to hold exactly what the token
F1 / recall of an attack counts. It trains in seconds on a CPU; a generative decoder's latent
would also fit the interface (``encode(texts) -> (n, dz)``) but costs hours to train here.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from vecleak.classifiers.token_set import TokenVocabulary, fit_multilabel
from vecleak.seeding import preserves_global_rng


class BagOfWordsAutoencoder(nn.Module):
    """Texts -> ``z (n, latent_dim)`` in [-1, 1] -> logits ``(n, V)`` over the vocabulary words."""

    def __init__(self, vocabulary: TokenVocabulary, *, latent_dim: int = 128, embed_dim: int = 256) -> None:
        super().__init__()
        self.vocabulary = vocabulary
        self.latent_dim, self.embed_dim = latent_dim, embed_dim
        self.embed = nn.EmbeddingBag(len(vocabulary), embed_dim, mode="mean")
        self.to_latent = nn.Sequential(nn.Linear(embed_dim, latent_dim), nn.Tanh())
        self.head = nn.Linear(latent_dim, len(vocabulary))

    def _bags(self, texts: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        return _pack([self.vocabulary.ids(t) for t in texts])

    def latent(self, flat: torch.Tensor, offsets: torch.Tensor, empty: torch.Tensor) -> torch.Tensor:
        bag = self.embed(flat, offsets) * (~empty)[:, None]  # a text with no known word gets a zero bag
        return self.to_latent(bag)

    def forward(self, texts: Sequence[str]) -> torch.Tensor:
        """Reconstruction logits ``(n, V)``."""
        return self.head(self.latent(*self._bags(texts)))

    @torch.no_grad()
    def encode(self, texts: Sequence[str], *, batch_size: int = 1024) -> np.ndarray:
        """Latents ``(n, latent_dim)`` float32."""
        self.eval()
        parts = [self.latent(*self._bags(texts[i:i + batch_size])) for i in range(0, len(texts), batch_size)]
        return torch.cat(parts).numpy().astype(np.float32) if parts else np.zeros((0, self.latent_dim), np.float32)

    @classmethod
    @preserves_global_rng
    def train_on(cls, texts: Sequence[str], *, latent_dim: int = 128, max_vocab: int = 8000, epochs: int = 20,
                 batch_size: int = 128, lr: float = 3e-3, seed: int = 0) -> BagOfWordsAutoencoder:
        """Build a vocabulary from ``texts`` and train the autoencoder to rebuild each text's word set."""
        torch.manual_seed(seed)
        model = cls(TokenVocabulary.build(texts, max_size=max_vocab), latent_dim=latent_dim)
        targets = model.vocabulary.multi_hot(texts)
        rows = _TextRows(model, texts)
        model.reconstruction_loss_ = fit_multilabel(rows, torch.arange(len(texts)), targets, epochs=epochs,
                                                    batch_size=batch_size, lr=lr, seed=seed)[-1]
        return model


class _TextRows(nn.Module):
    """Adapts the autoencoder to :func:`fit_multilabel`, whose inputs are row indices into ``texts``."""

    def __init__(self, model: BagOfWordsAutoencoder, texts: Sequence[str]) -> None:
        super().__init__()
        self.model = model
        self.flat_ids = [model.vocabulary.ids(t) for t in texts]

    def forward(self, rows: torch.Tensor) -> torch.Tensor:
        return self.model.head(self.model.latent(*_pack([self.flat_ids[int(i)] for i in rows])))


def _pack(ids: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """EmbeddingBag input for id lists: flat ids, start offsets, and which lists are empty."""
    empty = torch.tensor([len(i) == 0 for i in ids])
    flat = torch.tensor([j for i in ids for j in i] or [0], dtype=torch.long)
    offsets = torch.tensor(np.cumsum([0] + [len(i) for i in ids[:-1]]), dtype=torch.long)
    return flat, offsets, empty
