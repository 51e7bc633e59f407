"""LAGO: per-language alignment maps solved jointly over a language-similarity graph.

``LAGO(method="ieq")`` keeps the maps of neighbouring languages within ε of each other in
every entry (IEQ-PDMM); ``LAGO(method="tv")`` pulls them together with a total-variation
penalty η. With no edges, ε = ∞ or η = 0 both are per-language ALGEN ridge with λ.

The estimator follows scikit-learn: ``fit(X, Y)`` takes dicts ``{lang: (b, m)}`` and
``{lang: (b, n)}`` and learns ``W_ = {lang: (m, n)}``; ``transform(X, lang=...)`` maps victim
vectors of one language; :meth:`LAGO.for_language` gives a fitted single-language aligner that
plugs into :class:`~vecleak.attacks.algen.ALGENAttack`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator

from vecleak.align.lago_solvers import SolverHistory, ieq_pdmm, total_variation, total_variation_admm
from vecleak.configs import LagoConfig
from vecleak.constraints import ConfigError, Constraint, Options, check_fields, check_value
from vecleak.data.vectors import check_vectors
from vecleak.errors import InputError

METHODS = ("ieq", "tv")
BACKENDS = LagoConfig.CONSTRAINTS["backend"].choices
TV_SOLVERS = LagoConfig.CONSTRAINTS["tv_solver"].choices
_L = LagoConfig           # the one source of the defaults and constraints below


class LanguageMap:
    """A fitted map of one language, ``X (n_items, m) -> X W (n_items, n)``: what
    :meth:`LAGO.for_language` returns (fitted jointly, so it has ``transform`` and no ``fit``)."""

    def __init__(self, lang: str, W: np.ndarray, params: dict[str, Any]) -> None:
        self.lang = lang
        self.W_ = W
        self.n_features_in_ = W.shape[0]
        self._params = params

    def transform(self, X: np.ndarray) -> np.ndarray:
        X = check_vectors(X, name=f"{self.lang} victim vectors to align", dim=self.n_features_in_)
        return (X @ self.W_).astype(np.float32)

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {"language": self.lang, **self._params}


class LAGO(BaseEstimator):
    """Joint few-shot alignment of several languages through a language graph.

    A scikit-learn estimator (``get_params`` / ``set_params`` / :func:`sklearn.base.clone`);
    every default and constraint is :class:`~vecleak.configs.LagoConfig`'s.

    Args:
        method: ``"ieq"`` (IEQ-PDMM, ‖W_i − W_j‖_max ≤ ε on edges) or ``"tv"`` (penalty η‖W_i − W_j‖_1).
        edges: undirected edges as pairs of language codes, e.g. ``[("deu", "nld")]``.
        box_epsilon, c, theta: IEQ-PDMM's ε (the box half-width), penalty and averaging (LAGO:
            0.01, 0.4, 1). ``epsilon``: the deprecated name of ``box_epsilon``.
        eta, step: TV penalty and subgradient step ``step/√(t+1)`` (LAGO: 0.01, 0.01).
        tv_solver: ``"subgradient"`` (LAGO's schedule, the default: reproduces the paper, but stops
            wherever the decayed step leaves it) or ``"admm"`` (converges to the TV minimizer,
            :func:`~vecleak.align.lago_solvers.total_variation_admm`; ``step`` unused).
        lam: ridge λ of every language's least-squares term (LAGO: 0.01).
        iterations: iterations of any solver (LAGO: 500); ``tol`` > 0 stops IEQ-PDMM and ADMM
            early (relative change / residuals below it; refused with the subgradient schedule,
            which runs every iteration).
        backend: ``"local"`` (vectorized, in-process) or ``"ray"`` (one Ray actor per language,
            exchanging only duals / maps with its neighbours; needs ``pip install vecleak[ray]``).
        dtype: solver precision, see :func:`~vecleak.align.lago_solvers.ieq_pdmm`.

    Attributes:
        languages_: languages in solver order; ``W_``: ``{lang: (m, n) float32}``;
        history_: :class:`SolverHistory` (violation, residual, change, objective per iteration).

    Example:
        >>> rng = np.random.default_rng(0)
        >>> X = {l: rng.normal(size=(20, 6)) for l in ("deu", "nld")}
        >>> Y = {l: x @ rng.normal(size=(6, 3)) for l, x in X.items()}
        >>> lago = LAGO("ieq", edges=[("deu", "nld")], box_epsilon=0.05).fit(X, Y)
        >>> bool(np.abs(lago.W_["deu"] - lago.W_["nld"]).max() <= 0.05 + 1e-3)
        True
    """

    CONSTRAINTS: ClassVar[dict[str, Constraint]] = {
        "method": Options(*METHODS),
        **{name: _L.CONSTRAINTS[name] for name in ("box_epsilon", "c", "theta", "eta", "step", "lam", "iterations",
                                                   "tol", "backend", "tv_solver")},
        "dtype": Options("auto", "float32", "float64"),
    }

    def __init__(self, method: str = "ieq", *, edges: Sequence[tuple[str, str]] = (),
                 box_epsilon: float = _L.box_epsilon, c: float = _L.c, theta: float = _L.theta, eta: float = _L.eta,
                 step: float = _L.step, lam: float = _L.lam, iterations: int = _L.iterations, tol: float = _L.tol,
                 backend: str = _L.backend, dtype: str = "auto", tv_solver: str = _L.tv_solver,
                 epsilon: float | None = None) -> None:
        self.method = method
        self.edges = edges
        self.box_epsilon = box_epsilon
        self.c = c
        self.theta = theta
        self.eta = eta
        self.step = step
        self.lam = lam
        self.iterations = iterations
        self.tol = tol
        self.backend = backend
        self.dtype = dtype
        self.tv_solver = tv_solver
        self.epsilon = epsilon
        if epsilon is not None:
            warnings.warn("LAGO(epsilon=...) is deprecated; use box_epsilon=... (the box half-width)",
                          DeprecationWarning, stacklevel=2)

    def _box_width(self) -> float:
        """The box half-width in use: ``box_epsilon``, or the deprecated ``epsilon`` when given."""
        return self.box_epsilon if self.epsilon is None else self.epsilon

    def settings(self) -> dict[str, Any]:
        """The settings the chosen method reads (what a report records)."""
        common = {"method": self.method, "lam": self.lam, "iterations": self.iterations, "backend": self.backend,
                  "edges": [list(e) for e in self.edges]}
        if self.method == "ieq":
            return {**common, "box_epsilon": self._box_width(), "c": self.c, "theta": self.theta, "tol": self.tol}
        if self.tv_solver == "admm":
            return {**common, "eta": self.eta, "tv_solver": "admm", "tol": self.tol}
        return {**common, "eta": self.eta, "step": self.step, "tv_solver": self.tv_solver}

    def check_params(self) -> LAGO:
        """Refuse settings outside :attr:`CONSTRAINTS` (LagoConfig's) and combinations no solver
        runs, before any work (a :class:`~vecleak.constraints.ConfigError` naming the setting)."""
        check_fields(self, self.CONSTRAINTS)
        if self.epsilon is not None:
            check_value("epsilon", self.epsilon, self.CONSTRAINTS["box_epsilon"], type(self).__name__)
        owner = type(self).__name__
        if self.method == "tv" and self.tv_solver == "subgradient" and self.tol > 0:
            raise ConfigError.between("{tol} stops the admm TV solver; the subgradient schedule runs every "
                                      "iteration (set {tv_solver}='admm' or {tol}=0)", "tol", "tv_solver", owner=owner)
        if self.backend == "ray" and self.tol > 0:
            raise ConfigError.between("{tol} (early stopping) is not supported by the ray {backend}; use the local "
                                      "backend", "tol", "backend", owner=owner)
        if self.backend == "ray" and self.method == "tv" and self.tv_solver == "admm":
            raise ConfigError.between("the ADMM TV solver ({tv_solver}='admm') runs in-process only, not on the ray "
                                      "{backend}; use the local backend", "tv_solver", "backend", owner=owner)
        return self

    def fit(self, X: Mapping[str, np.ndarray], Y: Mapping[str, np.ndarray]) -> LAGO:
        """Solve all languages jointly from ``X {lang: (b, m)}`` and ``Y {lang: (b, n)}``."""
        self.check_params()
        if set(X) != set(Y) or not X:
            raise InputError(f"victim and attacker vectors must cover the same languages, got {sorted(X)} and {sorted(Y)}")
        langs = list(X)
        index = {lang: i for i, lang in enumerate(langs)}
        edges = []
        for a, b in self.edges:
            missing = [x for x in (a, b) if x not in index]
            if missing:
                raise InputError(f"graph edge {a}-{b} names {', '.join(missing)} with no leaked pairs; "
                                 f"give pairs for it or drop it from the graph (languages with pairs: {', '.join(langs)})")
            edges.append((index[a], index[b]))
        Xs = [check_vectors(X[lang], name=f"{lang} leaked victim vectors") for lang in langs]
        Ys = [check_vectors(Y[lang], name=f"{lang} leaked attacker vectors") for lang in langs]
        Ws, self.history_ = self._solve(Xs, Ys, np.asarray(edges, np.int64).reshape(-1, 2))
        if not all(np.isfinite(W).all() for W in Ws):
            raise InputError("the LAGO solve diverged (non-finite maps); lower the TV step or check the inputs")
        self.languages_ = langs
        self.W_ = {lang: W.astype(np.float32) for lang, W in zip(langs, Ws)}
        return self

    def _solve(self, Xs: list[np.ndarray], Ys: list[np.ndarray], edges: np.ndarray) -> tuple[list[np.ndarray], SolverHistory]:
        epsilon = self._box_width()
        if self.backend == "ray" and len(edges) and not (self.method == "ieq" and math.isinf(epsilon)):
            from vecleak.align.lago_ray import ieq_pdmm_ray, total_variation_ray

            if self.method == "ieq":
                return ieq_pdmm_ray(Xs, Ys, edges, epsilon=epsilon, c=self.c, theta=self.theta, lam=self.lam,
                                    iterations=self.iterations)
            return total_variation_ray(Xs, Ys, edges, eta=self.eta, step=self.step, lam=self.lam,
                                       iterations=self.iterations)
        if self.method == "ieq":
            return ieq_pdmm(Xs, Ys, edges, epsilon=epsilon, c=self.c, theta=self.theta, lam=self.lam,
                            iterations=self.iterations, tol=self.tol, dtype=self.dtype)
        if self.tv_solver == "admm":
            return total_variation_admm(Xs, Ys, edges, eta=self.eta, lam=self.lam, iterations=self.iterations,
                                        tol=self.tol, dtype=self.dtype)
        return total_variation(Xs, Ys, edges, eta=self.eta, step=self.step, lam=self.lam,
                               iterations=self.iterations, dtype=self.dtype)

    def for_language(self, lang: str) -> LanguageMap:
        """The fitted map of one language, usable wherever a fitted ``Ridge`` is."""
        if not hasattr(self, "W_"):
            raise InputError("this LAGO aligner is not fitted yet; call fit(X, Y) first")
        if lang not in self.W_:
            raise InputError(f"no map for language '{lang}'; fitted languages: {', '.join(self.languages_)}")
        return LanguageMap(lang, self.W_[lang], {k: v for k, v in self.settings().items() if k != "edges"})

    def transform(self, X: np.ndarray, *, lang: str) -> np.ndarray:
        """Map victim vectors ``(n_items, m)`` of ``lang`` into the attacker space ``(n_items, n)``."""
        return self.for_language(lang).transform(X)
