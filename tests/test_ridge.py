from __future__ import annotations

import numpy as np
import pytest

from vecleak.align import Ridge, ridge_solve
from vecleak.errors import DimensionMismatchError, InputError, NonFiniteError


def _problem(b, m, n, noise=0.0, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(b, m))
    W = rng.normal(size=(m, n))
    return X, W, X @ W + noise * rng.normal(size=(b, n))


def test_recovers_known_map_without_noise():
    X, W, Y = _problem(200, 16, 5)
    assert np.allclose(Ridge(alpha=0).fit(X, Y).W_, W, atol=1e-4)


def test_primal_and_dual_agree_with_textbook_formula():
    for b, m in [(50, 20), (10, 30)]:  # b >= m uses the primal, b < m the dual
        X, _, Y = _problem(b, m, 4, noise=0.1)
        alpha = 0.7
        expected = np.linalg.inv(X.T @ X + alpha * np.eye(m)) @ X.T @ Y
        assert np.allclose(ridge_solve(X, Y, alpha), expected, atol=1e-8)


def test_alpha_zero_is_pseudo_inverse_when_underdetermined():
    X, _, Y = _problem(5, 12, 3)
    assert np.allclose(Ridge(alpha=0).fit(X, Y).W_, np.linalg.pinv(X) @ Y, atol=1e-4)


def test_closed_form_loo_matches_brute_force():
    X, _, Y = _problem(25, 10, 3, noise=0.5, seed=3)
    alphas = np.array([0.01, 0.1, 1.0, 10.0])
    model = Ridge(alpha="auto", alphas=alphas).fit(X, Y)
    brute = []
    for a in alphas:
        errs = []
        for i in range(len(X)):
            keep = np.arange(len(X)) != i
            W = ridge_solve(X[keep], Y[keep], a)
            errs.append(np.sum((Y[i] - X[i] @ W) ** 2))
        brute.append(np.mean(errs))
    assert np.allclose(model.loo_errors_, brute, rtol=1e-6)
    assert model.alpha_ == alphas[int(np.argmin(brute))]


def test_auto_alpha_grows_with_noise():
    X, _, clean = _problem(40, 30, 8, noise=0.0, seed=1)
    _, _, noisy = _problem(40, 30, 8, noise=5.0, seed=1)
    assert Ridge(alpha="auto").fit(X, noisy).alpha_ > Ridge(alpha="auto").fit(X, clean).alpha_


def test_intercept_recovers_offset():
    X, W, Y = _problem(100, 6, 3)
    model = Ridge(alpha=0, fit_intercept=True).fit(X, Y + 2.5)
    assert np.allclose(model.intercept_, 2.5, atol=1e-3)
    assert np.allclose(model.transform(X), Y + 2.5, atol=1e-3)


def test_shape_and_value_errors():
    X, _, Y = _problem(10, 4, 2)
    with pytest.raises(DimensionMismatchError):
        Ridge().fit(X, Y[:9])
    model = Ridge().fit(X, Y)
    with pytest.raises(DimensionMismatchError):
        model.transform(np.ones((3, 5)))
    bad = X.copy()
    bad[2, 1] = np.nan
    with pytest.raises(NonFiniteError):
        Ridge().fit(bad, Y)
    with pytest.raises(InputError):
        Ridge(alpha=-1).fit(X, Y)
    with pytest.raises(InputError):
        Ridge(alpha="best").fit(X, Y)
    with pytest.raises(InputError):
        Ridge().transform(X)
