"""Local-DP mechanisms for sentence embeddings: PurMech and LapMech (Du et al., 2023).

Both first scale each vector to unit norm ``x``, then:

* **PurMech** (Purkayastha mechanism, Weggenmann & Kerschbaum 2021, used for sentence
  embeddings by Du et al. 2023 "Sanitizing Sentence Embeddings (and Labels) for Local
  Differential Privacy"): draw an angle ``θ ∈ [0, π]`` with density
  ``p(θ) ∝ exp(−ε θ) sin^{d−2} θ`` and a direction ``v`` uniform among unit vectors orthogonal
  to ``x``; output ``cos θ · x + sin θ · v`` (unit norm). The output density on the sphere is
  ``∝ exp(−ε · angle(x, y))``, so the mechanism is ε·d_θ private in the angular metric
  (radians): for any two inputs the density ratio is at most ``exp(ε · angle(x, x'))`` ≤
  ``exp(ε π)``, i.e. (επ)-LDP in the classical sense.
* **LapMech** (normalized planar Laplace, the multivariate Laplace of Feyisetan et al. 2020
  on unit vectors): output ``x + r u`` with ``u`` uniform on the sphere and
  ``r ~ Gamma(shape=d, rate=ε)``; that is the density ``∝ exp(−ε ‖y − x‖)`` on ``R^d``, ε·d_2
  private, so (2ε)-LDP for unit inputs (the largest distance between two unit vectors is 2).
  The output is not renormalized: its expected noise norm is ``d / ε``.

Utility at the usual ε: for ε ≪ d, PurMech's angle concentrates at ``θ ≈ π/2 − ε/(d−2)``, so
``cos(out, x) ≈ ε/(d−2)`` (≈ 0.024 at d = 512, ε = 12); LapMech's noise norm ``d/ε`` dwarfs the
unit signal. Both keep aggregate statistics over many vectors, not individual vectors.

PurMech draws ``θ`` through inverse-CDF tables per ``(d, ε)`` built in log space and cached:
one on a fine grid over the core region where the log-density is within
:data:`TABLE_LOG_SPAN` of its peak, and one for each tail outside it, reached with the
tails' exact probability (a binomial draw, since ~e^{-50} is far below a uniform's
resolution). Every θ in ``[0, π]`` can therefore occur, as the pure επ guarantee needs; a
table truncated to the core (as this module's first version was) makes outputs near some
inputs impossible and is only (επ, δ)-private. The public reference bisects numerically
integrated CDFs per sample, which is thousands of times slower.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.optimize import brentq

from vecleak.defenses.base import RandomDefense, check_epsilon, unit_rows
from vecleak.errors import InputError

#: Grid points of the PurMech inverse-CDF table.
TABLE_POINTS = 1 << 14
#: The table covers the θ where log p(θ) > max log p − TABLE_LOG_SPAN (all but ~e^-50 of the mass).
TABLE_LOG_SPAN = 50.0


def purkayastha_log_density(theta: np.ndarray, d: int, epsilon: float) -> np.ndarray:
    """Unnormalized ``log p(θ) = −ε θ + (d − 2) log sin θ`` for ``θ: (k,)`` in ``[0, π]``."""
    theta = np.asarray(theta, dtype=np.float64)
    if d == 2:
        return -epsilon * theta
    with np.errstate(divide="ignore"):
        return -epsilon * theta + (d - 2) * np.log(np.sin(theta))


def purkayastha_mode(d: int, epsilon: float) -> float:
    """The θ of highest density: ``arctan((d − 2)/ε)``, or 0 for d = 2."""
    return 0.0 if d == 2 else math.atan2(d - 2, epsilon)


def _segment_table(theta: np.ndarray, log_dens: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Trapezoid inverse-CDF table of one interval: ``(cdf, theta, log mass)``; ``log_dens`` is
    relative to the global peak, so masses of several intervals compare."""
    top = float(log_dens.max())
    dens = np.exp(log_dens - top)
    pieces = 0.5 * (dens[1:] + dens[:-1]) * np.diff(theta)
    cdf = np.concatenate([[0.0], np.cumsum(pieces)])
    mass = float(cdf[-1])
    log_mass = top + math.log(mass) if mass > 0 else -math.inf
    if mass > 0:
        cdf /= mass
    keep = np.concatenate([[True], np.diff(cdf) > 0])
    return cdf[keep], theta[keep], log_mass


