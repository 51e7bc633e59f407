"""Cheap deterministic-map defenses: none, rotation, shuffle, PCA, quantization.

None of these adds noise; they are baselines that show how little a fixed map hides from an
attacker who holds a few (text, defended vector) pairs. In ALGEN's setting the attacker fits
a linear map from the defended space into their own encoder's space by ridge regression:

* :class:`Rotation` and :class:`Shuffle` are linear and invertible, so that map absorbs them
  by construction: with at least ``d`` pairs in general position the ridge solution is the
  undefended one composed with the inverse map, and leakage is unchanged.
* :class:`PCA` is linear but drops the ``d − k`` lowest-variance directions; the aligner
  undoes the projection on the kept ones, the dropped ones are lost.
* :class:`Quantize` is nearly invertible at int8 (error at most half a step, ~0.4 % of the
  largest coordinate); ``binary`` keeps only signs, which still preserves most cosine ranking.

Rotation and shuffle use a secret key derived once from ``seed`` and the dimension ``d``, so
the same map is applied to every batch; ``transform``'s ``generator`` does not change it.
These defenses do not normalize their input.
"""

from __future__ import annotations

from abc import abstractmethod

from typing import Any

import numpy as np

from vecleak.defenses.base import Defense, check_seed
from vecleak.errors import InputError

QUANTIZE_MODES = ("int8", "binary")


class Identity(Defense):
    """No defense (registry name ``"none"``): the undefended baseline; returns a float32 copy."""

    name = "none"

    def transform(self, E: np.ndarray, *, generator: np.random.Generator | None = None) -> np.ndarray:
        """Return ``E: (n, d)`` unchanged, as a new float32 array."""
        return self._input(E).copy()


class _KeyedMap(Defense):
    """A fixed secret map per dimension, drawn from ``seed`` at :meth:`fit`.

    ``transform`` before ``fit`` fits on the first batch's dimension: the key depends only on
    ``seed`` and ``d``, never on the vectors. With ``seed=None`` the entropy is drawn once at
    construction, so one instance still applies one map.
    """

    def __init__(self, *, seed: int | None = None) -> None:
        self.seed = check_seed(seed)
        self._key = np.random.SeedSequence(self.seed)

    @abstractmethod
    def _draw(self, d: int, rng: np.random.Generator) -> None:
        """Draw the secret map for dimension ``d`` from ``rng`` (sets the learned attributes)."""

    def fit(self, E: np.ndarray, y: None = None) -> _KeyedMap:
        """Draw the map for ``E``'s dimension ``d`` (the vectors themselves are not used)."""
        d = self._input(E, reset=True).shape[1]
        self._draw(d, np.random.default_rng(self._key))
        return self

    def _checked(self, E: np.ndarray) -> np.ndarray:
        if not hasattr(self, "n_features_in_"):
            self.fit(E)
        return self._input(E)


class Rotation(_KeyedMap):
    """A secret random orthogonal map ``E -> E Q_`` (Haar-distributed ``Q_: (d, d)``).

    Preserves norms and inner products, so similarity search is unaffected. Linear and
    invertible: a few-shot linear aligner (ALGEN's ridge) learns ``Q_⁻¹ = Q_ᵀ`` back from
    ``d`` or more pairs, so this hides nothing from such an attacker.

    Args:
        seed: the key; ``None`` draws it from OS entropy once per instance.

    Attributes:
        Q_: ``(d, d)`` float32 orthogonal matrix (drawn as QR of a Gaussian matrix with the
            signs of ``diag(R)`` folded into ``Q``, which makes it exactly Haar).
    """

    name = "rotation"

    def _draw(self, d: int, rng: np.random.Generator) -> None:
        q, r = np.linalg.qr(rng.standard_normal((d, d)))
        self.Q_ = (q * np.sign(np.diag(r))).astype(np.float32)

    def transform(self, E: np.ndarray, *, generator: np.random.Generator | None = None) -> np.ndarray:
        """Rotate ``E: (n, d)``; returns ``(n, d)`` float32 (``generator`` is not used)."""
        return self._checked(E) @ self.Q_


class Shuffle(_KeyedMap):
    """A secret permutation of the dimensions: ``E -> E[:, perm_]``.

    A permutation matrix is orthogonal, so everything said for :class:`Rotation` holds: a
    linear aligner undoes it by construction.

    Args:
        seed: the key; ``None`` draws it from OS entropy once per instance.

    Attributes:
        perm_: ``(d,)`` the permutation; output column ``j`` is input column ``perm_[j]``.
    """

    name = "shuffle"

    def _draw(self, d: int, rng: np.random.Generator) -> None:
        self.perm_ = rng.permutation(d)

    def transform(self, E: np.ndarray, *, generator: np.random.Generator | None = None) -> np.ndarray:
        """Permute the columns of ``E: (n, d)``; returns ``(n, d)`` float32 (``generator`` is not used)."""
        return np.ascontiguousarray(self._checked(E)[:, self.perm_])


def _positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise InputError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


