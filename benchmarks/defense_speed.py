"""Defense speed: wall time of each defense on 10,000 unit vectors at d = 512 and d = 384.

For each defense: ``fit_s`` (one-time: PCA's SVD, rotation's QR, nothing for noise), the best
of ``--repeats`` ``transform`` times, vectors per second, and the mean ``cos(out, x)`` as a
utility reading. ``purmech (cold)`` includes building the inverse-CDF table for its ``(d, ε)``;
``purmech (bisection)`` times a per-sample bisection on quad-integrated CDFs, the approach of
the public reference code, on a few vectors. A second table gives mean ``cos(out, x)`` at the
default ε grid.

    python benchmarks/defense_speed.py [--n 10000] [--out benchmarks/results]
"""

from __future__ import annotations

import argparse
import math
import os
import time
from pathlib import Path

import numpy as np
from scipy import integrate

from common import markdown_table, write_json
from vecleak.defenses import DEFAULT_EPSILONS, load_defense
from vecleak.defenses.ldp import purkayastha_table
from vecleak.errors import run_script

EPSILON = 8.0
DIMS = (512, 384)
DEFENSES = [("none", {}), ("purmech", {"epsilon": EPSILON}), ("lapmech", {"epsilon": EPSILON}),
            ("gaussian", {"sigma": 0.1}), ("dp-gaussian", {"epsilon": EPSILON}), ("rotation", {}),
            ("shuffle", {}), ("pca", {"n_components": 64}), ("quantize", {"mode": "int8"}),
            ("quantize", {"mode": "binary"})]


def unit_rows(n: int, d: int, seed: int) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def mean_cos(out: np.ndarray, x: np.ndarray) -> float:
    if out.shape != x.shape:
        return float("nan")
    return float(np.mean(np.einsum("ij,ij->i", out, x) / np.linalg.norm(out, axis=1)))


def bisection_angle(d: int, eps: float, rng: np.random.Generator, steps: int = 24) -> float:
    """One PurMech angle the slow way: bisection on quad-integrated CDFs (reference-style)."""
    f = lambda t: math.exp(-eps * t) * math.sin(t) ** (d - 2)  # noqa: E731
    total = integrate.quad(f, 0, math.pi)[0]
    u, a, b = rng.random(), 0.0, math.pi
    for _ in range(steps):
        mid = (a + b) / 2
        if integrate.quad(f, 0, mid)[0] / total < u:
            a = mid
        else:
            b = mid
    return (a + b) / 2


def label(name: str, params: dict) -> str:
    return f"{name} (mode={params['mode']})" if name == "quantize" else name


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--bisection-samples", type=int, default=20)
    ap.add_argument("--out", default=str(Path(__file__).parent / "results"))
    args = ap.parse_args()
    rows = []
    for d in DIMS:
        x = unit_rows(args.n, d, seed=d)
        purkayastha_table.cache_clear()
        t0 = time.perf_counter()
        load_defense("purmech", epsilon=EPSILON, seed=0).transform(x)
        cold = time.perf_counter() - t0
        rows.append({"defense": "purmech (cold)", "d": d, "epsilon": EPSILON, "fit_s": 0.0,
                     "transform_s": cold, "vectors_per_s": args.n / cold})
        for name, params in DEFENSES:
            defense = load_defense(name, seed=0, **params)
            t0 = time.perf_counter()
            defense.fit(x)
            fit_s = time.perf_counter() - t0
            times = []
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                out = defense.transform(x)
                times.append(time.perf_counter() - t0)
            best = min(times)
            rows.append({"defense": label(name, params), "d": d, "epsilon": params.get("epsilon", ""),
                         "fit_s": fit_s, "transform_s": best, "vectors_per_s": args.n / best,
                         "mean_cos": mean_cos(out, x)})
            print(rows[-1], flush=True)
        rng = np.random.default_rng(0)
        t0 = time.perf_counter()
        for _ in range(args.bisection_samples):
            bisection_angle(d, EPSILON, rng)
        per = (time.perf_counter() - t0) / args.bisection_samples
        rows.append({"defense": f"purmech (bisection, {args.bisection_samples} samples)", "d": d,
                     "epsilon": EPSILON, "fit_s": 0.0, "transform_s": per * args.n, "vectors_per_s": 1 / per})
        print(rows[-1], flush=True)

    utility = []
    x = unit_rows(args.n, 512, seed=1)
    for name in ("purmech", "lapmech", "dp-gaussian"):
        row = {"defense": name, "d": 512}
        for eps in DEFAULT_EPSILONS:
            row[f"cos@eps={eps:g}"] = mean_cos(load_defense(name, epsilon=eps, seed=0).transform(x), x)
        utility.append(row)

    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    cols = ["defense", "d", "epsilon", "fit_s", "transform_s", "vectors_per_s", "mean_cos"]
    ucols = ["defense", "d"] + [f"cos@eps={e:g}" for e in DEFAULT_EPSILONS]
    note = (f"{args.n} unit vectors, best of {args.repeats} transform calls; {os.cpu_count()} CPU cores, "
            f"load average {load[0]:.1f} at the end of the run" if load else f"{args.n} unit vectors")
    text = (f"# Defense speed\n\n{note}.\n\n{markdown_table(rows, cols)}\n"
            f"## Mean cos(out, x) at the default ε grid\n\n{markdown_table(utility, ucols)}")
    print(text)
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "defense_speed.md").write_text(text, encoding="utf-8")
    write_json(out_dir / "defense_speed.json", {"n": args.n, "repeats": args.repeats, "cpu_count": os.cpu_count(),
                                                "load_average": load, "speed": rows, "utility": utility})


if __name__ == "__main__":
    run_script(main)
