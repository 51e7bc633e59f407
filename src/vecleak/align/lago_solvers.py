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
   Early stopping (``tol``) and ``record_objective`` need the whole W after every iteration
   and run the global torch iteration instead.

TV uses the Gram form ``XᵀX W − XᵀY`` for its gradient (and objective) when m < 2b. Its
columns are independent too, so it runs through the same column-block scheme (torch path
without numba).

Both solvers return per-language ridge exactly when the graph has no edges, when ε = ∞
(IEQ) or η = 0 (TV, which starts from the per-language ridge solution).
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
from vecleak.errors import DimensionMismatchError, InputError


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
             epsilon: float = 0.01, c: float = 0.4, theta: float = 1.0, lam: float = 0.01,
             iterations: int = 500, tol: float = 0.0, record_objective: bool = False,
             dtype: str = "auto") -> tuple[list[np.ndarray], SolverHistory]:
    """IEQ-PDMM for ``‖W_i − W_j‖_max ≤ ε`` on edges; returns ``([W_i (m, n)], history)``.

    Args:
        Xs, Ys: per-language victim ``(b_i, m)`` and attacker ``(b_i, n)`` vectors.
        edges: ``(E, 2)`` undirected edges by language index.
        epsilon: box half-width ε > 0 (``math.inf``: no constraint, per-language ridge).
        c, theta, lam: PDMM penalty c > 0, averaging θ ∈ (0, 1], ridge λ ≥ 0.
        iterations: maximum iterations; ``tol`` > 0 stops once the relative change of W and
            the constraint excess both fall below it.
        record_objective: also record the objective every iteration (slower: global path).
        dtype: ``"float32"``, ``"float64"`` or ``"auto"`` (float32 for ε ≤ 1, where it agrees with
            float64 to ~1e-5 and runs about twice as fast; float64 above, because the duals
            grow like 2cε and float32 would round the solution away).
    """
    E = check_problem(Xs, Ys, edges)
    _check_params(epsilon=epsilon, c=c, theta=theta, lam=lam, iterations=iterations)
    k = len(Xs)
    if not len(E) or math.isinf(epsilon):
        return [ridge_solve(np.asarray(X, np.float64), np.asarray(Y, np.float64), lam) for X, Y in zip(Xs, Ys)], SolverHistory()
    t0 = time.perf_counter()
    tdt = _torch_dtype(dtype if dtype != "auto" else ("float32" if epsilon <= 1 else "float64"))
    deg = degrees(k, E)
    systems = _NodeSystems([np.asarray(X, np.float64) for X in Xs], 2 * c * deg + lam, tdt)
    C = _stack([np.asarray(X, np.float64).T @ np.asarray(Y, np.float64) for X, Y in zip(Xs, Ys)], tdt)   # (k, m, n)
    I, J = torch.from_numpy(E[:, 0]), torch.from_numpy(E[:, 1])
    pairs = E.tolist()
    if tol == 0 and not record_objective and lago_kernels.available():
        return _ieq_pdmm_blocked(systems, C, E, deg, c=c, epsilon=epsilon, theta=theta, iterations=iterations, t0=t0)
    # (diag(d) + A): U's recursion needs d_i W_i + Σ_{j∈N(i)} W_j for every node in one matmul
    DA = np.diag(deg).astype(np.float64)
    for i, j in pairs:
        DA[i, j] += 1
        DA[j, i] += 1
    DA_t = torch.from_numpy(DA).to(tdt)
    shape = C.shape
    p1 = torch.zeros((len(E),) + shape[1:], dtype=tdt)
    p2 = torch.zeros_like(p1)
    D = torch.empty_like(p1)
    P = torch.empty_like(p1)
    U = torch.zeros_like(C)
    S = torch.empty_like(C)
    R = torch.empty_like(C)
    nbr = torch.empty((k, C[0].numel()), dtype=tdt)
    W, W_prev = torch.empty_like(C), torch.empty_like(C)
    hist = SolverHistory()
    two_c_eps = 2 * c * epsilon
    for t in range(iterations):
        # S_i = ½ (Σ_e B_ie P_e + U_i), P = p1 − p2
        torch.sub(p1, p2, out=P)
        S.copy_(U)
        S.index_add_(0, I, P)
        S.index_add_(0, J, P, alpha=-1)
        S.mul_(0.5)
        W, W_prev = W_prev, W
        systems.solve(torch.sub(C, S, out=R), out=W)
        for e, (i, j) in enumerate(pairs):
            torch.sub(W[i], W[j], out=D[e])
        if theta == 1:
            p1.add_(D, alpha=2 * c).sub_(two_c_eps).abs_()
            p2.sub_(D, alpha=2 * c).sub_(two_c_eps).abs_()
        else:
            new1 = (p1 + 2 * c * D - two_c_eps).abs_()
            new2 = (p2 - 2 * c * D - two_c_eps).abs_()
            p1.mul_(1 - theta).add_(new1, alpha=theta)
            p2.mul_(1 - theta).add_(new2, alpha=theta)
        torch.mm(DA_t, W.view(k, -1), out=nbr)
        U.mul_(1 - 2 * theta).add_(nbr.view(shape), alpha=-4 * c * theta)
        excess = D.abs_().sub_(epsilon).clamp_(min=0)
        hist.violation.append(float(excess.max()))
        hist.primal_residual.append(float(torch.linalg.vector_norm(excess)))
        hist.change.append(_rel_change(W, W_prev if t else None, R))
        if record_objective:
            hist.objective.append(objective(Xs, Ys, list(W.double().numpy()), lam))
        if tol > 0 and hist.change[-1] < tol and hist.violation[-1] < tol:
            break
    hist.seconds = time.perf_counter() - t0
    return [w.double().numpy() for w in W], hist


