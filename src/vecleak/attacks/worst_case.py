"""The strongest attacker a knowledge allows: every attacker that can run, each scored, the best
per metric.

A defender must assume the worst, so leakage is the maximum over attackers, metric by metric
(:func:`summarize`), with which attacker reached it and the chance level of the best one.
``evaluate-defense --attacker strongest``, the privacy-utility frontier and the audit all
measure through :func:`strongest`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from vecleak.attacks.base import Attacker, Knowledge, can_run
from vecleak.attacks.scoring import score_result
from vecleak.errors import InputError
from vecleak.metrics import CORE_METRICS

#: The closed-form attackers (a ridge and a decoder, nothing trained), weakest knowledge first:
#: what the frontier and the audit measure each defense with.
CLOSED_FORM_ATTACKERS = ("fewshot", "query")
#: Every attacker that decodes, as ``evaluate-defense --attacker strongest`` runs them (the last
#: two fine-tune their own copy of the decoder).
DECODING_ATTACKERS = ("fewshot", "denoise", "adaptive", "decoder-aux")
#: The metrics :func:`strongest` reports the best of, by default.
STRONGEST_METRICS = (*CORE_METRICS, "content_recall", "half_recovered")

Run = tuple[dict[str, Any], list[str]]


def strongest(attackers: Mapping[str, Attacker] | Sequence[Attacker], knowledge: Knowledge | Mapping[str, Knowledge],
              vectors: np.ndarray, references: Sequence[str], languages: Sequence[str] | None = None,
              reference_targets: np.ndarray | Mapping[str, np.ndarray | None] | None = None, *,
              metrics: Sequence[str] = STRONGEST_METRICS, exposure: bool = True) -> dict[str, Any]:
    """Run every attacker ``knowledge`` allows on stored ``vectors (n, m)`` and keep the best per metric.

    Args:
        attackers: by name (a mapping), or a sequence named by each attacker's ``name``; run in order.
        knowledge: what every attacker holds, or each attacker's by name. An attacker whose
            knowledge lacks something it requires (:func:`~vecleak.attacks.base.can_run`) is skipped.
        references: the ``n`` true texts; ``languages``: each row's language (or ``None``).
        reference_targets: ``(n, d)`` the knowledge's encoder A's vectors of ``references`` (or
            each attacker's, by name), when already computed; used for results in A's space.
        metrics: the metrics to take the best of; ``exposure``: score the data-owner terms too.

    Returns:
        :func:`summarize`'s dict (``<metric>``, ``attacker``, ``attackers``, ``chance``,
        ``reconstructions``, ``detail``) and ``cost``: ``{name: {"queries_per_record", "seconds"}}``.
    """
    named = _by_name(attackers)
    runs: dict[str, Run] = {}
    cost: dict[str, dict[str, float]] = {}
    for name, attacker in named.items():
        held = _for(knowledge, name, "knowledge")
        if not can_run(attacker, held):
            continue
        result = attacker.attack(vectors, held, languages=languages)
        encoder = result.encoder if result.encoder is not None else held.attacker
        targets = _for(reference_targets, name, "reference_targets") if encoder is held.attacker else None
        scores = score_result(result, references, languages, encoder=encoder, tokenizer=held.tokenizer,
                              reference_targets=targets, with_exposure=exposure)
        runs[name] = (scores, result.texts)
        cost[name] = {"queries_per_record": result.queries_per_record, "seconds": round(result.seconds, 3)}
    if not runs:
        raise InputError(f"no attacker can run with this knowledge (of {', '.join(named)}); each needs: "
                         + "; ".join(f"{n}: {', '.join(sorted(a.requires))}" for n, a in named.items()))
    return {**summarize(runs, metrics), "cost": cost}


def summarize(runs: Mapping[str, Run], metrics: Sequence[str] = STRONGEST_METRICS) -> dict[str, Any]:
    """The best attacker per metric (the defender must assume the worst), and the runs themselves.

    ``runs``: ``{name: (metrics, reconstructions)}``. Returns ``{"attackers": {name: metrics},
    <metric>: max over attackers, "attacker": {metric: name}, "chance": chance of the best attacker
    by token F1, "reconstructions": that attacker's outputs, "detail": its full metrics}``.
    """
    out: dict[str, Any] = {"attackers": {n: {k: m[k] for k in (*metrics, "chance") if k in m}
                                         for n, (m, _) in runs.items()}}
    out["attacker"] = {}
    for k in metrics:
        best = max(runs, key=lambda n: runs[n][0].get(k, float("-inf")))
        out[k], out["attacker"][k] = runs[best][0][k], best
    best = max(runs, key=lambda n: runs[n][0].get("token_f1", float("-inf")))
    out["chance"] = runs[best][0]["chance"]
    out["reconstructions"] = runs[best][1]
    out["detail"] = runs[best][0]
    return out


def _by_name(attackers: Mapping[str, Attacker] | Sequence[Attacker]) -> dict[str, Attacker]:
    if isinstance(attackers, Mapping):
        return dict(attackers)
    named: dict[str, Attacker] = {}
    for attacker in attackers:
        if attacker.name in named:
            raise InputError(f"two attackers are named '{attacker.name}'; pass them as a mapping {{name: attacker}}")
        named[attacker.name] = attacker
    return named


def _for(value: Any, name: str, what: str) -> Any:
    """``value`` itself, or its entry for attacker ``name`` when it is a mapping by name."""
    if not isinstance(value, Mapping):
        return value
    if what == "knowledge" and name not in value:
        raise InputError(f"no knowledge for attacker '{name}'; give one per attacker or one for all")
    return value.get(name)
