"""The privacy-utility frontier: points, the Pareto set, and the setting to recommend.

A point is one defense setting with the strongest attacker's leakage (lower is better) and a
utility (higher is better). A point is on the Pareto set when no other point leaks no more
*and* keeps no less utility, with one of the two strictly better.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class FrontierPoint:
    """One defense setting: ``spec`` (registry name + parameters), ``leakage`` (strongest
    attacker's metrics, with ``attacker`` naming who reached each) and ``utility`` scores."""

    family: str
    spec: dict[str, Any]
    leakage: dict[str, Any]
    utility: dict[str, float]
    extra: dict[str, Any] = field(default_factory=dict)

    def label(self) -> str:
        params = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                           for k, v in self.spec.items() if k not in ("name", "seed"))
        return f"{self.spec['name']}({params})" if params else self.spec["name"]

    def to_dict(self) -> dict[str, Any]:
        return {"family": self.family, "defense": self.spec, "label": self.label(), **self.leakage, **self.utility,
                **self.extra}


def pareto_set(points: Sequence[FrontierPoint], *, leak: str = "token_f1", utility: str = "recall_at_10") -> list[int]:
    """Indices of the Pareto-optimal points (least ``leak`` for their ``utility``), by utility descending."""
    keep = []
    for i, p in enumerate(points):
        dominated = any(
            q.leakage[leak] <= p.leakage[leak] and q.utility[utility] >= p.utility[utility]
            and (q.leakage[leak] < p.leakage[leak] or q.utility[utility] > p.utility[utility])
            for j, q in enumerate(points) if j != i)
        if not dominated:
            keep.append(i)
    return sorted(keep, key=lambda i: -points[i].utility[utility])


#: The least relative cut of the strongest attacker's score that counts as protection.
MIN_CUT = 0.05


def recommend(points: Sequence[FrontierPoint], *, min_utility: float = 0.95, leak: str = "token_f1",
              utility: str = "recall_at_10", baseline: float | None = None, min_cut: float = MIN_CUT) -> int | None:
    """Index of the least-leaking point that keeps ``utility >= min_utility`` (ties: more utility).

    ``baseline``: the undefended leakage; a point must then cut it by at least ``min_cut``
    (relative) to be recommended, so a setting that changes nothing (a rotation, int8 rounding)
    is never sold as protection.
    """
    ok = [i for i, p in enumerate(points) if p.utility[utility] >= min_utility
          and (baseline is None or p.leakage[leak] <= (1 - min_cut) * baseline)]
    if not ok:
        return None
    return min(ok, key=lambda i: (points[i].leakage[leak], -points[i].utility[utility]))


def apply_command(spec: dict[str, Any], *, vectors: str = "VECTORS.npy", out: str = "PROTECTED.npy",
                  folder: str = "defense/") -> str:
    """The shell commands that fit ``spec`` once and apply it to stored vectors (queries alike)."""
    name = spec["name"]
    if name == "none":
        return "(no defense)"
    params = [f"--param {k}={v}" for k, v in spec.items() if k not in ("name", "seed", "epsilon")]
    if "epsilon" in spec:
        params.append(f"--dp-epsilon {spec['epsilon']}")
    fit = " ".join(["vecleak defend fit --defense", shlex.quote(name), *params, "--in", vectors, "--out", folder])
    return f"{fit} && vecleak defend apply --defense {folder} --in {vectors} --out {out}"
