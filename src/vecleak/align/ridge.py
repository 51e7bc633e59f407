"""ALGEN alignment: a ridge least-squares map from the victim space into the attacker's.

Closed form ``W = (XᵀX + αI)⁻¹ XᵀY``; with fewer pairs than victim dimensions (b < m) the
same matrix is computed in the dual, ``W = Xᵀ(XXᵀ + αI)⁻¹Y``, which inverts a b × b system.
``alpha=0`` gives the minimum-norm least-squares solution ``X⁺Y``. ``alpha="auto"`` picks α
by exact leave-one-out error, computed in closed form from one SVD of X.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from sklearn.base import BaseEstimator, TransformerMixin

from vecleak.configs import ALPHA
from vecleak.constraints import Constraint, check_fields
from vecleak.data.vectors import check_features, check_vectors
from vecleak.errors import ConfigError, DimensionMismatchError, InputError

#: Relative α grid searched by ``alpha="auto"``, times the largest squared singular value of X.
AUTO_GRID = np.logspace(-6, 1, 36)


class AlignerMixin(TransformerMixin):
    """What every aligner shares: a supervised transformer from the victim's space into the
    attacker's (``Y`` is required and multi-output), float32 in and out."""

    def fit_transform(self, X: np.ndarray, y: np.ndarray) -> np.ndarray:
        """``fit(X, y)`` then ``transform(X)``: ``(b, d)`` float32."""
        return self.fit(X, y).transform(X)

    def __sklearn_tags__(self):  # noqa: D105
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True                     # Y: the attacker's vectors
        tags.target_tags.single_output = False
        tags.target_tags.multi_output = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags


