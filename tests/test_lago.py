"""LAGO solvers: equal to the literal algorithm, feasible, optimal against feasible points, ALGEN in the limits."""

from __future__ import annotations

import math

import numpy as np
import pytest

from vecleak.align import LAGO, Ridge
from vecleak.align import lago_kernels
from vecleak.align.lago_solvers import (
    ieq_pdmm,
    ieq_pdmm_reference,
    objective,
    total_variation,
    total_variation_admm,
)
from vecleak.align.ridge import ridge_solve
from vecleak.errors import InputError


def problem(m: int = 12, n: int = 5, sizes=(6, 8, 20, 10), seed: int = 0):
    """Languages share a true map up to a small per-language perturbation."""
    rng = np.random.default_rng(seed)
    W_true = rng.normal(size=(m, n))
    Xs = [rng.normal(size=(b, m)) for b in sizes]
    Ys = [X @ (W_true + 0.1 * rng.normal(size=(m, n))) + 0.01 * rng.normal(size=(len(X), n)) for X in Xs]
    return Xs, Ys


EDGES = [(0, 1), (1, 2), (2, 3), (0, 2)]


@pytest.mark.parametrize("theta", [1.0, 0.7])
@pytest.mark.parametrize("m", [12, 50])   # primal (2b >= m) and dual / Woodbury (2b < m) paths
def test_fast_ieq_pdmm_equals_the_literal_algorithm(theta, m):
    Xs, Ys = problem(m=m)
    ref = ieq_pdmm_reference(Xs, Ys, EDGES, epsilon=0.05, theta=theta, iterations=60)
    fast, _ = ieq_pdmm(Xs, Ys, EDGES, epsilon=0.05, theta=theta, iterations=60, dtype="float64")
    for a, b in zip(ref, fast):
        np.testing.assert_allclose(b, a, atol=1e-10, rtol=0)


@pytest.mark.parametrize("theta,block_bytes,m", [(1.0, None, 50), (0.7, None, 50), (1.0, 1, 50), (0.7, 1, 12)])
def test_kernel_iterates_do_not_depend_on_blocks_or_chunks(theta, block_bytes, m, monkeypatch):
    """Column blocks (``block_bytes=1``: 8-column blocks whose statistics combine) and iteration
    chunks (``record_objective`` runs the kernel one iteration per call, keeping its state) give
    the one-shot run's maps and history; m = 50: Woodbury form (2b < m), m = 12: explicit inverse."""
    Xs, Ys = problem(m=m, n=37)
    whole, hw = ieq_pdmm(Xs, Ys, EDGES, epsilon=0.05, theta=theta, iterations=80, dtype="float64")
    if block_bytes is not None:
        monkeypatch.setattr(lago_kernels, "BLOCK_BYTES", block_bytes)
    chunked, hc = ieq_pdmm(Xs, Ys, EDGES, epsilon=0.05, theta=theta, iterations=80, dtype="float64",
                           record_objective=True)
    for a, b in zip(whole, chunked):
        np.testing.assert_allclose(a, b, atol=1e-12, rtol=0)
    for name in ("violation", "primal_residual", "change"):
        np.testing.assert_allclose(getattr(hc, name), getattr(hw, name), rtol=1e-8, atol=1e-14)
    assert len(hc.objective) == 80 and not hw.objective
    assert hc.objective[-1] == pytest.approx(objective(Xs, Ys, chunked, 0.01), rel=1e-9)


def test_ieq_pdmm_tol_stops_where_the_history_says():
    Xs, Ys = problem(m=12)
    full, hf = ieq_pdmm(Xs, Ys, EDGES, epsilon=0.05, iterations=400, dtype="float64")
    stop = next(t for t, (ch, v) in enumerate(zip(hf.change, hf.violation)) if ch < 1e-3 and v < 1e-3)
    early, he = ieq_pdmm(Xs, Ys, EDGES, epsilon=0.05, iterations=400, dtype="float64", tol=1e-3)
    assert len(he.change) == stop + 1 < 400
    ref = ieq_pdmm_reference(Xs, Ys, EDGES, epsilon=0.05, iterations=stop + 1)
    for a, b in zip(ref, early):
        np.testing.assert_allclose(b, a, atol=1e-10, rtol=0)