@functools.lru_cache(maxsize=64)
def purkayastha_tails(d: int, epsilon: float) -> tuple[float, float, tuple, tuple]:
    """The mass outside :func:`purkayastha_table`'s core: ``(p_left, p_right, left, right)``,
    the tails' probabilities and their ``(cdf, theta)`` tables (``[0, lo]`` and ``[hi, π]``)."""
    mode = purkayastha_mode(d, epsilon)
    peak = float(purkayastha_log_density(np.array([mode]), d, epsilon)[0])
    cdf_core, theta_core = purkayastha_table(d, epsilon)
    lo, hi = float(theta_core[0]), float(theta_core[-1])
    core = np.linspace(lo, hi, TABLE_POINTS)
    _, _, log_core = _segment_table(core, purkayastha_log_density(core, d, epsilon) - peak)
    tables, logs = [], []
    for a, b in ((0.0, lo), (hi, math.pi)):
        if b - a <= 0:
            tables.append((np.array([a, a]), np.array([a, a])))
            logs.append(-math.inf)
            continue
        t = np.linspace(a, b, TABLE_POINTS // 4)
        with np.errstate(divide="ignore"):
            cdf, th, log_mass = _segment_table(t, purkayastha_log_density(t, d, epsilon) - peak)
        tables.append((cdf, th))
        logs.append(log_mass)
    log_total = np.logaddexp.reduce([log_core, *logs])
    p_left, p_right = (math.exp(x - log_total) if x > -math.inf else 0.0 for x in logs)
    return p_left, p_right, tables[0], tables[1]


@functools.lru_cache(maxsize=64)
def purkayastha_table(d: int, epsilon: float) -> tuple[np.ndarray, np.ndarray]:
    """Inverse-CDF table of the PurMech angle: ``(cdf: (k,), theta: (k,))``, both increasing.

    ``log p`` is concave on ``(0, π)`` for ``d > 2``, so the region where it lies within
    :data:`TABLE_LOG_SPAN` of its maximum is one interval, found by root finding on each side
    of the mode. The density is evaluated relative to its maximum (no under- or overflow even
    for ``sin^510``), integrated by the trapezoid rule on :data:`TABLE_POINTS` points, and
    normalized; cells whose mass rounds to zero are dropped so ``cdf`` is strictly increasing.
    The arrays are read-only (they are shared through the cache).
    """
    mode = purkayastha_mode(d, epsilon)
    peak = float(purkayastha_log_density(np.array([mode]), d, epsilon)[0])
    target = peak - TABLE_LOG_SPAN

    def gap(t: float) -> float:
        return float(purkayastha_log_density(np.array([t]), d, epsilon)[0]) - target

    tiny = math.ulp(0.0)
    lo = 0.0 if mode == 0.0 or gap(tiny) > 0 else brentq(gap, tiny, mode, xtol=1e-15)
    top = math.pi - 1e-12
    hi = math.pi if gap(top) > 0 else brentq(gap, mode, top, xtol=1e-15)
    theta = np.linspace(lo, hi, TABLE_POINTS)
    dens = np.exp(purkayastha_log_density(theta, d, epsilon) - peak)
    cdf = np.concatenate([[0.0], np.cumsum(0.5 * (dens[1:] + dens[:-1]) * np.diff(theta))])
    cdf /= cdf[-1]
    keep = np.concatenate([[True], np.diff(cdf) > 0])
    cdf, theta = cdf[keep], theta[keep]
    cdf.flags.writeable = False
    theta.flags.writeable = False
    return cdf, theta


def purkayastha_angles(n: int, d: int, epsilon: float, generator: np.random.Generator) -> np.ndarray:
    """``(n,)`` float64 angles with density ``∝ exp(−ε θ) sin^{d−2} θ`` on all of ``[0, π]``:
    the core table for most draws, each tail with its exact probability."""
    if d < 2:
        raise InputError(f"purmech needs vectors of dimension >= 2, got {d}")
    d, epsilon = int(d), check_epsilon(epsilon)
    cdf, theta = purkayastha_table(d, epsilon)
    out = np.interp(generator.random(n), cdf, theta)
    p_left, p_right, left, right = purkayastha_tails(d, epsilon)
    n_left, n_right, _ = generator.multinomial(n, [p_left, p_right, max(0.0, 1.0 - p_left - p_right)])
    if n_left or n_right:
        rows = generator.permutation(n)[:n_left + n_right]
        out[rows[:n_left]] = np.interp(generator.random(n_left), *left)
        out[rows[n_left:]] = np.interp(generator.random(n_right), *right)
    return out


def purmech(x: np.ndarray, *, epsilon: float, generator: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Perturb unit rows ``x: (n, d)`` float32 by PurMech; returns ``(out: (n, d) float32, θ: (n,))``.

    ``θ`` is the angle between each output and its input (``out · x = cos θ``).
    """
    n, d = x.shape
    theta = purkayastha_angles(n, d, epsilon, generator)
    # float32 is exact enough from a few dozen dimensions on; below, the part of v orthogonal
    # to x can be small enough for float32 rounding (in v and in ‖x‖ − 1) to show: use float64
    work = np.float32 if d >= 64 else np.float64
    if work is np.float64:
        x = x.astype(np.float64)
        x /= _norms(x)[:, None]
    v = generator.standard_normal((n, d), dtype=work)
    v -= np.einsum("ij,ij->i", v, x)[:, None] * x
    v *= (np.sin(theta) / np.maximum(_norms(v), 1e-30)).astype(work)[:, None]
    v += np.cos(theta).astype(work)[:, None] * x
    return v.astype(np.float32, copy=False), theta


def _norms(x: np.ndarray) -> np.ndarray:
    """Row L2 norms of ``x: (n, d)`` as ``(n,)``, without an ``(n, d)`` temporary."""
    return np.sqrt(np.einsum("ij,ij->i", x, x)).astype(np.float64)


class _SphereMechanism(RandomDefense):
    """An ε-mechanism on unit vectors: normalize each row, then apply ``_mechanism`` to it."""

    _mechanism: Callable[..., tuple[np.ndarray, np.ndarray]]

    def __init__(self, *, epsilon: float, seed: int | None = None, secure: bool = False) -> None:
        self.epsilon = check_epsilon(epsilon)
        super().__init__(seed=seed, secure=secure)

    def _params(self) -> dict[str, Any]:
        return {"epsilon": self.epsilon}

    def transform(self, E: np.ndarray, *, generator: np.random.Generator | None = None) -> np.ndarray:
        """Perturb ``E: (n, d)``; returns ``(n, d)`` float32."""
        x = unit_rows(self._input(E), name=f"{self.name} input")
        out, _ = type(self)._mechanism(x, epsilon=self.epsilon, generator=self._generator(generator))
        return out


class PurMech(_SphereMechanism):
    """Purkayastha mechanism: rotate each unit vector by a random angle ``θ`` (ε·d_θ-LDP).

    ``θ ∝ exp(−ε θ) sin^{d−2} θ`` on ``[0, π]``, direction uniform orthogonal to the input.
    Inputs are scaled to unit norm first; outputs have unit norm. See the module docstring for
    the privacy statement and the utility at common ε.

    Args:
        epsilon: privacy parameter (per radian of angle), a finite number > 0.
        seed: seed of the defense's generator; ``None`` draws fresh OS entropy.

    Example:
        >>> import numpy as np
        >>> E = np.random.default_rng(0).normal(size=(4, 512)).astype(np.float32)
        >>> out = PurMech(epsilon=8.0, seed=0).transform(E)
        >>> out.shape, bool(np.allclose(np.linalg.norm(out, axis=1), 1, atol=1e-5))
        ((4, 512), True)
    """

    name = "purmech"
    _mechanism = staticmethod(purmech)


def lapmech(x: np.ndarray, *, epsilon: float, generator: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Perturb unit rows ``x: (n, d)`` by planar Laplace noise; returns ``(out: (n, d), r: (n,))``.

    ``r ~ Gamma(shape=d, rate=ε)`` is each noise vector's norm (``out = x + r u``, ``‖u‖ = 1``).
    """
    n, d = x.shape
    r = generator.gamma(shape=d, scale=1.0 / check_epsilon(epsilon), size=n)
    u = generator.standard_normal((n, d), dtype=np.float32)
    u *= (r / np.maximum(_norms(u), 1e-30)).astype(np.float32)[:, None]
    u += x
    return u, r


class LapMech(_SphereMechanism):
    """Normalized planar Laplace: ``x/‖x‖ + r u``, ``r ~ Gamma(d, rate ε)``, ``u`` uniform (ε·d_2-LDP).

    The output is not renormalized (its noise norm averages ``d/ε``); cosine-based consumers
    renormalize anyway.

    Args:
        epsilon: privacy parameter (per unit of L2 distance), a finite number > 0.
        seed: seed of the defense's generator; ``None`` draws fresh OS entropy.
    """

    name = "lapmech"
    _mechanism = staticmethod(lapmech)
