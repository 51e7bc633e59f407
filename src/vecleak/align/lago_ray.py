"""LAGO as distributed optimization: one Ray actor per language, messages only along edges.

Each actor holds its own leaked pairs and map. IEQ-PDMM actors keep the duals of their own
directed edges and send ``y_ij`` to neighbour j each iteration; TV actors send their current
map. The driver only routes messages, so the same code runs with actors on other machines
(``ray.init(address=...)`` before fitting). Results equal the in-process float64 solvers to
round-off. Needs ``pip install vecleak[ray]``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from vecleak.align.lago_nodes import IEQNode, TVNode
from vecleak.align.lago_solvers import SolverHistory, check_problem
from vecleak.ray_runtime import ray_runtime as _ray


def ieq_pdmm_ray(Xs: Sequence[np.ndarray], Ys: Sequence[np.ndarray], edges: np.ndarray | Sequence, *,
                 epsilon: float = 0.01, c: float = 0.4, theta: float = 1.0, lam: float = 0.01,
                 iterations: int = 500) -> tuple[list[np.ndarray], SolverHistory]:
    """IEQ-PDMM with one actor per language; ``history.change`` is the largest relative W change."""
    E = check_problem(Xs, Ys, edges)
    ray = _ray()
    t0 = time.perf_counter()
    signs: list[dict[int, float]] = [{} for _ in Xs]
    for i, j in E.tolist():
        signs[i][j], signs[j][i] = 1.0, -1.0
    Node = ray.remote(num_cpus=0)(IEQNode)
    nodes = [Node.remote(X, Y, s, epsilon=epsilon, c=c, theta=theta, lam=lam) for X, Y, s in zip(Xs, Ys, signs)]
    hist = SolverHistory()
    for _ in range(iterations):
        out = ray.get([node.step.remote() for node in nodes])
        ray.get([node.receive.remote({j: out[j][0][i] for j in signs[i]}) for i, node in enumerate(nodes)])
        hist.change.append(max(ch for _, ch in out))
    Ws = ray.get([node.weights.remote() for node in nodes])
    _finish(hist, Ws, E, epsilon, t0)
    return Ws, hist


def total_variation_ray(Xs: Sequence[np.ndarray], Ys: Sequence[np.ndarray], edges: np.ndarray | Sequence, *,
                        eta: float = 0.01, step: float = 0.01, lam: float = 0.01,
                        iterations: int = 500) -> tuple[list[np.ndarray], SolverHistory]:
    """TV subgradient descent with one actor per language exchanging maps along edges."""
    E = check_problem(Xs, Ys, edges)
    ray = _ray()
    t0 = time.perf_counter()
    nbrs: list[list[int]] = [[] for _ in Xs]
    for i, j in E.tolist():
        nbrs[i].append(j)
        nbrs[j].append(i)
    Node = ray.remote(num_cpus=0)(TVNode)
    nodes = [Node.remote(X, Y, nb, eta=eta, step=step, lam=lam) for X, Y, nb in zip(Xs, Ys, nbrs)]
    hist = SolverHistory()
    refs = [node.weights.remote() for node in nodes]
    for t in range(iterations):
        changes = ray.get([node.step.remote(t, *[refs[j] for j in nbrs[i]]) for i, node in enumerate(nodes)])
        refs = [node.weights.remote() for node in nodes]
        hist.change.append(max(changes))
    Ws = ray.get(refs)
    _finish(hist, Ws, E, 0.0, t0)
    return Ws, hist


def _finish(hist: SolverHistory, Ws: list[np.ndarray], E: np.ndarray, epsilon: float, t0: float) -> None:
    """Final-iterate violation and residual (the actors never see each other's maps)."""
    excess = [np.maximum(np.abs(Ws[i] - Ws[j]) - epsilon, 0) for i, j in E.tolist()]
    hist.violation.append(float(max(e.max() for e in excess)))
    hist.primal_residual.append(float(np.sqrt(sum((e ** 2).sum() for e in excess))))
    hist.seconds = time.perf_counter() - t0
