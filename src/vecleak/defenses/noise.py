"""Noise on unit vectors: Gaussian with a fixed σ or σ calibrated to (ε, δ)-DP, and uniform ("white") noise.

All three defenses scale each input vector to unit norm first (so σ means the same thing for
every encoder and the DP sensitivity holds), then add noise of per-coordinate standard
deviation σ (``N(0, σ² I)``, or uniform on ``[−√3σ, √3σ]``); outputs are not renormalized. With per-coordinate σ, the expected ``cos(out, x)`` is about
``1 / sqrt(1 + d σ²)``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from vecleak.defenses.base import RandomDefense, check_epsilon, check_positive, unit_rows
from vecleak.errors import InputError


def dp_gaussian_sigma(epsilon: float, delta: float, sensitivity: float = 2.0) -> float:
    """The classic Gaussian-mechanism noise scale ``σ = sqrt(2 ln(1.25/δ)) · Δ / ε``.

    Dwork & Roth (2014, Thm A.1) prove (ε, δ)-DP with this σ for ε < 1 only; for larger ε it
    is a convention, not a proof (the analytic Gaussian mechanism of Balle & Wang 2018 gives
    the exact σ).
    """
    return math.sqrt(2.0 * math.log(1.25 / delta)) * sensitivity / epsilon


class Gaussian(RandomDefense):
    """Isotropic Gaussian noise: ``x/‖x‖ + N(0, σ² I)`` (σ is the per-coordinate standard deviation).

    No privacy guarantee is claimed; use :class:`DPGaussian` for σ calibrated to ε.

    Args:
        sigma: per-coordinate standard deviation, a finite number >= 0.
        seed: seed of the defense's generator; ``None`` draws fresh OS entropy.
    """

    name = "gaussian"

    def __init__(self, *, sigma: float, seed: int | None = None, secure: bool = False) -> None:
        self.sigma = check_positive(sigma, "sigma", allow_zero=True)
        super().__init__(seed=seed, secure=secure)

    def _params(self) -> dict[str, Any]:
        return {"sigma": self.sigma}

    def transform(self, E: np.ndarray, *, generator: np.random.Generator | None = None) -> np.ndarray:
        """Add noise to ``E: (n, d)`` after normalizing rows; returns ``(n, d)`` float32."""
        x = unit_rows(self._input(E), name=f"{self.name} input")
        noise = self._generator(generator).standard_normal(x.shape, dtype=np.float32)
        noise *= np.float32(self.sigma)
        noise += x
        return noise


class Uniform(Gaussian):
    """Uniform ("white") noise of the same per-coordinate standard deviation: ``x/‖x‖ + U(−√3 σ, √3 σ)^d``.

    No privacy guarantee is claimed; it is the white-noise perturbation of robustness tests.

    Args:
        sigma: per-coordinate standard deviation, a finite number >= 0.
        seed: seed of the defense's generator; ``None`` draws fresh OS entropy.
    """

    name = "uniform"

    def transform(self, E: np.ndarray, *, generator: np.random.Generator | None = None) -> np.ndarray:
        """Add noise to ``E: (n, d)`` after normalizing rows; returns ``(n, d)`` float32."""
        x = unit_rows(self._input(E), name=f"{self.name} input")
        half_width = math.sqrt(3.0) * self.sigma
        noise = self._generator(generator).uniform(-half_width, half_width, x.shape).astype(np.float32)
        noise += x
        return noise


class DPGaussian(Gaussian):
    """Gaussian mechanism with ``σ = sqrt(2 ln(1.25/δ)) · Δ / ε`` on unit vectors.

    ``Δ = 2`` by default: the L2 sensitivity of unit vectors (two unit vectors are at most 2
    apart). The classic analysis (Dwork & Roth 2014, Thm A.1) assumes ε < 1; above that σ is
    the customary formula, not a proven (ε, δ) bound. The noise standard deviation is σ
    (a public implementation draws ``σ · N(0, σ)``, i.e. standard deviation σ²; this one does not).

    Args:
        epsilon: privacy parameter, a finite number > 0.
        delta: failure probability in (0, 1).
        sensitivity: L2 sensitivity Δ of the (normalized) input, > 0.
        seed: seed of the defense's generator; ``None`` draws fresh OS entropy.

    Attributes:
        sigma: the computed per-coordinate standard deviation.
    """

    name = "dp-gaussian"

    def __init__(self, *, epsilon: float, delta: float = 1e-5, sensitivity: float = 2.0,
                 seed: int | None = None, secure: bool = False) -> None:
        self.epsilon = check_epsilon(epsilon)
        delta_f = check_positive(delta, "delta")
        if delta_f >= 1:
            raise InputError(f"delta must be a number in (0, 1), got {delta!r}")
        self.delta = delta_f
        self.sensitivity = check_positive(sensitivity, "sensitivity")
        super().__init__(sigma=dp_gaussian_sigma(self.epsilon, self.delta, self.sensitivity), seed=seed,
                         secure=secure)

    def _params(self) -> dict[str, Any]:
        return {"epsilon": self.epsilon, "delta": self.delta, "sensitivity": self.sensitivity,
                "sigma": self.sigma}
