"""The per-language nodes of distributed LAGO: what one Ray actor holds and computes.

numpy only (no torch), so an actor process starts quickly; it sees its own leaked pairs,
its own map, and the duals (IEQ-PDMM) or maps (TV) its neighbours send.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from vecleak.align.ridge import ridge_solve


def shifted_inverse(X: np.ndarray, rho: float) -> np.ndarray:
    """``(XᵀX + ρI)⁻¹`` as an explicit ``(m, m)`` matrix from one eigendecomposition; with ρ = 0
    the pseudo-inverse (eigenvalues below 1e-10 of the largest count as zero)."""
    evals, V = np.linalg.eigh(X.T @ X)
    shifted = evals + rho
    keep = shifted > 1e-10 * max(float(shifted.max()), 1e-300)
    return (V * np.where(keep, 1.0 / np.where(keep, shifted, 1.0), 0.0)) @ V.T


class IEQNode:
    """One language of IEQ-PDMM: ``X (b, m)``, ``Y (b, n)``, signs ``B_ij`` of its edges."""

    def __init__(self, X: np.ndarray, Y: np.ndarray, signs: dict[int, float], *, epsilon: float, c: float,
                 theta: float, lam: float) -> None:
        self.signs, self.epsilon, self.c, self.theta = signs, epsilon, c, theta
        X, Y = np.asarray(X, np.float64), np.asarray(Y, np.float64)
        self.inv = shifted_inverse(X, 2 * c * len(signs) + lam)                # factored once
        self.XtY = X.T @ Y
        self.z1 = {j: np.zeros_like(self.XtY) for j in signs}
        self.z2 = {j: np.zeros_like(self.XtY) for j in signs}
        self.W = np.zeros_like(self.XtY)

    def step(self) -> tuple[dict[int, tuple[np.ndarray, np.ndarray]], float]:
        """Update W_i from the duals; return the messages ``{j: (y1_ij, y2_ij)}`` and W's relative change."""
        rhs = self.XtY - sum((B * (self.z1[j] - self.z2[j]) for j, B in self.signs.items()), np.zeros_like(self.XtY))
        W = self.inv @ rhs
        change = float(np.linalg.norm(W - self.W) / max(np.linalg.norm(W), 1e-30))
        self.W = W
        ce = self.c * self.epsilon
        self.y = {j: (self.z1[j] + 2 * self.c * B * W - ce, self.z2[j] - 2 * self.c * B * W - ce)
                  for j, B in self.signs.items()}
        return self.y, change

    def receive(self, inbox: dict[int, tuple[np.ndarray, np.ndarray]]) -> None:
        """Dual update from the neighbours' ``y_ji``."""
        for j, (y1_ji, y2_ji) in inbox.items():
            y1_ij, y2_ij = self.y[j]
            for z, own, other in ((self.z1, y1_ij, y1_ji), (self.z2, y2_ij, y2_ji)):
                z[j] = (1 - self.theta) * z[j] + self.theta * np.where(own + other > 0, other, -own)

    def weights(self) -> np.ndarray:
        return self.W

    def neighbours(self) -> list[int]:
        """This node's neighbours, in the order :meth:`iterate` takes and returns their messages."""
        return sorted(self.signs)

    def iterate(self, *messages: tuple[np.ndarray, np.ndarray]) -> tuple:
        """One iteration for message passing without a coordinator: apply the neighbours'
        ``y_ji`` of the previous iteration (none on the first), then :meth:`step`.

        Returns one ``(y1_ij, y2_ij)`` per neighbour (in :meth:`neighbours` order) and W's
        relative change last, so each message can travel straight to its neighbour.
        """
        order = self.neighbours()
        if messages:
            self.receive(dict(zip(order, messages)))
        y, change = self.step()
        return (*[y[j] for j in order], change)


class TVNode:
    """One language of the total-variation solver, started at its own ridge solution."""

    def __init__(self, X: np.ndarray, Y: np.ndarray, neighbours: Sequence[int], *, eta: float, step: float,
                 lam: float) -> None:
        self.X, self.Y = np.asarray(X, np.float64), np.asarray(Y, np.float64)
        self.neighbours, self.eta, self.step_size, self.lam = list(neighbours), eta, step, lam
        self.W = ridge_solve(self.X, self.Y, lam)

    def weights(self) -> np.ndarray:
        return self.W

    def step(self, t: int, *neighbour_W: np.ndarray) -> float:
        """One subgradient step, given the neighbours' maps in the order of ``neighbours``."""
        tv = sum((np.sign(self.W - Wj) for Wj in neighbour_W), np.zeros_like(self.W))
        grad = -self.X.T @ (self.Y - self.X @ self.W) + self.lam * self.W + self.eta * tv
        W = self.W - self.step_size / math.sqrt(t + 1) * grad
        change = float(np.linalg.norm(W - self.W) / max(np.linalg.norm(W), 1e-30))
        self.W = W
        return change

    def iterate(self, t: int, *neighbour_W: np.ndarray) -> tuple[np.ndarray, float]:
        """:meth:`step`, returning the new map too, so it can travel straight to the neighbours."""
        change = self.step(t, *neighbour_W)
        return self.W, change