def tv_literal(Xs, Ys, edges, eta, step, lam, iterations):
    """The TV subgradient update as written, one language at a time (test oracle)."""
    Ws = [ridge_solve(X, Y, lam) for X, Y in zip(Xs, Ys)]
    for t in range(iterations):
        grads = []
        for i, (X, Y) in enumerate(zip(Xs, Ys)):
            tv = sum((np.sign(Ws[i] - Ws[j]) for a, j in edges if a == i), np.zeros_like(Ws[i]))
            tv = tv + sum((np.sign(Ws[i] - Ws[a]) for a, j in edges if j == i), np.zeros_like(Ws[i]))
            grads.append(-X.T @ (Y - X @ Ws[i]) + lam * Ws[i] + eta * tv)
        Ws = [W - step / math.sqrt(t + 1) * g for W, g in zip(Ws, grads)]
    return Ws


@pytest.mark.parametrize("m", [12, 50])   # Gram form (m < 2b) and residual form
def test_total_variation_equals_the_literal_update(m):
    Xs, Ys = problem(m=m)
    ref = tv_literal(Xs, Ys, EDGES, eta=0.5, step=0.002, lam=0.01, iterations=50)
    Ws, hist = total_variation(Xs, Ys, EDGES, eta=0.5, step=0.002, iterations=50, dtype="float64")
    for a, b in zip(ref, Ws):
        np.testing.assert_allclose(b, a, atol=1e-9, rtol=0)
    # the recorded objective is that of the iterate the step started from
    assert hist.objective[0] == pytest.approx(objective(Xs, Ys, [ridge_solve(X, Y, 0.01) for X, Y in zip(Xs, Ys)],
                                                        0.01, EDGES, eta=0.5), rel=1e-9)


@pytest.mark.parametrize("m", [12, 50])
def test_total_variation_blocks_combine_exactly(m, monkeypatch):
    """Five column blocks give the one-block run's maps and history."""
    Xs, Ys = problem(m=m, n=37)
    whole, hw = total_variation(Xs, Ys, EDGES, eta=0.5, step=0.002, iterations=60, dtype="float64")
    monkeypatch.setattr(lago_kernels, "BLOCK_BYTES", 1)
    blocked, hb = total_variation(Xs, Ys, EDGES, eta=0.5, step=0.002, iterations=60, dtype="float64")
    for a, b in zip(blocked, whole):
        np.testing.assert_allclose(a, b, atol=1e-12, rtol=0)
    for name in ("objective", "violation", "primal_residual", "change"):
        np.testing.assert_allclose(getattr(hb, name), getattr(hw, name), rtol=1e-9, atol=1e-14)
        assert len(getattr(hb, name)) == 60


def test_ieq_pdmm_converges_to_a_feasible_point_no_worse_than_feasible_alternatives():
    Xs, Ys = problem()
    eps, lam = 0.05, 0.01
    Ws, hist = ieq_pdmm(Xs, Ys, EDGES, epsilon=eps, lam=lam, iterations=1500, dtype="float64")
    # the constraint the signs are meant to enforce: max |W_i - W_j| <= eps on every edge
    for i, j in EDGES:
        assert np.abs(Ws[i] - Ws[j]).max() <= eps + 1e-4
    assert hist.violation[-1] <= 1e-4 < hist.violation[0]
    # per-language ridge violates it, so the constraint is active
    ridge = [ridge_solve(X, Y, lam) for X, Y in zip(Xs, Ys)]
    assert max(np.abs(ridge[i] - ridge[j]).max() for i, j in EDGES) > 5 * eps
    # feasible alternatives: one shared map (pooled ridge), and per-language maps clipped into a box
    pooled = ridge_solve(np.vstack(Xs), np.vstack(Ys), lam)
    centre = np.mean(ridge, axis=0)
    boxed = [centre + np.clip(W - centre, -eps / 2, eps / 2) for W in ridge]
    f = objective(Xs, Ys, Ws, lam)
    assert f <= objective(Xs, Ys, [pooled] * 4, lam) + 1e-6
    assert f <= objective(Xs, Ys, boxed, lam) + 1e-6
    # and it pays for the constraint: worse than the unconstrained optimum
    assert f >= objective(Xs, Ys, ridge, lam) - 1e-9


