"""A light classifier on frozen embeddings: multinomial logistic regression, L2 picked on held-out data."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from vecleak.errors import InputError

L2_GRID = (1e-4, 1e-3, 1e-2, 1e-1, 1.0)


class LogisticHead(ClassifierMixin, BaseEstimator):
    """Softmax regression on standardized features, fitted full-batch with L-BFGS in float64.

    ``fit`` standardizes each feature with the train mean and standard deviation, holds out a
    seeded ``val_fraction`` of the rows, fits one model per L2 strength in ``l2_grid`` on the
    rest, keeps the strength with the best held-out accuracy (ties: the stronger one), and refits
    on all rows with it. The loss is mean cross-entropy + ``l2 / 2 * ||W||^2`` (the bias is not
    penalized). The grid is walked from strong to weak L2, each fit starting where the previous
    ended (the first from zero); the final fit starts from zero. Everything is deterministic:
    the result depends on the data and ``seed`` (the held-out draw) only. With fewer than 20
    rows there is no held-out set and the middle of the grid is used.

    Args:
        l2_grid: L2 strengths to choose from.
        val_fraction: share of the train rows held out to choose the strength.
        max_iter: L-BFGS iterations per fit.
        seed: the held-out draw.
        threads: torch intra-op threads while fitting, restored afterwards (None: leave torch's
            setting). The matrices are small; on a busy machine more threads spin and can make
            the fit tens of times slower rather than faster.

    Learned: ``classes_ (k,)``, ``n_features_in_``, ``mean_ (d,)``, ``scale_ (d,)``, ``W_ (d, k)``,
    ``b_ (k,)``, ``l2_`` (the chosen strength), ``val_accuracy_`` (per grid value) and ``n_iter_``
    (L-BFGS iterations of the final fit). It passes scikit-learn's ``check_estimator``.

    Example:
        >>> X = np.random.default_rng(0).normal(size=(200, 5)); y = (X[:, 0] > 0).astype(int)
        >>> LogisticHead().fit(X, y).score(X, y) > 0.95
        True
    """

    def __init__(self, *, l2_grid: Sequence[float] = L2_GRID, val_fraction: float = 0.1,
                 max_iter: int = 100, seed: int = 0, threads: int | None = 1) -> None:
        self.l2_grid = l2_grid
        self.val_fraction = val_fraction
        self.max_iter = max_iter
        self.seed = seed
        self.threads = threads

    def fit(self, X: np.ndarray, y: np.ndarray) -> LogisticHead:
        """Fit on ``X (n, d)`` features and ``y (n,)`` labels (any sortable values); returns self."""
        X, y = validate_data(self, X, y, dtype=np.float64, ensure_all_finite=False)
        if not np.isfinite(X).all():
            raise InputError("the head's features contain NaN or infinity; check the embeddings or the defense")
        check_classification_targets(y)
        with _torch_threads(self.threads):
            return self._fit(X, y)

    def _fit(self, X: np.ndarray, y: np.ndarray) -> LogisticHead:
        self.classes_, yi = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise InputError(f"the head needs at least two classes in the train labels, got 1 class "
                             f"({self.classes_[0]!r}); give labelled rows of every class")
        self.mean_ = X.mean(0)
        std = X.std(0)
        self.scale_ = np.where(std > 1e-12, std, 1.0)
        Z = torch.from_numpy((X - self.mean_) / self.scale_)
        t = torch.from_numpy(yi.astype(np.int64))

        n_val = int(round(self.val_fraction * len(X)))
        if len(X) < 20 or n_val < 1 or len(self.l2_grid) == 1:
            self.l2_ = self.l2_grid[len(self.l2_grid) // 2]
            self.val_accuracy_ = {}
        else:
            perm = torch.from_numpy(np.random.default_rng(self.seed).permutation(len(X)))
            val, fit = perm[:n_val], perm[n_val:]
            self.val_accuracy_ = {}
            W = b = None
            for l2 in sorted(self.l2_grid, reverse=True):  # strong to weak, each warm-started from the last
                W, b = self._lbfgs(Z[fit], t[fit], l2, W, b)
                self.val_accuracy_[l2] = float(((Z[val] @ W + b).argmax(1) == t[val]).double().mean())
            best = max(self.val_accuracy_.values())
            self.l2_ = max(l2 for l2, acc in self.val_accuracy_.items() if acc == best)
        W, b = self._lbfgs(Z, t, self.l2_)
        self.W_, self.b_ = W.numpy(), b.numpy()
        self.n_iter_ = self._last_iterations
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        """Class logits ``(n, k)``; with two classes, as scikit-learn's binary classifiers, the
        logit margin of ``classes_[1]`` over ``classes_[0]`` ``(n,)``."""
        logits = self._logits(X)
        return logits[:, 1] - logits[:, 0] if logits.shape[1] == 2 else logits

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities ``(n, k)`` in the order of ``classes_``."""
        return torch.softmax(torch.from_numpy(self._logits(X)), 1).numpy()

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predicted labels ``(n,)``."""
        best = self._logits(X).argmax(1)
        return self.classes_[best]

    def _logits(self, X: np.ndarray) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return (X - self.mean_) / self.scale_ @ self.W_ + self.b_

    def score(self, X: np.ndarray, y: np.ndarray) -> float:
        """Accuracy on ``X (n, d)``, ``y (n,)``."""
        return float((self.predict(X) == np.asarray(y)).mean())

    def _lbfgs(self, Z: torch.Tensor, t: torch.Tensor, l2: float, W0: torch.Tensor | None = None,
               b0: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        k = len(self.classes_)
        W = (torch.zeros(Z.shape[1], k, dtype=torch.float64) if W0 is None else W0.clone()).requires_grad_()
        b = (torch.zeros(k, dtype=torch.float64) if b0 is None else b0.clone()).requires_grad_()
        opt = torch.optim.LBFGS([W, b], lr=1.0, max_iter=self.max_iter, history_size=20,
                                tolerance_grad=1e-6, tolerance_change=1e-9, line_search_fn="strong_wolfe")

        def closure() -> torch.Tensor:
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(Z @ W + b, t) + 0.5 * l2 * (W * W).sum()
            loss.backward()
            return loss

        opt.step(closure)
        self._last_iterations = int(opt.state[opt.param_groups[0]["params"][0]].get("n_iter", 0))
        return W.detach(), b.detach()


@contextlib.contextmanager
def _torch_threads(n: int | None) -> Iterator[None]:
    before = torch.get_num_threads()
    if n is not None:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)
