"""The defense interface: ``(n, d)`` float32 vectors in, ``(n, d')`` float32 vectors out.

A defense sits between a victim encoder and what gets stored. It has the scikit-learn shape:
``__init__`` stores parameters, :meth:`Defense.fit` learns (most defenses learn nothing),
:meth:`Defense.transform` applies, and :meth:`Defense.spec` records what was applied so every
saved artifact says how its vectors were defended.

Randomness follows opacus: privacy parameters and ``seed`` are keyword-only, and a random
defense owns one :class:`numpy.random.Generator` made from ``seed`` at construction. Successive
``transform`` calls continue that stream, so two batches never get the same noise (reused noise
would let an attacker subtract outputs and read input differences exactly). A fresh instance
with the same seed, fed the same batches, gives the same outputs. ``transform(..., generator=g)``
draws from ``g`` instead.

A recorded ``seed`` reproduces the noise (or, for rotation and shuffle, the secret key): it is
for experiments. A deployment should leave ``seed=None`` (fresh OS entropy, never recorded).
"""

from __future__ import annotations

import inspect
import math
import numbers
from abc import ABC, abstractmethod
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from vecleak.constraints import ConfigError
from vecleak.data.vectors import check_features, check_vectors
from vecleak.errors import InputError


#: The file that marks a folder as a trained defense.
TRAINED_DEFENSE_FILE = "defense.json"


class Defense(TransformerMixin, BaseEstimator, ABC):
    """A transformation of embeddings meant to stop them being inverted to text.

    A scikit-learn estimator: ``get_params`` / ``set_params`` / :func:`sklearn.base.clone` work
    on every defense (a clone has the same parameters and seed, and is unfitted).

    Subclasses set ``name`` (the registry name) and implement :meth:`transform`; defenses
    that learn from vectors override :meth:`fit` and keep learned state in attributes ending
    in ``_``. :meth:`spec` returns ``{"name": ..., <parameters>, "seed": ...}``.
    """

    name: ClassVar[str]
    #: True when :meth:`fit` learns from the vectors' content (PCA), not just their shape.
    learns_from_data: ClassVar[bool] = False
    seed: int | None = None

    def fit(self, E: np.ndarray, y: None = None) -> Defense:
        """Learn from vectors ``E: (n, d)`` (``y`` is ignored, as in scikit-learn transformers); the
        default learns nothing but the dimension (``n_features_in_``) and returns ``self``."""
        self._input(E, reset=True)
        return self

    def _input(self, E: np.ndarray, *, reset: bool = False) -> np.ndarray:
        """``E (n, d)`` checked, as float32. ``reset`` (in ``fit``) records ``d`` as
        ``n_features_in_``; otherwise a fitted defense refuses vectors of another dimension."""
        name = f"{self.name} {'fit vectors' if reset else 'input'}"
        return check_features(check_vectors(E, name=name), self, reset=reset, name=name)

    def __sklearn_tags__(self):  # noqa: D105 - scikit-learn's estimator tags
        tags = super().__sklearn_tags__()
        tags.requires_fit = self.learns_from_data           # the others transform unfitted
        tags.transformer_tags.preserves_dtype = ["float32"]  # every defense returns float32
        return tags

    @abstractmethod
    def transform(self, E: np.ndarray, *, generator: np.random.Generator | None = None) -> np.ndarray:
        """Defend ``E: (n, d)`` vectors; returns ``(n, d')`` float32.

        Args:
            E: the vectors to defend, one per row.
            generator: draw randomness from this generator instead of the defense's own
                (ignored by deterministic defenses).
        """

    def fit_transform(self, E: np.ndarray, y: None = None, *,
                      generator: np.random.Generator | None = None) -> np.ndarray:
        """``fit(E)`` then ``transform(E)``."""
        return self.fit(E).transform(E, generator=generator)

    def _params(self) -> dict[str, Any]:
        """The defense's parameters for :meth:`spec` (JSON-serializable)."""
        return {}

    def spec(self) -> dict[str, Any]:
        """What an output records about this defense (JSON-serializable)."""
        return {"name": self.name, **self._params(), "seed": self.seed}

    def __repr__(self) -> str:
        params = self._params()
        if "seed" in inspect.signature(type(self)).parameters:
            params["seed"] = self.seed
        args = ", ".join(f"{k}={v!r}" for k, v in params.items())
        return f"{type(self).__name__}({args})"


class RandomDefense(Defense):
    """A defense that draws fresh randomness on every :meth:`transform` call.

    ``secure=True`` draws every random bit from the operating system's CSPRNG
    (:class:`~vecleak.defenses.secure_random.SecureRandom`): no seed exists, none is written,
    and outputs cannot be replayed (opacus's ``secure_mode``); it refuses a ``seed``.
    """

    def __init__(self, *, seed: int | None = None, secure: bool = False) -> None:
        self.seed = check_seed(seed)
        self.secure = bool(secure)
        if self.secure:
            if self.seed is not None:
                raise InputError("secure mode draws its randomness from the operating system; drop the seed")
            from vecleak.defenses.secure_random import SecureRandom

            self._rng = SecureRandom()
        else:
            self._rng = np.random.default_rng(self.seed)

    def spec(self) -> dict[str, Any]:
        return {**super().spec(), **({"secure": True} if self.secure else {})}

    def __sklearn_tags__(self):  # noqa: D105
        tags = super().__sklearn_tags__()
        tags.non_deterministic = True                        # a fresh draw on every call
        return tags

    def _generator(self, generator: np.random.Generator | None) -> np.random.Generator:
        if generator is None:
            return self._rng
        if not isinstance(generator, np.random.Generator):
            raise InputError(
                f"generator must be a numpy.random.Generator, got {type(generator).__name__}; "
                "use numpy.random.default_rng(seed)"
            )
        return generator


def check_seed(seed: Any) -> int | None:
    """``seed`` as an ``int >= 0`` or ``None``, or an :class:`InputError`."""
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise InputError(f"seed must be a non-negative integer or None, got {seed!r}")
    return int(seed)


def check_epsilon(epsilon: Any) -> float:
    """``epsilon`` as a finite float > 0, or ``InputError("epsilon must be ...")``."""
    value = _as_float(epsilon)
    if value is None or not math.isfinite(value) or value <= 0:
        raise ConfigError("epsilon", f"must be a finite number > 0, got {epsilon!r}", "Defense")
    return value


def check_positive(value: Any, name: str, *, allow_zero: bool = False) -> float:
    """A finite float > 0 (or >= 0), or an :class:`InputError` naming ``name``."""
    v = _as_float(value)
    if v is None or not math.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ConfigError(name, f"must be a finite number {bound}, got {value!r}", "Defense")
    return v


def _as_float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def unit_rows(E: np.ndarray, *, name: str) -> np.ndarray:
    """Validate ``E: (n, d)`` and scale every row to unit L2 norm (float32).

    Zero rows have no direction to perturb and are refused.
    """
    x = check_vectors(E, name=name)
    norms = np.sqrt(np.einsum("ij,ij->i", x, x))[:, None]
    zero = norms[:, 0] == 0
    if zero.any():
        raise InputError(
            f"{name}: {int(zero.sum())} zero vector(s) (first at row {int(np.argmax(zero))}) cannot be "
            "normalized; drop them before defending"
        )
    return x / norms
