"""LAGO's joint solvers on raw arrays: IEQ-PDMM (hard ε-box on edges) and total variation.

Problem over languages i = 1..k with leaked pairs ``X_i (b_i, m)``, ``Y_i (b_i, n)``::

    min Σ_i ½‖Y_i − X_i W_i‖²_F + λ/2 ‖W_i‖²_F   s.t. ‖W_i − W_j‖_max ≤ ε on every edge   (IEQ-PDMM)
    min Σ_i ½‖Y_i − X_i W_i‖²_F + λ/2 ‖W_i‖²_F + η Σ_{edges} ‖W_i − W_j‖_1             (TV)

``edges`` is an ``(E, 2)`` integer array of undirected edges (i, j), i ≠ j, each listed once;
edge e gives ``B_ij = +1`` to its first node and ``B_ji = −1`` to its second.

IEQ-PDMM (Heusdens & Zhang) as stated in LAGO, with two duals per directed edge::

    W_i  = (X_iᵀX_i + (2c·d_i + λ)I)⁻¹ (X_iᵀY_i − Σ_j B_ij (z1_ij − z2_ij))
    y1_ij = z1_ij + 2c·B_ij·W_i − c·ε ,   y2_ij = z2_ij − 2c·B_ij·W_i − c·ε
    z_ij ← (1−θ) z_ij + θ·y_ji   where y_ij + y_ji > 0,   else (1−θ) z_ij − θ·y_ij

:func:`ieq_pdmm_reference` runs exactly that, one directed edge and one linear solve at a
time. :func:`ieq_pdmm` computes the same iterates faster, by three pieces of algebra:

1. *Edge sums and differences.* For edge e = (i, j) put p = z_ij + z_ji and q = z_ij − z_ji.
   The branch rule makes ``p ← (1−θ)p + θ|p + 2c(W_i − W_j) − 2cε|`` (for z1; for z2 the sign of
   ``W_i − W_j`` flips) while ``q ← (1−2θ)q ∓ 2cθ(W_i + W_j)`` in *both* branches.
2. *Node aggregation.* Only ``S_i = Σ_j B_ij(z1_ij − z2_ij)`` enters the W-update; its q-part
   summed over i's edges, ``U_i``, obeys the node-level linear recursion
   ``U_i ← (1−2θ)U_i − 4cθ(d_i W_i + Σ_{j∈N(i)} W_j)``. What is left per edge is two
   ``(m, n)`` arrays updated elementwise, vectorized over all edges at once.
3. *Factor once.* Each node's system matrix is fixed, so it is factored before the loop: in
   the dual (Woodbury) form ``(XᵀX + ρI)⁻¹R = (R − Xᵀ(XXᵀ + ρI)⁻¹XR)/ρ`` when 2b < m, else as
   an explicit ``m × m`` inverse from its eigendecomposition; nodes are padded to a common b
   (zero rows change nothing) and updated with one batched matmul.

4. *Column blocks*: every step acts on the n columns of the maps separately, so
   :mod:`~vecleak.align.lago_kernels` runs all iterations on one block of columns at a time,
   its state in cache, in short vectorized passes (numba), blocks in parallel threads.
   Early stopping (``tol``) and ``record_objective`` need the whole W after every iteration:
   the same kernel then runs one iteration per call, its state kept between calls.

TV uses the Gram form ``XᵀX W − XᵀY`` for its gradient (and objective) when m < 2b. Its
columns are independent too, so it runs through the same column-block scheme.

So each solver exists twice: the literal algorithm (the test oracle: :func:`ieq_pdmm_reference`
here, the TV update in the tests) and the kernel; the Ray backend's per-language nodes
(:mod:`~vecleak.align.lago_nodes`) are the third form a distributed run needs.

Both solvers return per-language ridge exactly when the graph has no edges, when ε = ∞
(IEQ) or η = 0 (TV, which starts from the per-language ridge solution).

TV's subgradient schedule is LAGO's, kept as the reproducible default; it stops wherever its
decayed step leaves it. :func:`total_variation_admm` solves the same problem to its minimizer.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from vecleak.align import lago_kernels
from vecleak.align.lago_nodes import shifted_inverse
from vecleak.align.ridge import ridge_solve
from vecleak.configs import LagoConfig as _L
from vecleak.constraints import check_value
from vecleak.errors import DimensionMismatchError, InputError

#: ADMM's own stopping tolerance when called directly (:class:`~vecleak.align.lago.LAGO` passes
#: :attr:`LagoConfig.tol <vecleak.configs.LagoConfig.tol>`, 0: every iteration, unless told otherwise).
ADMM_TOL = 1e-6


@dataclass
class SolverHistory:
    """Per-iteration convergence record of a joint solve.

    ``violation``: largest constraint excess ``max_e max(|W_i − W_j| − ε, 0)`` (IEQ) or
    largest ``|W_i − W_j|`` on an edge (TV); ``primal_residual``: Frobenius norm of the
    constraint excess over all edges (IEQ) or of ``W_i − W_j`` (TV); ``change``: relative change
    ``‖W^t − W^{t−1}‖_F / ‖W^t‖_F``; ``objective``: the problem's objective (every iteration for
    TV, only when asked for IEQ).
    """

    violation: list[float] = field(default_factory=list)
    primal_residual: list[float] = field(default_factory=list)
    change: list[float] = field(default_factory=list)
    objective: list[float] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, list[float] | float]:
        return {"violation": self.violation, "primal_residual": self.primal_residual,
                "change": self.change, "objective": self.objective, "seconds": self.seconds}

    def plot_png(self, title: str = "") -> bytes:
        """The recorded curves against iteration on log axes, as PNG bytes."""
        import io

        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        curves = {k: v for k, v in (("violation", self.violation), ("primal residual", self.primal_residual),
                                    ("relative change", self.change), ("objective", self.objective)) if v}
        fig, axes = plt.subplots(1, len(curves), figsize=(3.6 * max(1, len(curves)), 3.2), squeeze=False)
        for ax, (name, values) in zip(axes[0], curves.items()):
            ax.plot(range(1, len(values) + 1), np.maximum(np.asarray(values, float), 1e-16))
            ax.set_yscale("log")
            ax.set_xlabel("iteration")
            ax.set_title(name, fontsize=9)
        fig.suptitle(title, fontsize=10)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=120)
        plt.close(fig)
        return buf.getvalue()


def check_problem(Xs: Sequence[np.ndarray], Ys: Sequence[np.ndarray], edges: np.ndarray | Sequence) -> np.ndarray:
    """Validate a joint problem; return edges as an ``(E, 2)`` int64 array."""
    if len(Xs) != len(Ys) or not Xs:
        raise InputError(f"need one Y per X and at least one language, got {len(Xs)} X and {len(Ys)} Y")
    m, n = Xs[0].shape[1], Ys[0].shape[1]
    for i, (X, Y) in enumerate(zip(Xs, Ys)):
        if X.ndim != 2 or Y.ndim != 2 or X.shape[0] != Y.shape[0]:
            raise DimensionMismatchError(f"language {i}: X {X.shape} and Y {Y.shape} must be (b, m) and (b, n) with equal b")
        if X.shape[1] != m or Y.shape[1] != n:
            raise DimensionMismatchError(f"language {i}: X {X.shape}, Y {Y.shape}; every language needs m={m}, n={n}")
    E = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    if len(E) and (E.min() < 0 or E.max() >= len(Xs) or (E[:, 0] == E[:, 1]).any()):
        raise InputError("edges must join two different languages given by index 0..k-1")
    if len(E) and len({tuple(sorted(e)) for e in E.tolist()}) != len(E):
        raise InputError("each undirected edge must be listed once")
    return E


def degrees(k: int, edges: np.ndarray) -> np.ndarray:
    """``(k,)`` number of edges at each node."""
    return np.bincount(edges.reshape(-1), minlength=k) if len(edges) else np.zeros(k, np.int64)


def objective(Xs: Sequence[np.ndarray], Ys: Sequence[np.ndarray], Ws: Sequence[np.ndarray], lam: float,
              edges: np.ndarray | None = None, eta: float = 0.0) -> float:
    """``Σ_i ½‖Y_i − X_iW_i‖² + λ/2‖W_i‖² + η Σ_edges ‖W_i − W_j‖_1``."""
    total = sum(0.5 * np.sum((Y - X @ W) ** 2) + 0.5 * lam * np.sum(W ** 2) for X, Y, W in zip(Xs, Ys, Ws))
    if eta and edges is not None and len(edges):
        total += eta * sum(np.abs(Ws[i] - Ws[j]).sum() for i, j in np.asarray(edges).tolist())
    return float(total)


class _NodeSystems:
    """``W_i = (X_iᵀX_i + ρ_i I)⁻¹ R_i`` for all nodes at once, factored once; shapes ``(k, m, n)``."""

    def __init__(self, Xs: Sequence[np.ndarray], rho: np.ndarray, dtype: torch.dtype) -> None:
        k, m = len(Xs), Xs[0].shape[1]
        b = max(X.shape[0] for X in Xs)
        self.dual = 2 * b < m and bool((rho > 0).all())
        if self.dual:
            Xp = np.zeros((k, b, m))
            for i, X in enumerate(Xs):
                Xp[i, : len(X)] = X
            K = Xp @ Xp.transpose(0, 2, 1) + rho[:, None, None] * np.eye(b)
            L = np.linalg.solve(K, Xp)                                  # (k, b, m) = K⁻¹X
            self.Xt = torch.from_numpy(Xp.transpose(0, 2, 1).copy()).to(dtype)
            self.L = torch.from_numpy(L).to(dtype)
            self.inv_rho = torch.from_numpy(1.0 / rho).to(dtype)[:, None, None]
        else:
            Ms = [shifted_inverse(X, r) for X, r in zip(Xs, rho)]       # pseudo-inverse when ρ = 0
            self.M = torch.from_numpy(np.stack(Ms)).to(dtype)

    def solve(self, R: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
        """``out ← (X_iᵀX_i + ρ_i I)⁻¹ R_i`` for all i; preallocated buffers keep the loop free of
        large allocations (each would be a fresh mmap and page faults on every iteration)."""
        if self.dual:
            if not hasattr(self, "_tmp") or self._tmp.shape[2] != R.shape[2]:
                self._tmp = torch.empty(self.L.shape[:2] + R.shape[2:], dtype=R.dtype)
            torch.bmm(self.L, R, out=self._tmp)
            torch.baddbmm(R, self.Xt, self._tmp, alpha=-1, out=out)
            return out.mul_(self.inv_rho)
        return torch.bmm(self.M, R, out=out)


def _stack(arrays: Sequence[np.ndarray], dtype: torch.dtype) -> torch.Tensor:
    return torch.from_numpy(np.stack([np.asarray(a, np.float64) for a in arrays])).to(dtype)


def _torch_dtype(dtype: str) -> torch.dtype:
    if dtype not in ("float64", "float32"):
        raise InputError(f"dtype must be 'float64' or 'float32', got '{dtype}'")
    return torch.float64 if dtype == "float64" else torch.float32


def ieq_pdmm(Xs: Sequence[np.ndarray], Ys: Sequence[np.ndarray], edges: np.ndarray | Sequence, *,
             epsilon: float = _L.box_epsilon, c: float = _L.c, theta: float = _L.theta, lam: float = _L.lam,
             iterations: int = _L.iterations, tol: float = _L.tol, record_objective: bool = False,
             dtype: str = "auto") -> tuple[list[np.ndarray], SolverHistory]:
    """IEQ-PDMM for ``‖W_i − W_j‖_max ≤ ε`` on edges; returns ``([W_i (m, n)], history)``.

    Args:
        Xs, Ys: per-language victim ``(b_i, m)`` and attacker ``(b_i, n)`` vectors.
        edges: ``(E, 2)`` undirected edges by language index.
        epsilon: box half-width ε > 0 (``math.inf``: no constraint, per-language ridge).
        c, theta, lam: PDMM penalty c > 0, averaging θ ∈ (0, 1], ridge λ ≥ 0.
        iterations: maximum iterations; ``tol`` > 0 stops once the relative change of W and
            the constraint excess both fall below it.
        record_objective: also record the objective every iteration (slower: the kernel then runs
            one iteration per call).
        dtype: ``"float32"``, ``"float64"`` or ``"auto"`` (float32 for ε ≤ 1, where it agrees with
            float64 to ~1e-5 and runs about twice as fast; float64 above, because the duals
            grow like 2cε and float32 would round the solution away).
    """
    E = check_problem(Xs, Ys, edges)
    check_settings(epsilon=epsilon, c=c, theta=theta, lam=lam, iterations=iterations)
    k = len(Xs)
    if not len(E) or math.isinf(epsilon):
        return [ridge_solve(np.asarray(X, np.float64), np.asarray(Y, np.float64), lam) for X, Y in zip(Xs, Ys)], SolverHistory()
    t0 = time.perf_counter()
    tdt = _torch_dtype(dtype if dtype != "auto" else ("float32" if epsilon <= 1 else "float64"))
    deg = degrees(k, E)
    systems = _NodeSystems([np.asarray(X, np.float64) for X in Xs], 2 * c * deg + lam, tdt)
    C = _stack([np.asarray(X, np.float64).T @ np.asarray(Y, np.float64) for X, Y in zip(Xs, Ys)], tdt)   # (k, m, n)
    return _ieq_pdmm_blocked(systems, C, E, deg, c=c, epsilon=epsilon, theta=theta, iterations=iterations, t0=t0,
                             tol=tol, objective_of=(lambda W: objective(Xs, Ys, list(W), lam)) if record_objective
                             else None)


def _ieq_pdmm_blocked(systems: _NodeSystems, C: torch.Tensor, E: np.ndarray, deg: np.ndarray, *, c: float,
                      epsilon: float, theta: float, iterations: int, t0: float, tol: float = _L.tol,
                      objective_of=None) -> tuple[list[np.ndarray], SolverHistory]:
    """The iterates through :mod:`~vecleak.align.lago_kernels` (column blocks, short passes): all
    at once, or one at a time when ``tol`` or ``objective_of`` needs the whole W after each."""
    _need_kernels()
    W0 = systems.solve(C, out=torch.empty_like(C)).numpy()
    if systems.dual:
        L, Xt, inv_rho = systems.L.numpy(), systems.Xt.numpy(), systems.inv_rho.reshape(-1).numpy()
    else:
        L, Xt, inv_rho = systems.M.numpy(), None, None
    blocks = lago_kernels.IEQBlocks(L, Xt, inv_rho, W0, E, deg, c=c, epsilon=epsilon, theta=theta,
                                    threads=torch.get_num_threads())
    hist = SolverHistory()
    if tol == 0 and objective_of is None:
        hist.violation, hist.primal_residual, hist.change = lago_kernels.history_from_stats(*blocks.run(iterations))
    else:
        for t in range(iterations):
            v, r, ch = lago_kernels.history_from_stats(*blocks.run(1), first=t == 0)
            hist.violation += v
            hist.primal_residual += r
            hist.change += ch
            if objective_of is not None:
                hist.objective.append(objective_of(blocks.W.astype(np.float64)))
            if tol > 0 and ch[0] < tol and v[0] < tol:
                break
    hist.seconds = time.perf_counter() - t0
    return [w.astype(np.float64) for w in blocks.W], hist


def _need_kernels() -> None:
    if not lago_kernels.available():
        raise InputError("LAGO's solvers need numba (a vecleak dependency): pip install numba")


def total_variation(Xs: Sequence[np.ndarray], Ys: Sequence[np.ndarray], edges: np.ndarray | Sequence, *,
                    eta: float = _L.eta, step: float = _L.step, lam: float = _L.lam, iterations: int = _L.iterations,
                    dtype: str = "auto") -> tuple[list[np.ndarray], SolverHistory]:
    """Subgradient descent on the TV-penalized objective; returns ``([W_i (m, n)], history)``.

    ``W_i ← W_i − step/√(t+1) · (−X_iᵀ(Y_i − X_iW_i) + λW_i + η Σ_{j∈N(i)} sign(W_i − W_j))``,
    started from the per-language ridge solution (so η = 0 returns it unchanged). The
    objective counts each undirected edge once, which is what this update descends.
    ``dtype="auto"`` is float32.
    """
    E = check_problem(Xs, Ys, edges)
    check_settings(eta=eta, step=step, lam=lam, iterations=iterations)
    Ws0 = [ridge_solve(np.asarray(X, np.float64), np.asarray(Y, np.float64), lam) for X, Y in zip(Xs, Ys)]
    if not len(E) or eta == 0:
        return Ws0, SolverHistory()
    t0 = time.perf_counter()
    tdt = _torch_dtype("float32" if dtype == "auto" else dtype)
    k, m = len(Xs), Xs[0].shape[1]
    b = max(X.shape[0] for X in Xs)
    Xp = np.zeros((k, b, m))
    Yp = np.zeros((k, b, Ys[0].shape[1]))
    for i, (X, Y) in enumerate(zip(Xs, Ys)):
        Xp[i, : len(X)], Yp[i, : len(Y)] = X, Y
    # Gram form when it is cheaper (2m²n vs 4bmn flops per node): −Xᵀ(Y − XW) = GW − XᵀY, and
    # ½‖Y − XW‖² = ½(Σ W ⊙ GW − 2 Σ W ⊙ XᵀY + ‖Y‖²)
    gram = m < 2 * b
    return _total_variation_blocked(Xp, Yp, Ws0, E, gram=gram, lam=lam, eta=eta, step=step,
                                    iterations=iterations, dtype=tdt, t0=t0)


def _total_variation_blocked(Xp: np.ndarray, Yp: np.ndarray, Ws0: list[np.ndarray], E: np.ndarray, *, gram: bool,
                             lam: float, eta: float, step: float, iterations: int, dtype: torch.dtype,
                             t0: float) -> tuple[list[np.ndarray], SolverHistory]:
    """The iterates through :mod:`~vecleak.align.lago_kernels` (column blocks, short passes)."""
    _need_kernels()
    dt = torch.empty(0, dtype=dtype).numpy().dtype
    if gram:
        A, B = Xp.transpose(0, 2, 1) @ Xp, Xp.transpose(0, 2, 1) @ Yp
    else:
        A, B = Xp, Yp
    W, st = lago_kernels.total_variation_blocked(A.astype(dt), B.astype(dt), np.stack(Ws0).astype(dt), E, gram=gram,
                                                 lam=lam, eta=eta, step=step, iterations=iterations,
                                                 threads=torch.get_num_threads())
    fit = st[:, 0] + (0.5 * float(np.sum(Yp ** 2)) if gram else 0.0)
    objective = fit + 0.5 * lam * st[:, 1] + eta * st[:, 2]
    bad = np.flatnonzero(~np.isfinite(objective))
    if len(bad) or not np.isfinite(W).all():
        at = f" at iteration {bad[0] + 1}" if len(bad) else ""
        raise InputError(f"total variation diverged{at}; lower the step (now {step})")
    hist = SolverHistory()
    hist.objective = [float(f) for f in objective]
    hist.violation = [float(v) for v in st[:, 3]]
    hist.primal_residual = [math.sqrt(float(v)) for v in st[:, 4]]
    steps = step / np.sqrt(np.arange(1, iterations + 1))
    hist.change = [float(a * math.sqrt(g) / max(math.sqrt(w), 1e-30)) for a, g, w in zip(steps, st[:, 5], st[:, 6])]
    hist.seconds = time.perf_counter() - t0
    return [w.astype(np.float64) for w in W], hist


def total_variation_admm(Xs: Sequence[np.ndarray], Ys: Sequence[np.ndarray], edges: np.ndarray | Sequence, *,
                         eta: float = _L.eta, lam: float = _L.lam, rho: float | None = None, iterations: int = _L.iterations,
                         tol: float = ADMM_TOL, dtype: str = "auto") -> tuple[list[np.ndarray], SolverHistory]:
    """The TV-penalized objective solved by ADMM (network lasso); returns ``([W_i (m, n)], history)``.

    The subgradient schedule of :func:`total_variation` (LAGO's) stops wherever its step has
    decayed to; ADMM converges to the minimizer for every ρ > 0. Each edge e = (i, j) gets
    copies ``Z_ei ≈ W_i``, ``Z_ej ≈ W_j`` and scaled duals ``U``::

        W_i ← (X_iᵀX_i + (λ + ρ d_i) I)⁻¹ (X_iᵀY_i + ρ Σ_{e∋i} (Z_ei − U_ei))      (factored once per ρ)
        a, b = W_i + U_ei, W_j + U_ej ;  t = soft(a − b, 2η/ρ)
        Z_ei, Z_ej ← (a + b + t) / 2, (a + b − t) / 2                             (exact edge prox)
        U_ei ← U_ei + W_i − Z_ei ,  U_ej ← U_ej + W_j − Z_ej

    Stops when the primal residual ``‖W − Z‖`` and the dual residual ``ρ‖Aᵀ(Z − Z_prev)‖`` both
    fall below ``tol`` relative to their scales (Boyd et al. 2011, §3.3), or after
    ``iterations``. ``rho=None`` starts at the mean curvature ``tr(X_iᵀX_i)/m + λ`` and balances
    the two residuals (×2 / ÷2 when one is 10× the other, §3.4.1; every 10 iterations in the first
    half, then ρ stays fixed). ``dtype="auto"`` is float64.
    η = 0 or no edges returns the per-language ridge solution.
    """
    E = check_problem(Xs, Ys, edges)
    check_settings(eta=eta, lam=lam, iterations=iterations, tol=tol)
    if rho is not None and not rho > 0:
        raise InputError(f"rho must be > 0, got {rho}")
    Xs64 = [np.asarray(X, np.float64) for X in Xs]
    Ys64 = [np.asarray(Y, np.float64) for Y in Ys]
    if not len(E) or eta == 0:
        return [ridge_solve(X, Y, lam) for X, Y in zip(Xs64, Ys64)], SolverHistory()
    t0 = time.perf_counter()
    tdt = _torch_dtype("float64" if dtype == "auto" else dtype)
    k, m = len(Xs), Xs[0].shape[1]
    deg = degrees(k, E)
    adaptive = rho is None
    rho = float(np.mean([np.sum(X * X) / m for X in Xs64])) + lam if rho is None else float(rho)
    b = max(len(X) for X in Xs64)
    Xp, Yp = np.zeros((k, b, m)), np.zeros((k, b, Ys64[0].shape[1]))
    for i, (X, Y) in enumerate(zip(Xs64, Ys64)):
        Xp[i, : len(X)], Yp[i, : len(Y)] = X, Y
    Xt, Yt = torch.from_numpy(Xp).to(tdt), torch.from_numpy(Yp).to(tdt)
    C = Xt.transpose(1, 2) @ Yt                                                 # (k, m, n) X_iᵀY_i
    I, J = torch.from_numpy(E[:, 0]), torch.from_numpy(E[:, 1])
    systems = _NodeSystems(Xs64, lam + rho * deg, tdt)
    W = _stack([ridge_solve(X, Y, lam) for X, Y in zip(Xs64, Ys64)], tdt)      # per-language ridge start
    # Edge state, (E, m, n) each: the copies Z_ei, Z_ej and the scaled dual U of the i end. The
    # j end's dual is always −U (both duals are (a − b − t)/2 up to sign), so it is not stored.
    Zi, Zj, U = W[I].clone(), W[J].clone(), torch.zeros_like(W[I])
    R, Wi, Wj, T = torch.empty_like(C), torch.empty_like(Zi), torch.empty_like(Zi), torch.empty_like(Zi)

    def to_nodes(at_i: torch.Tensor, at_j: torch.Tensor) -> torch.Tensor:
        """``Aᵀ``: sum each edge's i-end array into node i and its j-end array into node j."""
        return torch.zeros_like(C).index_add_(0, I, at_i).index_add_(0, J, at_j)

    def objective_of(W: torch.Tensor, Wi: torch.Tensor, Wj: torch.Tensor) -> float:
        fit = 0.5 * _sq(Yt - Xt @ W) + 0.5 * lam * _sq(W)
        return fit + eta * float(torch.sum(torch.abs(Wi - Wj)))

    hist = SolverHistory()
    for t in range(iterations):
        W_prev = W.clone()
        torch.add(C, to_nodes(Zi - U, Zj + U), alpha=rho, out=R)
        W = systems.solve(R, out=W)
        torch.index_select(W, 0, I, out=Wi)
        torch.index_select(W, 0, J, out=Wj)
        A, B = Wi + U, Wj - U
        D = A - B
        U = D.clamp(-2 * eta / rho, 2 * eta / rho).mul_(0.5)                 # the new dual: ρ|U| ≤ η
        torch.sub(D, U, alpha=2.0, out=T)                                      # soft(a − b, 2η/ρ)
        S = A.add_(B).mul_(0.5)                                                # (a + b) / 2
        dZi, dZj = torch.add(S, T, alpha=0.5).sub_(Zi), torch.sub(S, T, alpha=0.5).sub_(Zj)
        Zi += dZi
        Zj += dZj
        primal = math.sqrt(_sq(Wi - Zi) + _sq(Wj - Zj))
        dual = rho * float(torch.linalg.vector_norm(to_nodes(dZi, dZj)))
        diff = Wi - Wj
        hist.violation.append(float(diff.abs().max()))
        hist.primal_residual.append(float(torch.linalg.vector_norm(diff)))
        hist.change.append(float(torch.linalg.vector_norm(W - W_prev) / max(float(torch.linalg.vector_norm(W)), 1e-30)))
        hist.objective.append(objective_of(W, Wi, Wj))
        scale_p = max(math.sqrt(_sq(Wi) + _sq(Wj)), math.sqrt(_sq(Zi) + _sq(Zj)), 1e-30)
        scale_d = max(rho * float(torch.linalg.vector_norm(to_nodes(U, -U))), 1e-30)
        if tol > 0 and primal <= tol * scale_p and dual <= tol * scale_d:
            break
        # Residual balancing every 10 iterations in the first half; ρ then stays fixed (convergence).
        if adaptive and t % 10 == 9 and t < iterations // 2 and \
                (primal / scale_p > 10 * dual / scale_d or dual / scale_d > 10 * primal / scale_p):
            factor = 2.0 if primal / scale_p > dual / scale_d else 0.5
            rho *= factor
            U /= factor                                                        # scaled duals follow ρ
            systems = _NodeSystems(Xs64, lam + rho * deg, tdt)
    hist.seconds = time.perf_counter() - t0
    return [w.double().numpy().copy() for w in W], hist


def _sq(x: torch.Tensor) -> float:
    """``‖x‖²_F`` without a squared temporary."""
    return float(torch.linalg.vector_norm(x)) ** 2


def ieq_pdmm_reference(Xs: Sequence[np.ndarray], Ys: Sequence[np.ndarray], edges: np.ndarray | Sequence, *,
                       epsilon: float = _L.box_epsilon, c: float = _L.c, theta: float = _L.theta, lam: float = _L.lam,
                       iterations: int = _L.iterations) -> list[np.ndarray]:
    """IEQ-PDMM exactly as written: two duals per directed edge, a fresh solve per node and iteration.

    Slow on purpose; the test oracle for :func:`ieq_pdmm` and the baseline of its benchmark.
    """
    E = check_problem(Xs, Ys, edges)
    k, m, n = len(Xs), Xs[0].shape[1], Ys[0].shape[1]
    Xs = [np.asarray(X, np.float64) for X in Xs]
    Ys = [np.asarray(Y, np.float64) for Y in Ys]
    B: dict[tuple[int, int], float] = {}
    for i, j in E.tolist():
        B[(i, j)], B[(j, i)] = 1.0, -1.0
    nbrs = {i: [j for (a, j) in B if a == i] for i in range(k)}
    z1 = {e: np.zeros((m, n)) for e in B}
    z2 = {e: np.zeros((m, n)) for e in B}
    Ws = [np.zeros((m, n)) for _ in range(k)]
    for _ in range(iterations):
        for i in range(k):
            A = Xs[i].T @ Xs[i] + (2 * c * len(nbrs[i]) + lam) * np.eye(m)
            rhs = Xs[i].T @ Ys[i] - sum((B[(i, j)] * (z1[(i, j)] - z2[(i, j)]) for j in nbrs[i]), np.zeros((m, n)))
            Ws[i] = np.linalg.solve(A, rhs)
        y1 = {(i, j): z1[(i, j)] + 2 * c * B[(i, j)] * Ws[i] - c * epsilon for (i, j) in B}
        y2 = {(i, j): z2[(i, j)] - 2 * c * B[(i, j)] * Ws[i] - c * epsilon for (i, j) in B}
        for z, y in ((z1, y1), (z2, y2)):
            for (i, j) in B:
                take = y[(i, j)] + y[(j, i)] > 0
                z[(i, j)] = (1 - theta) * z[(i, j)] + theta * np.where(take, y[(j, i)], -y[(i, j)])
    return Ws


#: A solver argument's setting in :class:`~vecleak.configs.LagoConfig` (the one source of its constraint).
_SETTING = {"epsilon": "box_epsilon"}


def check_settings(**params: float) -> None:
    """Refuse solver settings outside :class:`~vecleak.configs.LagoConfig`'s constraints (a
    :class:`~vecleak.constraints.ConfigError` naming the argument: ``eta must be ...``)."""
    for name, value in params.items():
        check_value(name, value, _L.CONSTRAINTS[_SETTING.get(name, name)])