class PCA(Defense):
    """Project onto the top ``n_components`` principal directions learned by :meth:`fit`.

    ``transform(E) = (E − mean_) @ components_ᵀ``: ``(n, d) -> (n, k)``. Linear: an aligner
    recovers everything in the kept ``k`` directions; the ``d − k`` dropped ones are lost.

    Args:
        n_components: ``k``, an integer from 1 to ``min(n, d)`` of the fit vectors.

    Attributes:
        mean_: ``(d,)`` mean of the fit vectors.
        components_: ``(k, d)`` orthonormal principal directions, largest variance first (each
            signed so its largest-magnitude entry is positive, for reproducibility).
        explained_variance_ratio_: ``(k,)`` fraction of the fit vectors' variance per component.
    """

    name = "pca"
    learns_from_data = True

    def __init__(self, *, n_components: int) -> None:
        self.n_components = _positive_int("n_components", n_components)

    def _params(self) -> dict[str, Any]:
        return {"n_components": self.n_components}

    def fit(self, E: np.ndarray, y: None = None) -> PCA:
        """Learn the principal directions of ``E: (n, d)`` (needs ``n_components <= min(n, d)``)."""
        x = self._input(E, reset=True).astype(np.float64)
        n, d = x.shape
        if self.n_components > min(n, d):
            raise InputError(
                f"pca: n_components={self.n_components} needs at least that many fit vectors and dimensions, "
                f"got {n} vectors of dimension {d}; lower n_components or fit on more vectors"
            )
        mean = x.mean(axis=0)
        xc = x - mean
        # eigenvectors of the (d, d) scatter matrix: cheaper than an SVD of the (n, d) data
        var, vecs = np.linalg.eigh(xc.T @ xc)
        var = np.clip(var[::-1], 0, None)
        vt = vecs[:, ::-1][:, : self.n_components].T
        signs = np.sign(vt[np.arange(len(vt)), np.abs(vt).argmax(axis=1)])
        total = float(var.sum())
        self.mean_ = mean.astype(np.float32)
        self.components_ = (vt * signs[:, None]).astype(np.float32)
        self.explained_variance_ratio_ = (var[: self.n_components] / total if total > 0
                                          else np.zeros(self.n_components))
        return self

    def transform(self, E: np.ndarray, *, generator: np.random.Generator | None = None) -> np.ndarray:
        """Project ``E: (n, d)`` to ``(n, n_components)`` float32."""
        if not hasattr(self, "components_"):
            raise InputError(
                "pca must be fit before transform: call fit(E) on vectors like the ones to defend, "
                "or fit_transform(E)"
            )
        x = self._input(E)
        return (x - self.mean_) @ self.components_.T


class Truncate(Defense):
    """Keep the first ``n_dims`` coordinates: ``(n, d) -> (n, n_dims)``.

    What a store does to save space with Matryoshka-style embeddings; a robustness test for
    learned defenses (the dropped coordinates are lost, the kept ones are untouched).

    Args:
        n_dims: how many leading coordinates to keep, a positive integer (at most ``d``).
    """

    name = "truncate"

    def __init__(self, *, n_dims: int) -> None:
        self.n_dims = _positive_int("n_dims", n_dims)

    def _params(self) -> dict[str, Any]:
        return {"n_dims": self.n_dims}

    def transform(self, E: np.ndarray, *, generator: np.random.Generator | None = None) -> np.ndarray:
        """``E[:, :n_dims]`` as float32 ``(n, n_dims)``."""
        x = self._input(E)
        if self.n_dims > x.shape[1]:
            raise InputError(f"truncate: n_dims={self.n_dims} exceeds the vectors' dimension {x.shape[1]}; "
                             "lower n_dims")
        return np.ascontiguousarray(x[:, : self.n_dims])


class Quantize(Defense):
    """Scalar quantization, returned dequantized as float32 ``(n, d)``.

    * ``"int8"``: per-vector symmetric scale ``s = max|x| / 127``, ``q = round(x / s)``,
      output ``q s``; the error per coordinate is at most ``s / 2``. Nearly invertible: a
      linear aligner sees the original vectors up to that rounding.
    * ``"binary"``: ``sign(x) / sqrt(d)`` (zeros count as positive), a unit vector of signs.

    Args:
        mode: ``"int8"`` or ``"binary"``.
    """

    name = "quantize"

    def __init__(self, *, mode: str = "int8") -> None:
        if mode not in QUANTIZE_MODES:
            raise InputError(f"quantize mode must be one of {', '.join(QUANTIZE_MODES)}, got {mode!r}")
        self.mode = mode

    def _params(self) -> dict[str, Any]:
        return {"mode": self.mode}

    def transform(self, E: np.ndarray, *, generator: np.random.Generator | None = None) -> np.ndarray:
        """Quantize and dequantize ``E: (n, d)``; returns ``(n, d)`` float32."""
        x = self._input(E)
        if self.mode == "binary":
            return np.where(x >= 0, 1.0, -1.0).astype(np.float32) / np.float32(np.sqrt(x.shape[1]))
        x64 = x.astype(np.float64)
        scale = np.abs(x64).max(axis=1, keepdims=True) / 127.0
        q = np.rint(x64 / np.where(scale > 0, scale, 1.0))
        return (q * scale).astype(np.float32)
