"""The verdict of an audit, its most-leaking records and the per-record recovery histogram."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from vecleak.metrics.exposure import highlight

#: Leakage levels, each reached by either measure above its chance level: the share of records
#: with at least half of their content words rebuilt, or the mean share of content words rebuilt.
HIGH = {"half_recovered": 0.25, "content_recall": 0.40}
MODERATE = {"half_recovered": 0.05, "content_recall": 0.10}


def _excess(row: dict[str, Any], key: str) -> float:
    return row[key] - row["chance"].get(key, 0.0)


def verdict(attacks: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One level (``high``, ``moderate``, ``low``) and one sentence, from the strongest row.

    The strongest row is the one rebuilding the largest share of content words above its chance
    level (the same outputs scored against shuffled records); its level is the highest whose
    threshold (:data:`HIGH`, :data:`MODERATE`) either measure reaches.
    """
    worst = max(attacks, key=lambda r: (_excess(r, "content_recall"), _excess(r, "half_recovered")))
    level = next((name for name, bar in (("high", HIGH), ("moderate", MODERATE))
                  if any(_excess(worst, k) >= v for k, v in bar.items())), "low")
    c = worst["chance"]
    sentence = (f"An attacker who {worst['knowledge']} rebuilds {worst['content_recall']:.0%} of a record's content "
                f"words on average (chance {c.get('content_recall', 0):.0%}) and at least half of them for "
                f"{worst['half_recovered']:.0%} of records (chance {c.get('half_recovered', 0):.0%}); token F1 "
                f"{worst['token_f1']:.3f} against a chance level of {c['token_f1']:.3f}.")
    return {"level": level, "attacker": worst["attacker"], "published": published_note(worst), "half_recovered": worst["half_recovered"],
            "half_recovered_chance": c.get("half_recovered", 0.0), "content_recall": worst["content_recall"],
            "content_recall_chance": c.get("content_recall", 0.0), "token_f1": worst["token_f1"],
            "token_f1_chance": worst["chance"]["token_f1"], "sentence": sentence}


def published_note(row: dict[str, Any]) -> str:
    """One sentence placing the strongest row against the published attackers, so that a low
    verdict reads as "this attacker, at this budget, rebuilt little", never as "safe"."""
    cost = row.get("cost") or {}
    budget = (f" at {cost.get('queries_per_record', 0):.0f} encoder queries and {cost.get('seconds_per_record', 0):.1f} s "
              "per record") if cost else " without encoder queries"
    return (f"This is vecleak's strongest attacker here ({row['attacker']}{budget}, on 2 CPU cores' worth of "
            "training). Published attackers with GPU-trained correctors rebuild far more of sentence-length "
            "text (vec2text: BLEU 92 and 92% exact match on 32-token texts with a known encoder; ZSInvert: token F1 "
            "above 0.5); a lower verdict here is a lower bound on what leaks, not a guarantee.")


def examples(references: Sequence[str], reconstructions: Sequence[str], per_record: Sequence[float | None],
             languages: Sequence[str], *, attacker: str, n: int = 8) -> dict[str, Any]:
    """The ``n`` records whose content words leak most, with their recovered words marked."""
    order = sorted((i for i, p in enumerate(per_record) if p is not None), key=lambda i: -per_record[i])[:n]
    return {"attacker": attacker, "records": [
        {"reference": references[i], "reconstruction": reconstructions[i], "content_recall": per_record[i],
         "segments": highlight(references[i], reconstructions[i], languages[i])} for i in order]}


def histogram(per_record: Sequence[float | None], *, attacker: str, bins: int = 10) -> dict[str, Any]:
    """Counts of records by content-word recall, in ``bins`` equal bins over [0, 1]."""
    counts = [0] * bins
    for p in per_record:
        if p is not None:
            counts[min(int(p * bins), bins - 1)] += 1
    return {"attacker": attacker, "edges": [i / bins for i in range(bins + 1)], "counts": counts}
