"""LAGO as distributed optimization: one Ray actor per language, messages only along edges.

Each actor holds its own leaked pairs and map. IEQ-PDMM actors keep the duals of their own
directed edges; every iteration is one call per actor (:meth:`IEQNode.iterate`) whose
per-neighbour messages ``y_ij`` are separate return values, handed by reference to the
neighbour's next call: the data goes from actor to actor through Ray's object store, the
driver never fetches it and never waits inside the loop (Ray pipelines the iterations). TV
actors send their current map the same way. The same code runs with actors on other machines
(``ray.init(address=...)`` before fitting). Results equal the in-process float64 solvers to
round-off. Needs ``pip install vecleak[ray]``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from vecleak.align.lago_nodes import IEQNode, TVNode
from vecleak.align.lago_solvers import SolverHistory, check_problem, check_settings
from vecleak.configs import LagoConfig as _L
from vecleak.ray_runtime import ray_runtime as _ray


def ieq_pdmm_ray(Xs: Sequence[np.ndarray], Ys: Sequence[np.ndarray], edges: np.ndarray | Sequence, *,
                 epsilon: float = _L.box_epsilon, c: float = _L.c, theta: float = _L.theta, lam: float = _L.lam,
                 iterations: int = _L.iterations) -> tuple[list[np.ndarray], SolverHistory]:
    """IEQ-PDMM with one actor per language; ``history.change`` is the largest relative W change."""
    E = check_problem(Xs, Ys, edges)
    check_settings(epsilon=epsilon, c=c, theta=theta, lam=lam, iterations=iterations)
    ray = _ray()
    t0 = time.perf_counter()
    signs: list[dict[int, float]] = [{} for _ in Xs]
    for i, j in E.tolist():
        signs[i][j], signs[j][i] = 1.0, -1.0
    Node = ray.remote(num_cpus=0)(IEQNode)
    nodes = [Node.remote(X, Y, s, epsilon=epsilon, c=c, theta=theta, lam=lam) for X, Y, s in zip(Xs, Ys, signs)]
    order = [sorted(s) for s in signs]                  # each node's neighbours, as IEQNode.neighbours()
    hist = SolverHistory()
    outs: list[list] = [[] for _ in nodes]
    changes = []
    for t in range(iterations):
        # node i's inbox: what each neighbour j addressed to i in the previous iteration (refs only)
        inbox = [[outs[j][order[j].index(i)] for j in order[i]] if t else [] for i in range(len(nodes))]
        outs = [list(_as_list(node.iterate.options(num_returns=len(order[i]) + 1).remote(*inbox[i])))
                for i, node in enumerate(nodes)]
        changes.append([o[-1] for o in outs])
    flat = ray.get([ref for row in changes for ref in row])
    hist.change = [max(flat[t * len(nodes):(t + 1) * len(nodes)]) for t in range(len(changes))]
    Ws = ray.get([node.weights.remote() for node in nodes])
    _finish(hist, Ws, E, epsilon, t0)
    return Ws, hist


def total_variation_ray(Xs: Sequence[np.ndarray], Ys: Sequence[np.ndarray], edges: np.ndarray | Sequence, *,
                        eta: float = _L.eta, step: float = _L.step, lam: float = _L.lam,
                        iterations: int = _L.iterations) -> tuple[list[np.ndarray], SolverHistory]:
    """TV subgradient descent with one actor per language exchanging maps along edges."""
    E = check_problem(Xs, Ys, edges)
    check_settings(eta=eta, step=step, lam=lam, iterations=iterations)
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
    changes = []
    for t in range(iterations):
        # every node's map of the last iteration goes to its neighbours by reference: no fetch, no wait
        outs = [node.iterate.options(num_returns=2).remote(t, *[refs[j] for j in nbrs[i]])
                for i, node in enumerate(nodes)]
        refs = [w for w, _ in outs]
        changes.append([c for _, c in outs])
    flat = ray.get([ref for row in changes for ref in row])
    hist.change = [max(flat[t * len(nodes):(t + 1) * len(nodes)]) for t in range(len(changes))]
    Ws = ray.get(refs)
    _finish(hist, Ws, E, 0.0, t0)
    return Ws, hist


def _as_list(refs) -> list:
    """``num_returns=1`` gives one ref, more give a list: always a list."""
    return refs if isinstance(refs, list) else [refs]


def _finish(hist: SolverHistory, Ws: list[np.ndarray], E: np.ndarray, epsilon: float, t0: float) -> None:
    """Final-iterate violation and residual (the actors never see each other's maps)."""
    excess = [np.maximum(np.abs(Ws[i] - Ws[j]) - epsilon, 0) for i, j in E.tolist()]
    hist.violation.append(float(max(e.max() for e in excess)))
    hist.primal_residual.append(float(np.sqrt(sum((e ** 2).sum() for e in excess))))
    hist.seconds = time.perf_counter() - t0
