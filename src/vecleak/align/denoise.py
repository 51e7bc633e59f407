"""Denoise, then align: the attacker who knows a stochastic defense.

It embeds texts of its own with the (public) victim encoder, runs them through a fresh copy of
the defense (same mechanism and parameters, its own randomness and key), and learns a map from
defended back to clean victim vectors on those pairs; the usual few-shot alignment then runs on
denoised vectors. Against noise defenses this recovers much of what a plain few-shot attacker
loses (the 2026 denoise-then-invert attacks), so a noise row measured without it overstates
protection.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, clone

from vecleak.align.ridge import AlignerMixin, Ridge
from vecleak.data.vectors import check_features, check_vectors
from vecleak.errors import InputError


class DenoisedAligner(AlignerMixin, BaseEstimator):
    """``transform(X) = aligner(denoiser(X))``: ``denoiser`` maps defended ``(n, m)`` to clean
    victim vectors ``(n, m')`` (fitted before, on the attacker's own pairs), ``aligner`` maps
    those into the attacker space and is what :meth:`fit` learns from leaked pairs.

    A scikit-learn estimator (``clone`` gives an unfitted twin; ``fit`` fits a clone of
    ``aligner``, never the parameter itself).

    Args:
        denoiser: a fitted estimator with ``transform`` (e.g. :func:`fit_denoiser`'s); None: no
            denoising (the plain few-shot aligner).
        aligner: the few-shot aligner (default ``Ridge(alpha="auto")``).
    """

    def __init__(self, denoiser=None, aligner=None) -> None:
        self.denoiser = denoiser
        self.aligner = aligner

    def _denoise(self, X: np.ndarray) -> np.ndarray:
        return X if self.denoiser is None else self.denoiser.transform(X)

    def fit(self, X: np.ndarray, Y: np.ndarray) -> DenoisedAligner:
        X = check_features(check_vectors(X, name="victim vectors (X)", dtype=None), self, reset=True)
        self.aligner_ = clone(self.aligner) if self.aligner is not None else Ridge(alpha="auto")
        self.aligner_.fit(self._denoise(X), Y)
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        if not hasattr(self, "aligner_"):
            raise InputError("this DenoisedAligner is not fitted yet; call fit(X, Y) first")
        X = check_features(check_vectors(X, name="victim vectors to align", dtype=None), self, reset=False,
                           name="victim vectors to align")
        return self.aligner_.transform(self._denoise(X))

    @property
    def alpha_(self) -> float:
        return float(self.aligner_.alpha_)


class WienerDenoiser(BaseEstimator):
    """The linear minimum-mean-square-error denoiser, from (defended, clean) pairs.

    ``fit(D (n, m), X (n, m))`` estimates the clean covariance ``Σx`` and the noise covariance
    ``Σn`` of ``D − X`` (Ledoit-Wolf shrinkage); ``transform(D) = μx + (D − μd) (Σx + Σn)⁻¹ Σx``. Unlike a free ridge map
    from ``D`` to ``X`` (m² weights from n < m pairs, which fits the noise of its own pairs), it
    needs only the two covariances, so a few hundred pairs are enough even at m = 512.
    """

    def fit(self, D: np.ndarray, X: np.ndarray) -> WienerDenoiser:
        from sklearn.covariance import LedoitWolf

        D, X = np.asarray(D, np.float64), np.asarray(X, np.float64)
        self.mean_clean_, self.mean_defended_ = X.mean(0), D.mean(0)
        # shrunk covariances (Ledoit-Wolf): n < m pairs leave the sample ones rank-deficient
        cov_x = LedoitWolf(assume_centered=False).fit(X).covariance_
        cov_n = LedoitWolf(assume_centered=False).fit(D - X).covariance_
        self.W_ = np.linalg.solve(cov_x + cov_n + 1e-9 * np.eye(len(cov_x)), cov_x)
        return self

    def transform(self, D: np.ndarray) -> np.ndarray:
        return ((np.asarray(D, np.float64) - self.mean_defended_) @ self.W_ + self.mean_clean_).astype(np.float32)


def fit_denoiser(defended: np.ndarray, clean: np.ndarray) -> WienerDenoiser:
    """A :class:`WienerDenoiser` from defended ``(n, m)`` to clean ``(n, m)`` victim vectors."""
    return WienerDenoiser().fit(defended, clean)
