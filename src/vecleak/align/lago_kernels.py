"""Column-blocked IEQ-PDMM and total-variation iterations (numba): the fast paths of
:func:`~vecleak.align.lago_solvers.ieq_pdmm` and :func:`~vecleak.align.lago_solvers.total_variation`.

Two facts make them fast:

1. *Columns are independent.* Every step of both solvers acts on the ``n`` columns of the
   ``(m, n)`` maps separately: the node solve ``(XᵀX + ρI)⁻¹R`` (or TV's gradient ``XᵀXW``)
   mixes rows only, and the edge updates are elementwise. So the ``n`` columns are cut into
   blocks of ``nb`` and each block runs *all* its iterations while its state (maps, duals:
   about one L2 cache) stays close to its core, instead of streaming tens of MB from memory on
   every iteration. Blocks run in parallel threads.
2. *Short vectorized passes.* Within a block, the map update, the edge updates and the node
   aggregates run chunk by chunk (a few KB of every array) as loops that LLVM turns into
   AVX-512 code, around one or two small BLAS products per node.

They are the only fast implementation of the two solvers (the literal algorithm in
:mod:`vecleak.align.lago_solvers` is the test oracle); per-iteration statistics are sums and
maxima, so the blocks' values combine exactly into the global history. Early stopping and
IEQ-PDMM's ``record_objective`` need the global state after every iteration: they run the
same kernel one iteration at a time (:class:`IEQBlocks` keeps its state between calls).
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np

try:
    import numba
    from llvmlite import ir
    from numba import types
    from numba.extending import intrinsic as _intrinsic
except ImportError:  # pragma: no cover - numba is a dependency; the solvers say so when it is missing
    numba = None

    def _intrinsic(fn):
        return fn

#: Entries of a block handled per pass of the elementwise loops (a few KB per array: L1/L2).
CHUNK = 1024

#: Bytes of per-block state to aim for: about one core's L2 (measured on 2 EPYC cores, 7 languages:
#: IEQ-PDMM with 1.5 MB blocks ran b = 10 / 100 in 0.62 / 2.0 s, with 3 MB in 0.58 / 2.9 s; TV,
#: whose state per column is smaller, runs best with twice this: 0.39 / 2.1 s against 0.45 / 2.6 s).
BLOCK_BYTES = 1_500_000

#: Blocks this many times wider in the explicit-inverse form (2b ≥ m), whose products are m × m
#: (b = 1000, 7 languages: 9.6 s at 1×, 7.2 s at 16×; the global torch iteration took 8.1 s).
EXPLICIT_WIDTH_FACTOR = 16


def available() -> bool:
    return numba is not None


@_intrinsic
def _bits(typingctx, x):
    """The IEEE bit pattern of a float32 / float64 as int32 / int64 (monotone for x ≥ 0)."""
    if x == types.float32:
        sig, width = types.int32(x), 32
    elif x == types.float64:
        sig, width = types.int64(x), 64
    else:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(width))

    return sig, codegen


@_intrinsic
def _unbits(typingctx, bits, like):
    """Inverse of :func:`_bits`: the float of ``like``'s type whose bit pattern is ``bits``."""
    if not isinstance(bits, types.Integer) or like not in (types.float32, types.float64):
        return None
    width, fty = (32, ir.FloatType()) if like == types.float32 else (64, ir.DoubleType())
    sig = like(bits, like)

    def codegen(context, builder, signature, args):
        v = args[0]
        have = signature.args[0].bitwidth
        if have > width:
            v = builder.trunc(v, ir.IntType(width))
        elif have < width:
            v = builder.zext(v, ir.IntType(width))
        return builder.bitcast(v, fty)
    return sig, codegen


