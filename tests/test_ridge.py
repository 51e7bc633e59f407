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


def _brute_force_loo(X, Y, alphas, intercept):
    out = []
    for a in alphas:
        errs = []
        for i in range(len(X)):
            keep = np.arange(len(X)) != i
            model = Ridge(alpha=a, fit_intercept=intercept).fit(X[keep], Y[keep])
            errs.append(np.sum((Y[i] - model.transform(X[i:i + 1])[0]) ** 2))
        out.append(np.mean(errs))
    return np.array(out)


@pytest.mark.parametrize("b, m, intercept", [(25, 10, False), (8, 20, False), (25, 10, True), (8, 20, True)])
def test_closed_form_loo_matches_brute_force(b, m, intercept):
    """Both regimes (b >= m and b < m), with and without an intercept: the held-out row also
    leaves the means, exactly as a refit would."""
    X, _, Y = _problem(b, m, 3, noise=0.5, seed=3)
    Y = Y + 4.0
    alphas = np.array([0.01, 0.1, 1.0, 10.0])
    model = Ridge(alpha="auto", alphas=alphas, fit_intercept=intercept).fit(X, Y)
    brute = _brute_force_loo(X, Y, alphas, intercept)
    assert np.allclose(model.loo_errors_, brute, rtol=1e-4)
    assert model.alpha_ == alphas[int(np.argmin(brute))]


def test_float64_input_is_solved_in_float64():
    """An alpha = 0 pseudo-inverse of an ill-conditioned X needs float64: the input is not cast down."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 6)) @ np.diag([1, 1, 1, 1, 1, 1e-5])
    W = rng.normal(size=(6, 2))
    model = Ridge(alpha=0).fit(X, X @ W)
    assert np.allclose(model.W_, W, atol=1e-3)   # cast to float32 first: off by 4e-3


def test_ridge_is_a_scikit_learn_estimator():
    from sklearn.base import clone

    model = Ridge(alpha="auto", alphas=np.array([0.1, 1.0]), fit_intercept=True)
    twin = clone(model)
    assert twin.get_params()["fit_intercept"] is True and list(twin.get_params()["alphas"]) == [0.1, 1.0]
    assert twin.set_params(alpha=0.5).alpha == 0.5 and not hasattr(twin, "W_")


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