def test_ieq_pdmm_limits_give_per_language_ridge():
    Xs, Ys = problem()
    ridge = [ridge_solve(X, Y, 0.01) for X, Y in zip(Xs, Ys)]
    for Ws in (ieq_pdmm(Xs, Ys, EDGES, epsilon=math.inf)[0], ieq_pdmm(Xs, Ys, [], epsilon=0.01)[0]):
        for W, R in zip(Ws, ridge):
            np.testing.assert_array_equal(W, R)
    # a finite but loose box: the iteration itself converges to ridge
    Ws, _ = ieq_pdmm(Xs, Ys, EDGES, epsilon=1e6, iterations=3000)
    for W, R in zip(Ws, ridge):
        np.testing.assert_allclose(W, R, atol=1e-6)


def test_float32_agrees_with_float64():
    Xs, Ys = problem(m=50)
    a, _ = ieq_pdmm(Xs, Ys, EDGES, epsilon=0.05, iterations=200, dtype="float64")
    b, _ = ieq_pdmm(Xs, Ys, EDGES, epsilon=0.05, iterations=200, dtype="float32")
    scale = max(np.abs(w).max() for w in a)
    assert max(np.abs(x - y).max() for x, y in zip(a, b)) < 1e-4 * scale


@pytest.mark.parametrize("solve", [total_variation, total_variation_admm])
def test_total_variation_limits_are_per_language_ridge(solve):
    Xs, Ys = problem()
    ridge = [ridge_solve(X, Y, 0.01) for X, Y in zip(Xs, Ys)]
    for Ws in (solve(Xs, Ys, EDGES, eta=0.0)[0], solve(Xs, Ys, [], eta=0.5)[0]):
        for W, R in zip(Ws, ridge):
            np.testing.assert_array_equal(W, R)


def test_total_variation_descent():
    Xs, Ys = problem()
    ridge = [ridge_solve(X, Y, 0.01) for X, Y in zip(Xs, Ys)]
    Ws, hist = total_variation(Xs, Ys, EDGES, eta=0.5, step=0.002, iterations=400, dtype="float64")
    assert hist.objective[-1] < hist.objective[0]
    f = objective(Xs, Ys, Ws, 0.01, EDGES, eta=0.5)
    assert f == pytest.approx(min(hist.objective), rel=0.01)
    # the penalty pulls neighbours together
    gap = lambda ws: sum(np.abs(ws[i] - ws[j]).sum() for i, j in EDGES)  # noqa: E731
    assert gap(Ws) < 0.9 * gap(ridge)


def test_lago_estimator_by_language_codes_and_as_aligner():
    Xs, Ys = problem(sizes=(30, 30))
    X = {"deu": Xs[0], "nld": Xs[1]}
    Y = {"deu": Ys[0], "nld": Ys[1]}
    lago = LAGO("ieq", edges=[("deu", "nld")], box_epsilon=0.02, iterations=800).fit(X, Y)
    assert np.abs(lago.W_["deu"] - lago.W_["nld"]).max() <= 0.02 + 1e-3
    assert lago.transform(X["deu"], lang="deu").shape == (30, 5)
    free = LAGO("ieq", edges=[], box_epsilon=0.02).fit(X, Y)
    np.testing.assert_allclose(free.W_["deu"], Ridge(alpha=0.01).fit(X["deu"], Y["deu"]).W_, atol=1e-6)
    with pytest.raises(InputError, match="fra"):
        LAGO("ieq", edges=[("deu", "fra")]).fit(X, Y)
    with pytest.raises(InputError, match="epsilon"):
        LAGO("ieq", edges=[("deu", "nld")], box_epsilon=0).fit(X, Y)
    with pytest.raises(InputError, match="method"):
        LAGO("admm").fit(X, Y)
    # settings are checked before any backend starts
    with pytest.raises(InputError, match="epsilon"):
        LAGO("ieq", edges=[("deu", "nld")], box_epsilon=float("nan"), backend="ray").fit(X, Y)
    with pytest.raises(InputError, match="tol"):
        LAGO("ieq", edges=[("deu", "nld")], tol=1e-4, backend="ray").fit(X, Y)
    with pytest.raises(InputError, match="tol stops the admm TV solver"):      # the API refuses it too
        LAGO("tv", edges=[("deu", "nld")], tol=1e-4).fit(X, Y)
    with pytest.warns(DeprecationWarning, match="box_epsilon"):                   # the old name still works
        old = LAGO("ieq", edges=[("deu", "nld")], epsilon=0.02, iterations=800).fit(X, Y)
    np.testing.assert_array_equal(old.W_["deu"], lago.W_["deu"])