def _ieq_pdmm_blocked(systems: _NodeSystems, C: torch.Tensor, E: np.ndarray, deg: np.ndarray, *, c: float,
                      epsilon: float, theta: float, iterations: int, t0: float) -> tuple[list[np.ndarray], SolverHistory]:
    """The same iterates through :mod:`~vecleak.align.lago_kernels` (column blocks, short passes)."""
    W0 = systems.solve(C, out=torch.empty_like(C)).numpy()
    if systems.dual:
        L, Xt, inv_rho = systems.L.numpy(), systems.Xt.numpy(), systems.inv_rho.reshape(-1).numpy()
    else:
        L, Xt, inv_rho = systems.M.numpy(), None, None
    W, vmax, sums = lago_kernels.ieq_pdmm_blocked(L, Xt, inv_rho, W0, E, deg, c=c, epsilon=epsilon, theta=theta,
                                                  iterations=iterations, threads=torch.get_num_threads())
    hist = SolverHistory()
    hist.violation, hist.primal_residual, hist.change = lago_kernels.history_from_stats(vmax, sums)
    hist.seconds = time.perf_counter() - t0
    return [w.astype(np.float64) for w in W], hist


def total_variation(Xs: Sequence[np.ndarray], Ys: Sequence[np.ndarray], edges: np.ndarray | Sequence, *,
                    eta: float = 0.01, step: float = 0.01, lam: float = 0.01, iterations: int = 500,
                    dtype: str = "auto") -> tuple[list[np.ndarray], SolverHistory]:
    """Subgradient descent on the TV-penalized objective; returns ``([W_i (m, n)], history)``.

    ``W_i ← W_i − step/√(t+1) · (−X_iᵀ(Y_i − X_iW_i) + λW_i + η Σ_{j∈N(i)} sign(W_i − W_j))``,
    started from the per-language ridge solution (so η = 0 returns it unchanged). The
    objective counts each undirected edge once, which is what this update descends.
    ``dtype="auto"`` is float32.
    """
    E = check_problem(Xs, Ys, edges)
    _check_params(eta=eta, step=step, lam=lam, iterations=iterations)
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
    if lago_kernels.available():
        return _total_variation_blocked(Xp, Yp, Ws0, E, gram=gram, lam=lam, eta=eta, step=step,
                                        iterations=iterations, dtype=tdt, t0=t0)
    X_t, Y_t = torch.from_numpy(Xp).to(tdt), torch.from_numpy(Yp).to(tdt)
    Xt_t = None if gram else X_t.transpose(1, 2).contiguous()
    if gram:
        G_t = torch.from_numpy(Xp.transpose(0, 2, 1) @ Xp).to(tdt)
        C_t = torch.from_numpy(Xp.transpose(0, 2, 1) @ Yp).to(tdt)
        yy = float(np.sum(Yp ** 2))
    I, J = torch.from_numpy(E[:, 0]), torch.from_numpy(E[:, 1])
    pairs = E.tolist()
    W = _stack(Ws0, tdt)
    resid = None if gram else torch.empty_like(Y_t)
    D = torch.empty((len(E),) + W.shape[1:], dtype=tdt)
    sgn = torch.empty_like(D)
    tv = torch.empty_like(W)
    grad = torch.empty_like(W)
    XtR = torch.empty_like(W)
    hist = SolverHistory()
    if gram:
        GW = torch.empty_like(W)
    for t in range(iterations):
        if gram:
            torch.bmm(G_t, W, out=GW)                                 # (k, m, n)
            torch.sub(GW, C_t, out=XtR)                               # −Xᵀ(Y − XW)
            fit = 0.5 * (float(torch.sum(W * GW)) - 2 * float(torch.sum(W * C_t)) + yy)
        else:
            torch.baddbmm(Y_t, X_t, W, alpha=-1, out=resid)         # (k, b, n) Y − XW
            fit = 0.5 * float(torch.sum(resid * resid))
            torch.bmm(Xt_t, resid, out=XtR).neg_()                   # −Xᵀ(Y − XW)
        for e, (i, j) in enumerate(pairs):
            torch.sub(W[i], W[j], out=D[e])
        torch.sign(D, out=sgn)
        tv.zero_()
        tv.index_add_(0, I, sgn)
        tv.index_add_(0, J, sgn, alpha=-1)
        absD = D.abs_()
        f = fit + 0.5 * lam * float(torch.linalg.vector_norm(W)) ** 2 + eta * float(absD.sum())
        if not math.isfinite(f):
            raise InputError(f"total variation diverged at iteration {t + 1}; lower the step (now {step})")
        hist.objective.append(f)
        hist.violation.append(float(absD.max()))
        hist.primal_residual.append(float(torch.linalg.vector_norm(absD)))
        # grad = −Xᵀ(Y − XW) + λW + η Σ_j sign(W_i − W_j)
        torch.mul(W, lam, out=grad).add_(XtR).add_(tv, alpha=eta)
        a = step / math.sqrt(t + 1)
        W.sub_(grad, alpha=a)
        hist.change.append(a * float(torch.linalg.vector_norm(grad)) / max(float(torch.linalg.vector_norm(W)), 1e-30))
    if not torch.isfinite(W).all():
        raise InputError(f"total variation diverged; lower the step (now {step})")
    hist.seconds = time.perf_counter() - t0
    return [w.double().numpy() for w in W], hist


