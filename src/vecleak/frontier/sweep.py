"""Sweep every defense family's strength: strongest-attacker leakage against retrieval utility.

Each candidate is fitted once (on the defender's own vectors, ``fit_vectors``: for a store, its
rows outside the audited sample) and that one fitted object is measured twice: by the
strongest attacker that knows it (:func:`~vecleak.frontier.strongest.strongest_attack`) and by
retrieval of the audited rows' nearest neighbours (:func:`~vecleak.utility.retrieval.neighbour_retrieval`).
The undefended point (``none``) is always measured, as the reference of both axes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from vecleak.configs import AUDIT_DEFENSES
from vecleak.defenses import load_defense
from vecleak.errors import ConfigError, VecleakError
from vecleak.frontier.pareto import FrontierPoint
from vecleak.frontier.strongest import AttackerKit, strongest_attack
from vecleak.utility.retrieval import neighbour_retrieval


@dataclass(frozen=True)
class Candidate:
    """One defense setting: a family label, the registry name and its parameters."""

    family: str
    name: str
    params: dict[str, Any] = field(default_factory=dict)

    @staticmethod
    def parse(text: str) -> Candidate:
        """``name`` or ``name:key=value,key=value`` (``gaussian:sigma=0.05``, ``purmech:epsilon=12``): one
        entry of :attr:`~vecleak.configs.AuditConfig.defenses`, which a refusal names."""
        name, _, rest = text.strip().partition(":")
        params: dict[str, Any] = {}
        for item in filter(None, rest.split(",")):
            key, eq, value = item.partition("=")
            if not eq or not key.strip():
                raise ConfigError.between("{defenses} {spec}: parameters are key=value, e.g. gaussian:sigma=0.05",
                                          "defenses", owner="AuditConfig", spec=repr(text))
            params[key.strip()] = _number(value.strip())
        if not name:
            raise ConfigError.between("{defenses} {spec}: give a defense name, e.g. gaussian:sigma=0.05", "defenses",
                                      owner="AuditConfig", spec=repr(text))
        return Candidate(name, name, params)

    def check(self) -> None:
        """Refuse an unknown defense name or parameter (a one-line error), building nothing heavy."""
        try:
            build(self, seed=0, dim=1 << 30)
        except VecleakError as err:
            # the inner error names the spec's own keys (sigma, epsilon): what was typed inside it
            raise ConfigError.between("{defenses} {spec}: {reason}", "defenses", owner="AuditConfig",
                                      spec=self.label(), reason=str(err)) from None

    def label(self) -> str:
        """``name:key=value,...`` as typed."""
        return self.name + (":" + ",".join(f"{k}={v}" for k, v in self.params.items()) if self.params else "")


def _number(value: str) -> Any:
    for cast in (int, float):
        try:
            return cast(value)
        except ValueError:
            pass
    return value


#: The default sweep (:data:`vecleak.configs.AUDIT_DEFENSES`): every family from light to strong.
DEFAULT_GRID: tuple[Candidate, ...] = tuple(Candidate.parse(spec) for spec in AUDIT_DEFENSES)


def with_baseline(candidates: Sequence[Candidate]) -> list[Candidate]:
    """``candidates`` with the undefended point (``none``) first, once."""
    return [Candidate("none", "none"), *[c for c in candidates if c.name != "none"]]


def build(candidate: Candidate, *, seed: int, dim: int):
    """The defense a candidate names (``None`` when it cannot apply at ``dim``, e.g. PCA wider than it)."""
    params = dict(candidate.params)
    epsilon = params.pop("epsilon", None)
    if candidate.name == "pca" and params.get("n_components", 0) >= dim:
        return None
    return load_defense(candidate.name, epsilon=epsilon, seed=seed, **params)


def measure(candidate: Candidate, kit: AttackerKit | Sequence[AttackerKit], *, vectors: np.ndarray, references: Sequence[str],
            languages: Sequence[str] | None, fit_vectors: np.ndarray, corpus: np.ndarray | None = None,
            attack_rows: int | None = None,
            reference_targets: np.ndarray | Sequence[np.ndarray | None] | None = None, seed: int = 0,
            k: int = 10, utilities: Callable[[Any], dict[str, float]] | None = None,
            defense: Any = None) -> FrontierPoint | None:
    """One candidate's point, or ``None`` when it cannot apply at this dimension.

    Args:
        vectors: ``(n, m)`` undefended audited vectors: the retrieval queries, and (their first
            ``attack_rows``) the attack targets.
        references: the texts of the attack targets; ``languages``: their languages (or ``None``).
        fit_vectors: ``(f, m)`` the defender's vectors to fit learning defenses on (not the audited ones).
        corpus: ``(N, m)`` raw vectors the retrieval corpus holds besides ``vectors``.
        reference_targets: each kit's attacker vectors of ``references`` (see :func:`strongest_attack`).
        utilities: optional ``fitted defense -> {name: score}``, more utilities measured on the
            same fitted object (downstream tasks, say); merged into the point's ``utility``.
        defense: a defense built elsewhere (a trained projection) to measure under ``candidate``'s
            label, instead of building it from the registry.
    """
    if defense is None:
        defense = build(candidate, seed=seed, dim=vectors.shape[1])
    if defense is None:
        return None
    defense.fit(fit_vectors)
    n = len(references) if attack_rows is None else attack_rows
    leakage = strongest_attack(defense, kit, vectors[:n], list(references)[:n],
                               None if languages is None else list(languages)[:n], reference_targets)
    corpus_raw = vectors if corpus is None or not len(corpus) else np.concatenate([vectors, corpus])
    stored = defense.transform(corpus_raw)
    asked = defense.transform(vectors)      # a query passes the defense again (fresh noise if stochastic)
    utility = neighbour_retrieval(corpus_raw, stored, asked, queries=np.arange(len(vectors)), k=k)
    if utilities is not None:
        utility.update(utilities(defense))
    return FrontierPoint(candidate.family, defense.spec(),
                         {key: v for key, v in leakage.items() if key not in ("reconstructions", "detail", "cost")},
                         utility, extra={"reconstructions": leakage["reconstructions"]})


def sweep_defenses(candidates: Sequence[Candidate], kit: AttackerKit | Sequence[AttackerKit], *,
                   on_point: Callable[[FrontierPoint], None] | None = None, **inputs: Any) -> list[FrontierPoint]:
    """:func:`measure` every candidate (``none`` first, always); ``inputs`` are :func:`measure`'s."""
    points: list[FrontierPoint] = []
    for cand in with_baseline(candidates):
        point = measure(cand, kit, **inputs)
        if point is not None:
            points.append(point)
            if on_point is not None:
                on_point(point)
    return points