@pytest.mark.slow
def test_ray_backend_matches_in_process_solvers():
    ray = pytest.importorskip("ray")
    Xs, Ys = problem(m=20, n=4)
    X = {f"l{i}": x for i, x in enumerate(Xs)}
    Y = {f"l{i}": y for i, y in enumerate(Ys)}
    edges = [("l0", "l1"), ("l1", "l2"), ("l2", "l3"), ("l0", "l2")]
    try:
        for method in ("ieq", "tv"):
            kw = dict(edges=edges, epsilon=0.05, eta=0.3, iterations=25, dtype="float64")
            local = LAGO(method, **kw).fit(X, Y)
            dist = LAGO(method, backend="ray", **kw).fit(X, Y)
            for lang in X:
                np.testing.assert_allclose(dist.W_[lang], local.W_[lang], atol=1e-6)
    finally:
        ray.shutdown()


def test_total_variation_descends_with_a_small_step_and_says_when_a_large_one_diverges():
    from vecleak.errors import InputError

    Xs, Ys = problem(m=12)
    _, hist = total_variation(Xs, Ys, EDGES, eta=0.5, step=0.002, iterations=300, dtype="float64")
    assert min(hist.objective) < hist.objective[0]                      # TV pulls the maps together
    assert hist.objective[-1] <= hist.objective[0]
    with pytest.raises(InputError, match="diverged.*lower the step"):
        total_variation(Xs, Ys, EDGES, eta=0.5, step=1e6, iterations=400, dtype="float64")


def tv_by_generic_solver(Xs, Ys, edges, eta, lam):
    """The TV problem as a smooth one with linear constraints (slacks S >= |W_i - W_j|), solved by
    scipy's interior-point trust-constr: an oracle that shares no code or idea with ADMM (tiny
    problems only)."""
    from scipy.optimize import LinearConstraint, minimize

    k, (m, n) = len(Xs), (Xs[0].shape[1], Ys[0].shape[1])
    nw, ns = k * m * n, len(edges) * m * n
    W_of = lambda v: v[:nw].reshape(k, m, n)  # noqa: E731

    def f(v):
        return objective(Xs, Ys, list(W_of(v)), lam) + eta * v[nw:].sum()

    def g(v):
        grad_w = np.stack([-X.T @ (Y - X @ w) + lam * w for X, Y, w in zip(Xs, Ys, W_of(v))])
        return np.concatenate([grad_w.ravel(), np.full(ns, eta)])

    def hess(v):
        H = np.zeros((nw + ns, nw + ns))
        for i, X in enumerate(Xs):
            block = np.kron(X.T @ X + lam * np.eye(m), np.eye(n))     # row-major (m, n) unknowns
            H[i * m * n:(i + 1) * m * n, i * m * n:(i + 1) * m * n] = block
        return H

    D = np.zeros((ns, nw))                                             # D @ w = W_i - W_j per edge entry
    for e, (i, j) in enumerate(edges):
        D[e * m * n:(e + 1) * m * n, i * m * n:(i + 1) * m * n] = np.eye(m * n)
        D[e * m * n:(e + 1) * m * n, j * m * n:(j + 1) * m * n] = -np.eye(m * n)
    A = np.block([[-D, np.eye(ns)], [D, np.eye(ns)]])                  # S - d >= 0 and S + d >= 0
    W0 = np.stack([ridge_solve(X, Y, lam) for X, Y in zip(Xs, Ys)])
    s0 = np.abs(D @ W0.ravel()) + 1.0
    res = minimize(f, np.concatenate([W0.ravel(), s0]), jac=g, hess=hess, method="trust-constr",
                   constraints=[LinearConstraint(A, 0, np.inf)], options={"gtol": 1e-12, "xtol": 1e-14,
                                                                         "maxiter": 5000})
    return list(W_of(res.x))