def _block_kernel(L, Xt, inv_rho, dual, W0, I, J, deg, c, eps, theta, iters, S, U, p1, p2, W, tmp, T, stats, chunk):
    """Run ``iters`` IEQ-PDMM iterations on one column block.

    Shapes (one block of ``nb`` columns): ``W0, S, U, W, T: (k, m, nb)``, ``p1, p2: (E, m, nb)``,
    ``tmp: (k, b, nb)``. Woodbury form (``dual``): ``L: (k, b, m)`` is ``(XXᵀ + ρI)⁻¹X`` and
    ``Xt: (k, m, b)`` is ``Xᵀ``; explicit form: ``L: (k, m, m)`` is ``(XᵀX + ρI)⁻¹`` (``Xt``, ``tmp``
    unused). ``stats[t] = (max excess, Σ excess², Σ (ΔW)², Σ W²)`` of this block.

    The elementwise work runs over ``chunk`` contiguous entries of the flattened ``(m, nb)``
    block at a time, every loop storing to at most two arrays and reducing into scalars: more
    stores, a float ``max`` reduction or a float64 constant each keep LLVM from vectorizing.
    """
    k, m, nb = W0.shape
    E = p1.shape[0]
    fl = W0.dtype.type  # every constant in the arrays' dtype: a float64 scalar would promote the loops
    zero = fl(0.0)
    eps_, th, keep = fl(eps), fl(theta), fl(1.0 - theta)
    two_c, two_c_eps, half = fl(2 * c), fl(2 * c * eps), fl(0.5)
    u_keep, u_nbr = fl(1 - 2 * theta), fl(-4 * c * theta)
    n_all = m * nb
    W0f = W0.reshape(k, n_all); Sf = S.reshape(k, n_all); Uf = U.reshape(k, n_all)
    Wf = W.reshape(k, n_all); Tf = T.reshape(k, n_all)
    p1f = p1.reshape(E, n_all); p2f = p2.reshape(E, n_all)
    for t in range(iters):
        for i in range(k):
            if dual:  # T = Xᵀ(XXᵀ + ρI)⁻¹X S: W = W0 − (S − T)/ρ
                np.dot(L[i], S[i], out=tmp[i])
                np.dot(Xt[i], tmp[i], out=T[i])
            else:     # T = (XᵀX + ρI)⁻¹S:       W = W0 − T
                np.dot(L[i], S[i], out=T[i])
        vsq = zero; dsq = zero; wsq = zero
        vbits = _bits(zero)
        for lo in range(0, n_all, chunk):
            hi = min(n_all, lo + chunk)
            for i in range(k):  # W_i = W0_i − a_s S_i + a_t T_i;  U_i ← (1−2θ)U_i − 4cθ d_i W_i
                Wr = Wf[i, lo:hi]; W0r = W0f[i, lo:hi]; Sr = Sf[i, lo:hi]; Tr = Tf[i, lo:hi]; Ur = Uf[i, lo:hi]
                a_s = fl(inv_rho[i]) if dual else zero
                a_t = fl(inv_rho[i]) if dual else fl(-1.0)
                ud = fl(u_nbr * deg[i])
                for x in range(hi - lo):
                    w = W0r[x] - a_s * Sr[x] + a_t * Tr[x]
                    dw = w - Wr[x]
                    dsq += dw * dw
                    wsq += w * w
                    Wr[x] = w
                    Ur[x] = u_keep * Ur[x] + ud * w
            for e in range(E):
                a = I[e]; b = J[e]
                Wa = Wf[a, lo:hi]; Wb = Wf[b, lo:hi]; P1 = p1f[e, lo:hi]; P2 = p2f[e, lo:hi]
                for x in range(hi - lo):  # p ← (1−θ)p + θ|p ± 2c(W_a − W_b) − 2cε|
                    d = Wa[x] - Wb[x]
                    P1[x] = keep * P1[x] + th * abs(P1[x] + two_c * d - two_c_eps)
                    P2[x] = keep * P2[x] + th * abs(P2[x] - two_c * d - two_c_eps)
                    ex = abs(d) - eps_
                    ex = ex if ex > zero else zero
                    vsq += ex * ex
                    bx = _bits(ex)  # integer max: float max reductions do not vectorize
                    vbits = bx if bx > vbits else vbits
                Ua = Uf[a, lo:hi]; Ub = Uf[b, lo:hi]
                for x in range(hi - lo):  # U_i −= 4cθ Σ_{j∈N(i)} W_j
                    wa = Wa[x]; wb = Wb[x]
                    Ua[x] += u_nbr * wb
                    Ub[x] += u_nbr * wa
            for i in range(k):
                Sr = Sf[i, lo:hi]; Ur = Uf[i, lo:hi]
                for x in range(hi - lo):
                    Sr[x] = half * Ur[x]
            for e in range(E):  # S_i = ½(U_i + Σ_e B_ie (p1_e − p2_e))
                Sa = Sf[I[e], lo:hi]; Sb = Sf[J[e], lo:hi]; P1 = p1f[e, lo:hi]; P2 = p2f[e, lo:hi]
                for x in range(hi - lo):
                    h = half * (P1[x] - P2[x])
                    Sa[x] += h
                    Sb[x] -= h
        stats[t, 0] = _unbits(vbits, zero)
        stats[t, 1] = vsq
        stats[t, 2] = dsq
        stats[t, 3] = wsq