class Ridge(AlignerMixin, BaseEstimator):
    """Linear map ``X (n, m) -> X W (n, d)`` fitted on b leaked (victim, attacker) pairs.

    Args:
        alpha: ridge strength ≥ 0, or ``"auto"`` (leave-one-out choice on the pairs).
        fit_intercept: centre both spaces first and learn an offset. ALGEN has none
            (the default), so ``alpha`` alone fixes the solution.
        alphas: absolute α values for ``"auto"``; by default :data:`AUTO_GRID` scaled by
            the largest squared singular value of X.

    Attributes:
        W_: ``(m, d)`` the fitted map.
        intercept_: ``(d,)`` offset (zeros without ``fit_intercept``).
        alpha_: the α used.
        loo_errors_: ``(len(alphas),)`` mean squared leave-one-out error per α (``"auto"`` only).

    Example:
        >>> from typing import ClassVar

import numpy as np
        >>> X = np.random.default_rng(0).normal(size=(50, 8))
        >>> W = np.random.default_rng(1).normal(size=(8, 3))
        >>> bool(np.allclose(Ridge(alpha=0).fit(X, X @ W).W_, W, atol=1e-4))
        True
    """

    def __init__(self, alpha: float | str = 1.0, *, fit_intercept: bool = False,
                 alphas: np.ndarray | None = None) -> None:
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.alphas = alphas

    #: Declared once (:data:`vecleak.configs.ALPHA`): ``alpha`` is ``"auto"`` or a finite number >= 0.
    CONSTRAINTS: ClassVar[dict[str, Constraint]] = {"alpha": ALPHA}

    def fit(self, X: np.ndarray, Y: np.ndarray) -> Ridge:
        """Fit on victim vectors ``X (b, m)`` and attacker vectors ``Y (b, d)`` of the same texts
        (a 1-D ``Y (b,)`` is one attacker coordinate, as scikit-learn's ``y``)."""
        check_fields(self, self.CONSTRAINTS)
        if Y is None:
            raise InputError("Ridge requires y to be passed, but the target y is None; give the attacker's "
                             "vectors Y (b, d) of the leaked texts")
        X = check_vectors(X, name="victim vectors (X)", dtype=None).astype(np.float64, copy=False)
        Y = np.asarray(Y)
        if Y.ndim == 1:
            Y = Y[:, None]
        Y = check_vectors(Y, name="attacker vectors (Y)", dtype=None).astype(np.float64, copy=False)
        if X.shape[0] != Y.shape[0]:
            raise DimensionMismatchError(
                f"{X.shape[0]} victim vectors but {Y.shape[0]} attacker vectors; "
                "alignment needs one attacker vector per leaked pair"
            )
        if self.fit_intercept:
            x_mean, y_mean = X.mean(0), Y.mean(0)
            X, Y = X - x_mean, Y - y_mean
        if self.alpha == "auto":
            self.alpha_, self.loo_errors_ = _loo_alpha(X, Y, self.alphas, intercept=self.fit_intercept)
        else:
            self.alpha_ = float(self.alpha)
        self.W_ = ridge_solve(X, Y, self.alpha_).astype(np.float32)
        self.intercept_ = (y_mean - x_mean @ self.W_).astype(np.float32) if self.fit_intercept \
            else np.zeros(Y.shape[1], np.float32)
        check_features(X, self, reset=True)
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Map victim vectors ``X (n, m)`` into the attacker space: ``(n, d)`` float32."""
        if not hasattr(self, "W_"):
            raise InputError("this Ridge aligner is not fitted yet; call fit(X, Y) first")
        X = check_features(check_vectors(X, name="victim vectors to align"), self, reset=False,
                           name="victim vectors to align")
        # float64 product: a row's result must not depend on its position in the batch (float32 GEMM
        # blocking differs by one ulp with the row order; scikit-learn's sample-order check sees it)
        return (X.astype(np.float64) @ np.asarray(self.W_, np.float64) + self.intercept_).astype(np.float32)




def ridge_solve(X: np.ndarray, Y: np.ndarray, alpha: float) -> np.ndarray:
    """``(XᵀX + αI)⁻¹XᵀY`` for ``X (b, m)``, ``Y (b, d)``: primal when b ≥ m, dual when b < m.

    ``alpha == 0`` returns the minimum-norm least-squares solution ``X⁺Y``.
    """
    b, m = X.shape
    if alpha == 0:
        return np.linalg.lstsq(X, Y, rcond=None)[0]
    if b < m:
        K = X @ X.T
        K[np.diag_indices_from(K)] += alpha
        return X.T @ _spd_solve(K, Y)
    G = X.T @ X
    G[np.diag_indices_from(G)] += alpha
    return _spd_solve(G, X.T @ Y)


def _spd_solve(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    from scipy.linalg import LinAlgError, cho_factor, cho_solve

    try:
        return cho_solve(cho_factor(A, lower=True, check_finite=False), B, check_finite=False)
    except LinAlgError:
        return np.linalg.solve(A, B)


def _loo_alpha(X: np.ndarray, Y: np.ndarray, alphas: np.ndarray | None, *,
               intercept: bool = False) -> tuple[float, np.ndarray]:
    """Exact leave-one-out ridge error for each α, from the thin SVD ``X = U S Vᵀ``.

    Hat matrix ``H = U diag(s²/(s²+α)) Uᵀ``; the LOO residual of pair i is
    ``(y_i − ŷ_i) / (1 − H_ii)``. With an (unpenalized) intercept, ``X`` and ``Y`` come
    centred and the hat matrix gains ``11ᵀ/b``: the held-out row is then also left out of the
    means, as a brute-force refit would (tested against one).
    """
    if X.shape[0] < 2:
        raise ConfigError.between("{alpha} 'auto' needs at least 2 leaked pairs, got 1 sample; give more pairs or a "
                                  "fixed {alpha}", "alpha")
    U, s, _ = np.linalg.svd(X, full_matrices=False)
    grid = np.asarray(alphas, dtype=np.float64) if alphas is not None else AUTO_GRID * s[0] ** 2
    if grid.ndim != 1 or len(grid) == 0 or (grid <= 0).any() or not np.isfinite(grid).all():
        raise InputError("alphas for alpha='auto' must be a non-empty list of finite numbers > 0")
    UtY = U.T @ Y
    U2 = U ** 2
    errors = np.empty(len(grid))
    for i, a in enumerate(grid):
        f = s ** 2 / (s ** 2 + a)
        resid = Y - U @ (f[:, None] * UtY)
        h = U2 @ f + (1.0 / X.shape[0] if intercept else 0.0)
        errors[i] = np.mean(np.sum(resid ** 2, axis=1) / np.maximum(1 - h, 1e-12) ** 2)
    return float(grid[int(np.argmin(errors))]), errors