@pytest.mark.parametrize("eta", [0.05, 0.5, 5.0])
def test_tv_admm_reaches_the_minimizer_a_generic_solver_finds(eta):
    Xs, Ys = problem(m=3, n=2, sizes=(4, 6, 5), seed=1)
    edges = [(0, 1), (1, 2)]
    ref = tv_by_generic_solver(Xs, Ys, edges, eta, lam=0.01)
    Ws, hist = total_variation_admm(Xs, Ys, edges, eta=eta, lam=0.01, iterations=20000, tol=1e-10)
    assert len(hist.objective) < 20000                                   # stopped by the tolerance
    f_admm, f_ref = objective(Xs, Ys, Ws, 0.01, edges, eta), objective(Xs, Ys, ref, 0.01, edges, eta)
    assert f_admm <= f_ref * (1 + 1e-9)                                  # the barrier method stops just inside
    assert f_admm == pytest.approx(f_ref, rel=1e-6)
    for a, b in zip(Ws, ref):
        np.testing.assert_allclose(a, b, atol=1e-4)


def test_tv_admm_gets_below_where_the_seed_schedule_stops():
    """The seed's schedule (absolute step 0.01, 500 steps) stops far above the optimum on a
    three-language chain; ADMM, from the same ridge start, reaches it."""
    rng = np.random.default_rng(0)
    Xs = [rng.normal(size=(10, 8)) for _ in range(3)]
    W_true = rng.normal(size=(8, 8))
    Ys = [X @ (W_true + 0.3 * rng.normal(size=(8, 8))) + 0.1 * rng.normal(size=(10, 8)) for X in Xs]
    edges = [(0, 1), (1, 2)]
    literal, _ = total_variation(Xs, Ys, edges, eta=10.0, dtype="float64")
    Ws, hist = total_variation_admm(Xs, Ys, edges, eta=10.0, iterations=5000, tol=1e-9)
    f_literal, f_admm = (objective(Xs, Ys, w, 0.01, edges, 10.0) for w in (literal, Ws))
    assert f_admm < 0.95 * f_literal
    assert f_admm == pytest.approx(min(hist.objective), rel=1e-6)       # the last iterate is the best one
    longer = tv_literal(Xs, Ys, edges, eta=10.0, step=0.01, lam=0.01, iterations=3000)
    assert f_admm <= objective(Xs, Ys, longer, 0.01, edges, 10.0) + 1e-9   # no schedule of its gets lower


def test_tv_admm_large_eta_fuses_the_maps():
    Xs, Ys = problem()
    # η beyond every dual bound: the connected graph's maps are one, the ridge of all pairs pooled
    pooled = ridge_solve(np.vstack(Xs), np.vstack(Ys), 0.01 * len(Xs))
    Ws, _ = total_variation_admm(Xs, Ys, EDGES, eta=1e4, iterations=5000, tol=1e-10)
    for W in Ws:
        np.testing.assert_allclose(W, pooled, atol=1e-6)
    with pytest.raises(InputError, match="rho"):
        total_variation_admm(Xs, Ys, EDGES, rho=0.0)


def test_lago_estimator_takes_the_admm_solver():
    Xs, Ys = problem(sizes=(30, 30))
    X, Y = {"deu": Xs[0], "nld": Xs[1]}, {"deu": Ys[0], "nld": Ys[1]}
    lago = LAGO("tv", edges=[("deu", "nld")], eta=0.5, tv_solver="admm", iterations=3000, tol=1e-8).fit(X, Y)
    ref, _ = total_variation_admm(Xs[:2], Ys[:2], [(0, 1)], eta=0.5, iterations=3000, tol=1e-8)
    np.testing.assert_allclose(lago.W_["deu"], ref[0], atol=1e-6)
    assert lago.get_params()["tv_solver"] == "admm"
    with pytest.raises(InputError, match="tv_solver"):
        LAGO("tv", edges=[("deu", "nld")], tv_solver="newton").fit(X, Y)
    with pytest.raises(InputError, match="ray"):
        LAGO("tv", edges=[("deu", "nld")], tv_solver="admm", backend="ray").fit(X, Y)
