"""Randomness from the operating system's CSPRNG, for defenses in secure mode (as opacus's ``secure_mode``).

:class:`SecureRandom` answers the few :class:`numpy.random.Generator` methods the random
defenses call, but every bit comes from :func:`os.urandom`: nothing is seeded, nothing can be
replayed, and no state exists to leak. Uniforms carry 53 random bits; normals come from the
Box-Muller transform of two uniforms; gamma variates from Marsaglia and Tsang's rejection
method (shape >= 1); a permutation sorts 64-bit random keys. It is slower than PCG64 (the OS
call dominates: about 100 MB/s here), which matters little next to encoding.

Example:
    >>> mech = PurMech(epsilon=12, secure=True)              # doctest: +SKIP
    >>> mech.spec()["seed"] is None and mech.spec()["secure"]
    True
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np


class SecureRandom:
    """A duck-typed subset of :class:`numpy.random.Generator` over :func:`os.urandom`."""

    def _u64(self, n: int) -> np.ndarray:
        return np.frombuffer(os.urandom(8 * n), dtype=np.uint64)

    def random(self, size: int | Sequence[int] | None = None) -> np.ndarray | float:
        """Uniform on [0, 1) with 53 random bits, like ``Generator.random``."""
        shape = () if size is None else np.atleast_1d(size).astype(int)
        n = int(np.prod(shape)) if size is not None else 1
        out = (self._u64(n) >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))
        return float(out[0]) if size is None else out.reshape(shape)

    def standard_normal(self, size: int | Sequence[int], dtype: type = np.float64) -> np.ndarray:
        """N(0, 1) by Box-Muller, like ``Generator.standard_normal``."""
        shape = tuple(np.atleast_1d(size).astype(int))
        n = int(np.prod(shape))
        m = (n + 1) // 2
        u1 = 1.0 - self.random(m)                 # (0, 1]: log is finite
        u2 = self.random(m)
        r = np.sqrt(-2.0 * np.log(u1))
        z = np.concatenate([r * np.cos(2 * np.pi * u2), r * np.sin(2 * np.pi * u2)])[:n]
        return z.reshape(shape).astype(dtype)

    def uniform(self, low: float = 0.0, high: float = 1.0, size: int | Sequence[int] | None = None) -> np.ndarray:
        return low + (high - low) * self.random(size)

    def gamma(self, shape: float, scale: float = 1.0, size: int | None = None) -> np.ndarray:
        """Gamma(shape, scale) for shape >= 1 (Marsaglia and Tsang, 2000), like ``Generator.gamma``."""
        if shape < 1:
            raise ValueError("SecureRandom.gamma needs shape >= 1")
        n = 1 if size is None else int(size)
        d = shape - 1.0 / 3.0
        c = 1.0 / np.sqrt(9.0 * d)
        out = np.empty(n)
        filled = 0
        while filled < n:
            k = 2 * (n - filled) + 16
            x = self.standard_normal(k)
            v = (1.0 + c * x) ** 3
            u = 1.0 - self.random(k)
            ok = (v > 0) & (np.log(u) < 0.5 * x * x + d - d * v + d * np.log(np.where(v > 0, v, 1.0)))
            take = (d * v[ok])[: n - filled]
            out[filled:filled + len(take)] = take
            filled += len(take)
        out *= scale
        return float(out[0]) if size is None else out

    def permutation(self, n: int) -> np.ndarray:
        """A uniformly random permutation of ``range(n)``."""
        return np.argsort(self._u64(int(n)), kind="stable")

    def multinomial(self, n: int, pvals: Sequence[float]) -> np.ndarray:
        """Counts of ``n`` draws over categories with probabilities ``pvals``."""
        edges = np.cumsum(np.asarray(pvals, np.float64))
        edges[-1] = 1.0
        picks = np.searchsorted(edges, self.random(int(n)), side="right")
        return np.bincount(np.minimum(picks, len(edges) - 1), minlength=len(edges))