def _tv_block_kernel(A, At, B, W, I, J, lam, eta, step, iters, gram, P, Q, TV, stats, chunk):
    """Run ``iters`` total-variation subgradient steps on one column block.

    Shapes (one block of ``nb`` columns): ``W, Q, TV: (k, m, nb)``. Gram form (``gram``):
    ``A: (k, m, m)`` is ``XᵀX``, ``B: (k, m, nb)`` is ``XᵀY``, ``P`` unused; residual form:
    ``A: (k, b, m)`` is X, ``At: (k, m, b)`` is ``Xᵀ``, ``B: (k, b, nb)`` is Y and ``P: (k, b, nb)``
    holds ``Y − XW``. ``stats[t] = (fit, Σ W², Σ|ΔW_e|, max|ΔW_e|, Σ ΔW_e², Σ grad², Σ W_new²)``,
    with ``ΔW_e = W_i − W_j`` over edges; in Gram form ``fit`` lacks the constant ``½‖Y‖²``.
    """
    k, m, nb = W.shape
    E = I.shape[0]
    fl = W.dtype.type
    zero, one, half = fl(0.0), fl(1.0), fl(0.5)
    lam_, eta_ = fl(lam), fl(eta)
    n_all = m * nb
    Wf = W.reshape(k, n_all); Qf = Q.reshape(k, n_all); TVf = TV.reshape(k, n_all)
    Bf = B.reshape(B.shape[0], B.shape[1] * B.shape[2])
    Pf = P.reshape(P.shape[0], P.shape[1] * P.shape[2])
    for t in range(iters):
        a = fl(step / math.sqrt(t + 1.0))
        fit = zero
        for i in range(k):
            if gram:
                np.dot(A[i], W[i], out=Q[i])  # Q = XᵀXW
            else:
                np.dot(A[i], W[i], out=P[i])  # P = Y − XW, Q = −Xᵀ(Y − XW)
                Pr = Pf[i]; Br = Bf[i]
                for x in range(Pr.shape[0]):
                    r = Br[x] - Pr[x]
                    Pr[x] = r
                    fit += r * r
                np.dot(At[i], P[i], out=Q[i])
        fit = half * fit
        wsq = zero; dabs = zero; dsq = zero; gsq = zero; wsq_new = zero
        dbits = _bits(zero)
        for lo in range(0, n_all, chunk):
            hi = min(n_all, lo + chunk)
            for i in range(k):
                TVr = TVf[i, lo:hi]
                for x in range(hi - lo):
                    TVr[x] = zero
            for e in range(E):  # TV_i = Σ_j sign(W_i − W_j)
                Wa = Wf[I[e], lo:hi]; Wb = Wf[J[e], lo:hi]; Ta = TVf[I[e], lo:hi]; Tb = TVf[J[e], lo:hi]
                for x in range(hi - lo):
                    d = Wa[x] - Wb[x]
                    s = one if d > zero else (-one if d < zero else zero)
                    Ta[x] += s
                    Tb[x] -= s
                    ad = abs(d)
                    dabs += ad
                    dsq += d * d
                    bx = _bits(ad)
                    dbits = bx if bx > dbits else dbits
            for i in range(k):  # grad = −Xᵀ(Y − XW) + λW + η TV;  W ← W − a·grad
                Wr = Wf[i, lo:hi]; Qr = Qf[i, lo:hi]; Tr = TVf[i, lo:hi]
                if gram:
                    Br = Bf[i, lo:hi]
                    for x in range(hi - lo):
                        w = Wr[x]
                        fit += half * w * Qr[x] - w * Br[x]
                        g = lam_ * w + (Qr[x] - Br[x]) + eta_ * Tr[x]
                        wn = w - a * g
                        wsq += w * w
                        gsq += g * g
                        wsq_new += wn * wn
                        Wr[x] = wn
                else:
                    for x in range(hi - lo):
                        w = Wr[x]
                        g = lam_ * w - Qr[x] + eta_ * Tr[x]
                        wn = w - a * g
                        wsq += w * w
                        gsq += g * g
                        wsq_new += wn * wn
                        Wr[x] = wn
        stats[t, 0] = fit
        stats[t, 1] = wsq
        stats[t, 2] = dabs
        stats[t, 3] = _unbits(dbits, zero)
        stats[t, 4] = dsq
        stats[t, 5] = gsq
        stats[t, 6] = wsq_new


