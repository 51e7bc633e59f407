"""LAGO solver speed: the column-blocked IEQ-PDMM / TV kernels against two baselines and a floor.

Problem of the paper's size: m = 512 (use-multilingual), n = 384 (MiniLM), 7 languages on the
syntax graph (r = 0.45, 7 edges), b leaked pairs per language, 500 iterations; plus 50
languages on a random graph of average degree 4. Each kernel time is set beside:

* ``naive_ieq_s``: the literal IEQ-PDMM (two duals per directed edge, a fresh solve per node
  and iteration), run ``--naive-iterations`` iterations and scaled to 500 (its iterations all
  cost the same);
* ``factored_ieq_s``: the same literal iteration with each node's system factored once and
  every directed edge updated at once in torch (:func:`ieq_pdmm_factor_once`) — what a careful
  first implementation would be; checked against the kernel's iterates;
* ``floor_s``: the matrix-product floor: 500 × the measured time of one iteration's node
  products alone (the batched ``(k, b, m) @ (k, m, n)`` pair, or the ``m × m`` product when
  2b ≥ m), beside ``peak_gflops``, this machine's float32 product rate measured on a large
  square matmul, and ``kernel_over_floor``.

    python benchmarks/lago_speed.py [--out benchmarks/results] [--threads N]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from common import markdown_table, write_json
from vecleak.align.lago_solvers import _NodeSystems, degrees, ieq_pdmm, ieq_pdmm_reference, total_variation
from vecleak.errors import run_script
from vecleak.graphs.graph import PAPER_LANGUAGES, build_graph

M, N, ITERATIONS = 512, 384, 500


def unit_rows(rng: np.random.Generator, b: int, d: int) -> np.ndarray:
    x = rng.normal(size=(b, d))
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def problem(k: int, b: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    return [unit_rows(rng, b, M) for _ in range(k)], [unit_rows(rng, b, N) for _ in range(k)]


def random_graph(k: int, degree: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    pairs = [(i, j) for i in range(k) for j in range(i + 1, k)]
    keep = rng.random(len(pairs)) < degree / (k - 1)
    return np.array([p for p, kp in zip(pairs, keep) if kp])


def ieq_pdmm_factor_once(Xs, Ys, edges: np.ndarray, *, epsilon: float = 0.01, c: float = 0.4, theta: float = 1.0,
                         lam: float = 0.01, iterations: int = ITERATIONS, dtype=torch.float32) -> torch.Tensor:
    """The literal IEQ-PDMM iteration (two duals per directed edge), factored once, in torch:
    ``(k, m, n)`` maps. Same iterates as :func:`ieq_pdmm_reference` and the kernel."""
    E = len(edges)
    src = torch.from_numpy(np.r_[edges[:, 0], edges[:, 1]])
    rev = torch.from_numpy(np.r_[np.arange(E, 2 * E), np.arange(E)])            # (i, j) -> (j, i)
    sign = torch.from_numpy(np.r_[np.ones(E), -np.ones(E)]).to(dtype)[:, None, None]   # B_ij
    systems = _NodeSystems(Xs, 2 * c * degrees(len(Xs), edges) + lam, dtype)
    C = torch.from_numpy(np.stack([X.T @ Y for X, Y in zip(Xs, Ys)])).to(dtype)
    z1 = torch.zeros((2 * E,) + C.shape[1:], dtype=dtype)
    z2 = torch.zeros_like(z1)
    W, S = torch.empty_like(C), torch.empty_like(C)
    for _ in range(iterations):
        S.zero_().index_add_(0, src, sign * (z1 - z2))
        systems.solve(C - S, out=W)
        BW = 2 * c * sign * W[src]
        for z, y in ((z1, z1 + BW - c * epsilon), (z2, z2 - BW - c * epsilon)):
            y_rev = y[rev]
            z.mul_(1 - theta).add_(theta * torch.where(y + y_rev > 0, y_rev, -y))
    return W


def node_product_seconds(Xs, rho: np.ndarray, n: int, repeats: int = 20) -> float:
    """Measured seconds of one iteration's node products at full width ``n`` (the kernel's floor)."""
    systems = _NodeSystems(Xs, rho, torch.float32)
    R = torch.randn(len(Xs), Xs[0].shape[1], n)
    out = torch.empty_like(R)
    systems.solve(R, out=out)
    t0 = time.perf_counter()
    for _ in range(repeats):
        systems.solve(R, out=out)
    return (time.perf_counter() - t0) / repeats


def peak_gflops(size: int = 2048, repeats: int = 10) -> float:
    """float32 matrix-product rate of this machine at the current torch threads (GFlop/s)."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    a @ b
    t0 = time.perf_counter()
    for _ in range(repeats):
        a @ b
    return 2 * size ** 3 * repeats / (time.perf_counter() - t0) / 1e9


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def check_same_iterates(Xs, Ys, edges: np.ndarray, iterations: int = 50) -> None:
    """The factored torch path and the kernel give the same maps (float64, to 1e-8)."""
    W_torch = ieq_pdmm_factor_once(Xs, Ys, edges, iterations=iterations, dtype=torch.float64).numpy()
    W_kernel = np.stack(ieq_pdmm(Xs, Ys, edges, iterations=iterations, dtype="float64")[0])
    gap = float(np.abs(W_torch - W_kernel).max())
    if gap > 1e-8:
        raise SystemExit(f"the factored torch path and the kernel disagree by {gap:.2e}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(Path(__file__).parent / "results"))
    ap.add_argument("--shots", type=int, nargs="+", default=[10, 100, 1000])
    ap.add_argument("--naive-iterations", type=int, default=10)
    ap.add_argument("--threads", type=int, default=None, help="torch and kernel threads (default: torch's)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    peak = peak_gflops()
    print({"peak_gflops": peak}, flush=True)
    graph = build_graph(PAPER_LANGUAGES, metric="syntax")
    index = {lang: i for i, lang in enumerate(graph.languages)}
    edges = np.array([(index[a], index[b]) for a, b in graph.edges])
    # numba compiles each kernel once per dtype and form (cached on disk after the first run)
    compile_s = {f"ieq_{dt}_{b}": timed(lambda: ieq_pdmm(*problem(7, b, seed=9), edges, iterations=2, dtype=dt))
                 for dt in ("float32", "float64") for b in (10, 300)}
    compile_s.update({f"tv_{b}": timed(lambda: total_variation(*problem(7, b, seed=9), edges, iterations=2))
                      for b in (10, 300)})
    print({"first_call_s": compile_s}, flush=True)
    rows = []
    for b in args.shots:
        Xs, Ys = problem(len(PAPER_LANGUAGES), b)
        ieq32 = timed(lambda: ieq_pdmm(Xs, Ys, edges, iterations=ITERATIONS, dtype="float32"))
        ieq64 = timed(lambda: ieq_pdmm(Xs, Ys, edges, iterations=ITERATIONS, dtype="float64"))
        tv = timed(lambda: total_variation(Xs, Ys, edges, iterations=ITERATIONS))
        naive = timed(lambda: ieq_pdmm_reference(Xs, Ys, edges, iterations=args.naive_iterations))
        naive_500 = naive * ITERATIONS / args.naive_iterations
        factored = timed(lambda: ieq_pdmm_factor_once(Xs, Ys, edges))
        check_same_iterates(Xs, Ys, edges)
        floor = ITERATIONS * node_product_seconds(Xs, 2 * 0.4 * degrees(len(Xs), edges) + 0.01, N)
        rows.append({"languages": 7, "edges": len(edges), "shots": b, "ieq_f32_s": ieq32, "ieq_f64_s": ieq64,
                     "tv_f32_s": tv, "naive_ieq_s": naive_500, "factored_ieq_s": factored, "floor_s": floor,
                     "speedup_f32": naive_500 / ieq32, "speedup_f64": naive_500 / ieq64,
                     "over_factored": factored / ieq32, "kernel_over_floor": ieq32 / floor})
        print(rows[-1], flush=True)
    Xs, Ys = problem(50, 100, seed=1)
    E50 = random_graph(50, 4.0)
    ieq50 = timed(lambda: ieq_pdmm(Xs, Ys, E50, iterations=ITERATIONS, dtype="float32"))
    tv50 = timed(lambda: total_variation(Xs, Ys, E50, iterations=ITERATIONS))
    naive50 = timed(lambda: ieq_pdmm_reference(Xs, Ys, E50, iterations=2)) * ITERATIONS / 2
    factored50 = timed(lambda: ieq_pdmm_factor_once(Xs, Ys, E50))
    floor50 = ITERATIONS * node_product_seconds(Xs, 2 * 0.4 * degrees(50, E50) + 0.01, N)
    rows.append({"languages": 50, "edges": len(E50), "shots": 100, "ieq_f32_s": ieq50, "tv_f32_s": tv50,
                 "naive_ieq_s": naive50, "factored_ieq_s": factored50, "floor_s": floor50,
                 "speedup_f32": naive50 / ieq50, "over_factored": factored50 / ieq50,
                 "kernel_over_floor": ieq50 / floor50})
    print(rows[-1], flush=True)
    cols = ["languages", "edges", "shots", "ieq_f32_s", "ieq_f64_s", "tv_f32_s", "naive_ieq_s", "factored_ieq_s",
            "floor_s", "speedup_f32", "speedup_f64", "over_factored", "kernel_over_floor"]
    table = markdown_table(rows, cols)
    header = (f"# LAGO solver speed ({ITERATIONS} iterations, m={M}, n={N}, torch threads "
              f"{torch.get_num_threads()})\n\nnaive_ieq_s: the literal algorithm, timed for "
              f"{args.naive_iterations} iterations (2 for 50 languages) and scaled to {ITERATIONS}. "
              f"factored_ieq_s: the literal iteration factored once, in torch. floor_s: {ITERATIONS} x one "
              f"iteration's node products alone. Large float32 matmul on this machine: {peak:.0f} GFlop/s.\n\n")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "lago_speed.md").write_text(header + table, encoding="utf-8")
    write_json(out / "lago_speed.json", rows)
    print(table)


if __name__ == "__main__":
    run_script(main)
