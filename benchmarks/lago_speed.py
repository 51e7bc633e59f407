"""LAGO solver speed: vectorized IEQ-PDMM / TV against the literal algorithm, as ratios.

Problem of the paper's size: m = 512 (use-multilingual), n = 384 (MiniLM), 7 languages on the
syntax graph (r = 0.45, 7 edges), b leaked pairs per language, 500 iterations; plus 50
languages on a random graph of average degree 4. The literal IEQ-PDMM (two duals per directed
edge, a fresh solve per node and iteration) runs ``--naive-iterations`` iterations; its
500-iteration time is that times 500 / N (its iterations all cost the same).

    python benchmarks/lago_speed.py [--out benchmarks/results]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from common import markdown_table, write_json
from vecleak.align.lago_solvers import ieq_pdmm, ieq_pdmm_reference, total_variation
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


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(Path(__file__).parent / "results"))
    ap.add_argument("--shots", type=int, nargs="+", default=[10, 100, 1000])
    ap.add_argument("--naive-iterations", type=int, default=10)
    args = ap.parse_args()
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
        rows.append({"languages": 7, "edges": len(edges), "shots": b, "ieq_f32_s": ieq32, "ieq_f64_s": ieq64,
                     "tv_f32_s": tv, "naive_ieq_s": naive_500, "speedup_f32": naive_500 / ieq32,
                     "speedup_f64": naive_500 / ieq64})
        print(rows[-1], flush=True)
    Xs, Ys = problem(50, 100, seed=1)
    E50 = random_graph(50, 4.0)
    ieq50 = timed(lambda: ieq_pdmm(Xs, Ys, E50, iterations=ITERATIONS, dtype="float32"))
    tv50 = timed(lambda: total_variation(Xs, Ys, E50, iterations=ITERATIONS))
    naive50 = timed(lambda: ieq_pdmm_reference(Xs, Ys, E50, iterations=2)) * ITERATIONS / 2
    rows.append({"languages": 50, "edges": len(E50), "shots": 100, "ieq_f32_s": ieq50, "tv_f32_s": tv50,
                 "naive_ieq_s": naive50, "speedup_f32": naive50 / ieq50})
    print(rows[-1], flush=True)
    cols = ["languages", "edges", "shots", "ieq_f32_s", "ieq_f64_s", "tv_f32_s", "naive_ieq_s", "speedup_f32",
            "speedup_f64"]
    table = markdown_table(rows, cols)
    header = (f"# LAGO solver speed ({ITERATIONS} iterations, m={M}, n={N}, torch threads "
              f"{torch.get_num_threads()})\n\nnaive_ieq_s: the literal algorithm, timed for "
              f"{args.naive_iterations} iterations (2 for 50 languages) and scaled to {ITERATIONS}.\n\n")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "lago_speed.md").write_text(header + table, encoding="utf-8")
    write_json(out / "lago_speed.json", rows)
    print(table)


if __name__ == "__main__":
    main()
