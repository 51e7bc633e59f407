"""Column-blocked, fused IEQ-PDMM iterations (numba): the fast path of :func:`~vecleak.align.lago_solvers.ieq_pdmm`.

Two facts make this fast:

1. *Columns are independent.* Every step of IEQ-PDMM acts on the ``n`` columns of the ``(m, n)``
   maps separately: the node solve ``(XᵀX + ρI)⁻¹R`` mixes rows only, and the dual updates are
   elementwise. So the ``n`` columns are cut into blocks of ``nb`` and each block runs *all* its
   iterations while its state (maps, duals: a few MB) stays in the core's cache, instead of
   streaming tens of MB of duals from memory on every iteration. Blocks run in parallel threads.
2. *One pass per iteration.* Within a block, the map update, the edge dual updates, the
   node aggregate ``U`` and the next ``S`` are one loop over the block's entries (numba),
   around two small BLAS products per node for the solve.

The iterates are those of the torch path in :mod:`vecleak.align.lago_solvers` (same recursions,
same order); per-iteration statistics are sums and maxima, so the blocks' values combine
exactly into the global history. Early stopping needs the global state after every iteration,
so ``tol > 0`` takes the torch path; so does the explicit-inverse form (2b ≥ m), where the
node solve is a dense ``m × m`` product that the global batched matmul already runs well.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np

try:
    import numba
except ImportError:  # pragma: no cover - numba is a dependency; the torch path still works without it
    numba = None

#: Bytes of per-block state to aim for: a few blocks per core, each well inside the shared L3.
BLOCK_BYTES = 6_000_000


def available() -> bool:
    return numba is not None


def _block_kernel(L, Xt, inv_rho, W0, I, J, inc_ptr, inc_edge, deg, c, eps, theta, iters,
                  S, U, p1, p2, W, tmp, T, stats):
    """Run ``iters`` IEQ-PDMM iterations on one column block.

    Shapes (one block of ``nb`` columns): ``W0, S, U, W, T: (k, m, nb)``, ``p1, p2: (E, m, nb)``,
    ``tmp: (k, b, nb)``; ``inc_edge[inc_ptr[i]:inc_ptr[i + 1]]``: the edges at node i;
    ``L: (k, b, m)`` is ``(XXᵀ + ρI)⁻¹X`` and ``Xt: (k, m, b)`` is ``Xᵀ`` (the Woodbury form). ``stats[t] = (max excess, Σ excess², Σ (ΔW)², Σ W²)`` of this block.
    """
    k, m, nb = W0.shape
    E = p1.shape[0]
    one = W0.dtype.type(1.0)
    zero = W0.dtype.type(0.0)
    c_, eps_, th = one * c, one * eps, one * theta
    two_c, two_c_eps, half = 2 * c_, 2 * c_ * eps_, one * 0.5
    u_keep, u_nbr = one - 2 * th, -4 * c_ * th
    acc = np.empty(nb, dtype=W0.dtype)
    H = np.empty((E, nb), dtype=W0.dtype)  # this row's p1 − p2 of every edge
    # per-column accumulators: a scalar reduction would keep the loops from vectorizing
    vmax = np.empty(nb, dtype=W0.dtype)
    vsq = np.empty(nb, dtype=W0.dtype)
    dsq = np.empty(nb, dtype=W0.dtype)
    wsq = np.empty(nb, dtype=W0.dtype)
    for t in range(iters):
        # W_i = (XᵀX + ρI)⁻¹ (C_i − S_i) = W0_i − (S_i − Xᵀ(XXᵀ + ρI)⁻¹X S_i) / ρ
        for i in range(k):
            np.dot(L[i], S[i], out=tmp[i])
            np.dot(Xt[i], tmp[i], out=T[i])
        vmax[:] = 0
        vsq[:] = 0
        dsq[:] = 0
        wsq[:] = 0
        for r in range(m):  # innermost loops run over the block's contiguous columns (SIMD)
            for i in range(k):
                Wr, W0r, Sr, Tr = W[i, r], W0[i, r], S[i, r], T[i, r]
                ir = inv_rho[i]
                for col in range(nb):
                    w = W0r[col] - (Sr[col] - Tr[col]) * ir
                    dw = w - Wr[col]
                    dsq[col] += dw * dw
                    wsq[col] += w * w
                    Wr[col] = w
            # edge duals: p ← (1−θ)p + θ|p ± 2c(W_i − W_j) − 2cε|
            for e in range(E):
                Wa, Wb = W[I[e], r], W[J[e], r]
                P1, P2, He = p1[e, r], p2[e, r], H[e]
                for col in range(nb):
                    d = Wa[col] - Wb[col]
                    n1 = abs(P1[col] + two_c * d - two_c_eps)
                    n2 = abs(P2[col] - two_c * d - two_c_eps)
                    n1 = (one - th) * P1[col] + th * n1
                    n2 = (one - th) * P2[col] + th * n2
                    P1[col] = n1
                    P2[col] = n2
                    He[col] = n1 - n2
                    ex = max(abs(d) - eps_, zero)
                    vsq[col] += ex * ex
                    vmax[col] = max(vmax[col], ex)
            # U_i ← (1−2θ)U_i − 4cθ (d_i W_i + Σ_{j∈N(i)} W_j);  S_i = ½(U_i + Σ_e B_ie (p1_e − p2_e))
            for i in range(k):
                Ur, Sr, Wr = U[i, r], S[i, r], W[i, r]
                di = deg[i]
                for col in range(nb):
                    acc[col] = di * Wr[col]
                for q in range(inc_ptr[i], inc_ptr[i + 1]):
                    e = inc_edge[q]
                    Wj = W[J[e] if I[e] == i else I[e], r]
                    for col in range(nb):
                        acc[col] += Wj[col]
                for col in range(nb):
                    u = u_keep * Ur[col] + u_nbr * acc[col]
                    Ur[col] = u
                    acc[col] = u
                for q in range(inc_ptr[i], inc_ptr[i + 1]):
                    e = inc_edge[q]
                    He = H[e]
                    if I[e] == i:
                        for col in range(nb):
                            acc[col] += He[col]
                    else:
                        for col in range(nb):
                            acc[col] -= He[col]
                for col in range(nb):
                    Sr[col] = half * acc[col]
        stats[t, 0] = vmax.max()
        stats[t, 1] = vsq.sum()
        stats[t, 2] = dsq.sum()
        stats[t, 3] = wsq.sum()


_compiled = {}


def _kernel():
    if "k" not in _compiled:
        _compiled["k"] = numba.njit(cache=True, nogil=True, fastmath={"reassoc", "nsz", "arcp", "contract"})(_block_kernel)
    return _compiled["k"]


def block_width(k: int, E: int, m: int, n: int, itemsize: int) -> int:
    """Columns per block so that a block's state (``5k + 2E`` arrays of ``(m, nb)``) is about :data:`BLOCK_BYTES`."""
    per_column = (5 * k + 2 * E) * m * itemsize
    nb = max(8, min(n, BLOCK_BYTES // max(per_column, 1)))
    return int(nb)


def ieq_pdmm_blocked(L: np.ndarray, Xt: np.ndarray, inv_rho: np.ndarray, W0: np.ndarray,
                     edges: np.ndarray, deg: np.ndarray, *, c: float, epsilon: float, theta: float,
                     iterations: int, threads: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All IEQ-PDMM iterations, block by block, with the node solves in Woodbury form.

    Args:
        L: ``(k, b, m)`` ``(XXᵀ + ρI)⁻¹X`` per node (X padded to a common b).
        Xt: ``(k, m, b)`` the padded ``Xᵀ``.
        inv_rho: ``(k,)`` ``1/ρ_i``. W0: ``(k, m, n)`` per-node ``(XᵀX + ρI)⁻¹XᵀY`` (the dtype of all).
        edges: ``(E, 2)``; deg: ``(k,)`` node degrees.
        threads: blocks processed in parallel.

    Returns:
        ``W (k, m, n)``; ``vmax (T,)``, the largest constraint excess of each iteration; and
        ``sums (T, 3)``, each iteration's summed excess², ``(W^t − W^{t−1})²`` and ``(W^t)²``.
    """
    k, m, n = W0.shape
    dt = W0.dtype
    I = np.ascontiguousarray(edges[:, 0], dtype=np.int64)
    J = np.ascontiguousarray(edges[:, 1], dtype=np.int64)
    incident = [[e for e, (a, b) in enumerate(edges.tolist()) if i in (a, b)] for i in range(k)]
    inc_ptr = np.cumsum([0] + [len(x) for x in incident]).astype(np.int64)
    inc_edge = np.asarray([e for x in incident for e in x], dtype=np.int64)
    deg_f = deg.astype(dt)
    inv_rho = inv_rho.astype(dt)
    L = np.ascontiguousarray(L, dtype=dt)
    Xt = np.ascontiguousarray(Xt, dtype=dt)
    nb = block_width(k, len(I), m, n, dt.itemsize)
    starts = list(range(0, n, nb))
    W = np.empty_like(W0)
    stats = np.zeros((len(starts), iterations, 4), dtype=np.float64)
    kernel = _kernel()

    def run(bi: int) -> None:
        lo = starts[bi]
        hi = min(n, lo + nb)
        w0 = np.ascontiguousarray(W0[:, :, lo:hi])
        width = hi - lo
        S = np.zeros_like(w0)
        U = np.zeros_like(w0)
        Wb = np.zeros_like(w0)
        T = np.zeros_like(w0)
        p1 = np.zeros((len(I), m, width), dtype=dt)
        p2 = np.zeros_like(p1)
        tmp = np.zeros((k, L.shape[1], width), dtype=dt)
        kernel(L, Xt, inv_rho, w0, I, J, inc_ptr, inc_edge, deg_f, float(c), float(epsilon), float(theta),
               int(iterations), S, U, p1, p2, Wb, tmp, T, stats[bi])
        W[:, :, lo:hi] = Wb

    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):  # parallel over blocks, not inside each product
        if threads > 1 and len(starts) > 1:
            with ThreadPoolExecutor(max_workers=threads) as pool:
                list(pool.map(run, range(len(starts))))
        else:
            for bi in range(len(starts)):
                run(bi)
    return W, stats.max(axis=0)[:, 0], stats.sum(axis=0)[:, 1:]


def history_from_stats(vmax: np.ndarray, sums: np.ndarray) -> tuple[list[float], list[float], list[float]]:
    """``(violation, primal_residual, change)`` lists from the blocks' combined statistics."""
    violation = [float(v) for v in vmax]
    residual = [math.sqrt(float(s)) for s in sums[:, 0]]
    change = [1.0] + [math.sqrt(float(d)) / max(math.sqrt(float(w)), 1e-30) for d, w in sums[1:, 1:]]
    return violation, residual, change