_compiled = {}
_FASTMATH = {"reassoc", "nsz", "arcp", "contract"}


def _kernel(name: str = "ieq"):
    if name not in _compiled:
        fn = {"ieq": _block_kernel, "tv": _tv_block_kernel}[name]
        _compiled[name] = numba.njit(cache=True, nogil=True, fastmath=_FASTMATH)(fn)
    return _compiled[name]


def block_width(per_column_bytes: int, n: int, budget: int | None = None) -> int:
    """Columns per block so that a block's state is about ``budget`` bytes (:data:`BLOCK_BYTES`)."""
    budget = BLOCK_BYTES if budget is None else budget
    return int(max(8, min(n, budget // max(per_column_bytes, 1))))


def _spans(n: int, nb: int, threads: int) -> list[tuple[int, int, int]]:
    """``(block index, first column, end column)`` of blocks of at most ``nb`` columns, as many
    as a multiple of ``threads`` and of near-equal width, so that no thread idles at the end."""
    count = -(-n // nb)
    count = min(n, -(-count // threads) * threads)
    edges = [round(i * n / count) for i in range(count + 1)]
    return [(bi, lo, hi) for bi, (lo, hi) in enumerate(zip(edges[:-1], edges[1:]))]


def _run_blocks(spans: list[tuple[int, int, int]], threads: int, run) -> None:
    """``run(bi, lo, hi)`` for every block, in ``threads`` threads (one BLAS thread each)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):  # parallel over blocks, not inside each product
        if threads > 1 and len(spans) > 1:
            with ThreadPoolExecutor(max_workers=threads) as pool:
                list(pool.map(lambda span: run(*span), spans))
        else:
            for span in spans:
                run(*span)


class IEQBlocks:
    """IEQ-PDMM's state, column block by column block, advanced by :meth:`run` (resumable).

    Args:
        L: Woodbury form: ``(k, b, m)`` ``(XXᵀ + ρI)⁻¹X`` per node (X padded to a common b);
            explicit form (``Xt`` None): ``(k, m, m)`` ``(XᵀX + ρI)⁻¹``.
        Xt: ``(k, m, b)`` the padded ``Xᵀ``, or None for the explicit form.
        inv_rho: ``(k,)`` ``1/ρ_i`` (Woodbury form). W0: ``(k, m, n)`` per-node ``(XᵀX + ρI)⁻¹XᵀY``
            (the dtype of all).
        edges: ``(E, 2)``; deg: ``(k,)`` node degrees.
        threads: blocks processed in parallel.

    ``run(t)`` continues every block by ``t`` iterations from where the last call left it, so a
    caller that needs the whole ``W`` between iterations (early stopping, the objective) runs
    the same kernel one iteration at a time: the iterates do not depend on how they are cut.
    """

    def __init__(self, L: np.ndarray, Xt: np.ndarray | None, inv_rho: np.ndarray | None, W0: np.ndarray,
                 edges: np.ndarray, deg: np.ndarray, *, c: float, epsilon: float, theta: float, threads: int) -> None:
        k, m, n = W0.shape
        dt = W0.dtype
        self.I = np.ascontiguousarray(edges[:, 0], dtype=np.int64)
        self.J = np.ascontiguousarray(edges[:, 1], dtype=np.int64)
        self.dual = Xt is not None
        self.deg = deg.astype(dt)
        self.inv_rho = np.ones(k, dt) if inv_rho is None else inv_rho.astype(dt)
        self.L = np.ascontiguousarray(L, dtype=dt)
        self.Xt = np.ascontiguousarray(Xt, dtype=dt) if self.dual else np.zeros((k, 1, 1), dt)
        self.params = (float(c), float(epsilon), float(theta))
        self.threads = threads
        per_column = (5 * k + 2 * len(self.I)) * m * dt.itemsize  # W0, S, U, W, T per node; p1, p2 per edge
        if not self.dual:  # each m × m product reads a whole (XᵀX + ρI)⁻¹: wider blocks amortize it
            per_column //= EXPLICIT_WIDTH_FACTOR
        self.spans = _spans(n, block_width(per_column, n), threads)
        self.state = []
        for _, lo, hi in self.spans:
            w0 = np.ascontiguousarray(W0[:, :, lo:hi])
            p1 = np.zeros((len(self.I), m, hi - lo), dtype=dt)
            self.state.append({"W0": w0, "S": np.zeros_like(w0), "U": np.zeros_like(w0), "W": np.zeros_like(w0),
                               "T": np.zeros_like(w0), "p1": p1, "p2": np.zeros_like(p1),
                               "tmp": np.zeros((k, self.L.shape[1] if self.dual else 1, hi - lo), dtype=dt)})
        self.shape = W0.shape

    def run(self, iterations: int) -> tuple[np.ndarray, np.ndarray]:
        """``iterations`` more iterations; their ``vmax (T,)`` (largest constraint excess) and
        ``sums (T, 3)`` (summed excess², ``(W^t − W^{t−1})²`` and ``(W^t)²``)."""
        stats = np.zeros((len(self.spans), iterations, 4), dtype=np.float64)
        kernel = _kernel("ieq")
        c, eps, theta = self.params

        def run(bi: int, lo: int, hi: int) -> None:
            st = self.state[bi]
            kernel(self.L, self.Xt, self.inv_rho, self.dual, st["W0"], self.I, self.J, self.deg, c, eps, theta,
                   int(iterations), st["S"], st["U"], st["p1"], st["p2"], st["W"], st["tmp"], st["T"], stats[bi],
                   CHUNK)

        _run_blocks(self.spans, self.threads, run)
        return stats.max(axis=0)[:, 0], stats.sum(axis=0)[:, 1:]

    @property
    def W(self) -> np.ndarray:
        """The current maps ``(k, m, n)``."""
        W = np.empty(self.shape, dtype=self.state[0]["W"].dtype)
        for (_, lo, hi), st in zip(self.spans, self.state):
            W[:, :, lo:hi] = st["W"]
        return W


def ieq_pdmm_blocked(L: np.ndarray, Xt: np.ndarray | None, inv_rho: np.ndarray | None, W0: np.ndarray,
                     edges: np.ndarray, deg: np.ndarray, *, c: float, epsilon: float, theta: float,
                     iterations: int, threads: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All IEQ-PDMM iterations at once (:class:`IEQBlocks`): ``(W (k, m, n), vmax (T,), sums (T, 3))``."""
    blocks = IEQBlocks(L, Xt, inv_rho, W0, edges, deg, c=c, epsilon=epsilon, theta=theta, threads=threads)
    vmax, sums = blocks.run(iterations)
    return blocks.W, vmax, sums


def total_variation_blocked(A: np.ndarray, B: np.ndarray, W0: np.ndarray, edges: np.ndarray, *, gram: bool,
                            lam: float, eta: float, step: float, iterations: int, threads: int
                            ) -> tuple[np.ndarray, np.ndarray]:
    """All total-variation subgradient steps, block by block.

    Args:
        A: ``(k, m, m)`` ``XᵀX`` (``gram``) or ``(k, b, m)`` the padded X.
        B: ``(k, m, n)`` ``XᵀY`` (``gram``) or ``(k, b, n)`` the padded Y.
        W0: ``(k, m, n)`` the start (the dtype of all). edges: ``(E, 2)``.

    Returns:
        ``W (k, m, n)`` and ``stats (T, 7)``: per iteration the blocks' combined
        ``(fit, Σ W², Σ|ΔW_e|, max|ΔW_e|, Σ ΔW_e², Σ grad², Σ W_new²)`` (see :func:`_tv_block_kernel`).
    """
    k, m, n = W0.shape
    dt = W0.dtype
    I = np.ascontiguousarray(edges[:, 0], dtype=np.int64)
    J = np.ascontiguousarray(edges[:, 1], dtype=np.int64)
    A = np.ascontiguousarray(A, dtype=dt)
    At = np.zeros((k, 1, 1), dtype=dt) if gram else np.ascontiguousarray(A.transpose(0, 2, 1))
    rows = B.shape[1]
    nb = block_width((3 * k * m + (1 if gram else 2) * k * rows) * dt.itemsize, n, 2 * BLOCK_BYTES)  # W, Q, TV (+ B, P)
    W = np.empty_like(W0)
    spans = _spans(n, nb, threads)
    stats = np.zeros((len(spans), iterations, 7), dtype=np.float64)
    kernel = _kernel("tv")

    def run(bi: int, lo: int, hi: int) -> None:
        Wb = np.ascontiguousarray(W0[:, :, lo:hi])
        Bb = np.ascontiguousarray(B[:, :, lo:hi], dtype=dt)
        P = np.zeros((1, 1, 1), dtype=dt) if gram else np.zeros((k, rows, hi - lo), dtype=dt)
        Q, TV = np.zeros_like(Wb), np.zeros_like(Wb)
        kernel(A, At, Bb, Wb, I, J, float(lam), float(eta), float(step), int(iterations), bool(gram),
               P, Q, TV, stats[bi], CHUNK)
        W[:, :, lo:hi] = Wb

    _run_blocks(spans, threads, run)
    combined = stats.sum(axis=0)
    combined[:, 3] = stats[:, :, 3].max(axis=0)
    return W, combined


def history_from_stats(vmax: np.ndarray, sums: np.ndarray, *,
                       first: bool = True) -> tuple[list[float], list[float], list[float]]:
    """``(violation, primal_residual, change)`` lists from the blocks' combined statistics
    (``first``: these include iteration 0, whose change is 1 by definition)."""
    violation = [float(v) for v in vmax]
    residual = [math.sqrt(float(s)) for s in sums[:, 0]]
    change = [math.sqrt(float(d)) / max(math.sqrt(float(w)), 1e-30) for d, w in sums[:, 1:]]
    if first and change:
        change[0] = 1.0
    return violation, residual, change
