"""No alignment: the victim space is the attacker's own (``--align none``, vec2text's
``invert_embeddings`` setting: invert an encoder you can query, without leaked pairs)."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from vecleak.data.vectors import check_features, check_vectors
from vecleak.errors import InputError


class Identity(TransformerMixin, BaseEstimator):
    """``transform(X (n, d)) = X``; ``fit`` only records ``d`` (it needs no pairs: ``Y`` unused)."""

    def fit(self, X: np.ndarray, Y: np.ndarray | None = None) -> Identity:
        check_features(check_vectors(X, name="victim vectors"), self, reset=True)
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        if not hasattr(self, "n_features_in_"):
            raise InputError("this Identity aligner is not fitted yet; call fit(X) first")
        return check_features(check_vectors(X, name="victim vectors to decode"), self, reset=False,
                              name="victim vectors to decode")

    def __sklearn_tags__(self):  # noqa: D105
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags
