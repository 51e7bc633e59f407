"""Distributed LAGO on Ray: seconds per iteration, and agreement with the in-process solver.

    .venv/bin/python benchmarks/lago_ray_exchange.py --langs 7 --iterations 60

One actor per language; each iteration is one call per actor whose messages go to the
neighbours by reference (no driver round trip). ``--compare FILE`` also times another
implementation of ``ieq_pdmm_ray`` / ``total_variation_ray`` (e.g. an earlier version's module,
saved from git) on the same problem and prints the ratio.
"""

from __future__ import annotations

import argparse
import importlib.util
import time

import numpy as np

from vecleak.errors import run_script


def problem(k: int, b: int, m: int, n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    Xs = [rng.normal(size=(b, m)) for _ in range(k)]
    W = rng.normal(size=(m, n)) / np.sqrt(m)
    Ys = [X @ (W + 0.05 * rng.normal(size=W.shape)) for X in Xs]
    edges = np.array([(i, j) for i in range(k) for j in range(i + 1, k) if (i + j) % 2 == 1 or j == i + 1])
    return Xs, Ys, edges


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--langs", type=int, default=7)
    ap.add_argument("--pairs", type=int, default=100)
    ap.add_argument("--dim", type=int, default=256)
    ap.add_argument("--iterations", type=int, default=60)
    ap.add_argument("--compare", default=None)
    args = ap.parse_args()
    from vecleak.align import lago_ray
    from vecleak.align.lago_solvers import ieq_pdmm, total_variation
    from vecleak.ray_runtime import ray_runtime

    ray_runtime()
    Xs, Ys, E = problem(args.langs, args.pairs, args.dim, args.dim)
    kw = {"iterations": args.iterations}
    impls = {"this": lago_ray}
    if args.compare:
        spec = importlib.util.spec_from_file_location("other_lago_ray", args.compare)
        other = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(other)
        impls["compared"] = other
    ref_ieq, _ = ieq_pdmm(Xs, Ys, E, epsilon=0.01, dtype="float64", **kw)
    ref_tv, _ = total_variation(Xs, Ys, E, eta=0.01, dtype="float64", **kw)
    times = {}
    print("| implementation | solver | s/iteration | max abs diff to in-process |\n|---|---|---|---|")
    for name, mod in impls.items():
        for solver, fn, ref, extra in (("ieq", mod.ieq_pdmm_ray, ref_ieq, {"epsilon": 0.01}),
                                       ("tv", mod.total_variation_ray, ref_tv, {"eta": 0.01})):
            fn(Xs, Ys, E, iterations=2, **extra)                                   # actors warm
            t0 = time.perf_counter()
            Ws, _ = fn(Xs, Ys, E, **kw, **extra)
            times[name, solver] = (time.perf_counter() - t0) / args.iterations
            diff = max(float(np.abs(a - b).max()) for a, b in zip(Ws, ref))
            print(f"| {name} | {solver} | {times[name, solver] * 1000:.1f} ms | {diff:.1e} |")
    if args.compare:
        for solver in ("ieq", "tv"):
            print(f"{solver}: compared / this = {times['compared', solver] / times['this', solver]:.2f}")


if __name__ == "__main__":
    run_script(main)