def _total_variation_blocked(Xp: np.ndarray, Yp: np.ndarray, Ws0: list[np.ndarray], E: np.ndarray, *, gram: bool,
                             lam: float, eta: float, step: float, iterations: int, dtype: torch.dtype,
                             t0: float) -> tuple[list[np.ndarray], SolverHistory]:
    """The same iterates through :mod:`~vecleak.align.lago_kernels` (column blocks, short passes)."""
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


def ieq_pdmm_reference(Xs: Sequence[np.ndarray], Ys: Sequence[np.ndarray], edges: np.ndarray | Sequence, *,
                       epsilon: float = 0.01, c: float = 0.4, theta: float = 1.0, lam: float = 0.01,
                       iterations: int = 500) -> list[np.ndarray]:
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


def _rel_change(W: torch.Tensor, W_prev: torch.Tensor | None, buf: torch.Tensor | None = None) -> float:
    """``‖W − W_prev‖_F / ‖W‖_F`` (``buf``: scratch of W's shape, to avoid an allocation)."""
    if W_prev is None:
        return 1.0
    diff = torch.sub(W, W_prev, out=buf) if buf is not None else W - W_prev
    return float(torch.linalg.vector_norm(diff) / torch.linalg.vector_norm(W).clamp_min(1e-30))


def _check_params(**params: float) -> None:
    for name, value in params.items():
        if value is None or (isinstance(value, float) and math.isnan(value)):
            raise InputError(f"{name} must be a number, got {value}")
    if "epsilon" in params and not params["epsilon"] > 0:
        raise InputError(f"epsilon must be > 0 (math.inf for no constraint), got {params['epsilon']}")
    if "c" in params and not params["c"] > 0:
        raise InputError(f"c must be > 0, got {params['c']}")
    if "theta" in params and not 0 < params["theta"] <= 1:
        raise InputError(f"theta must be in (0, 1], got {params['theta']}")
    if "eta" in params and not params["eta"] >= 0:
        raise InputError(f"eta must be >= 0, got {params['eta']}")
    if "step" in params and not params["step"] > 0:
        raise InputError(f"step must be > 0, got {params['step']}")
    if params.get("lam", 0) < 0:
        raise InputError(f"lambda must be >= 0, got {params['lam']}")
    if int(params.get("iterations", 1)) < 1:
        raise InputError(f"iterations must be >= 1, got {params['iterations']}")
