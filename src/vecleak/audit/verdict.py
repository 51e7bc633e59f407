"""The verdict of an audit, its most-leaking records and the per-record recovery histogram."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from vecleak.metrics.exposure import highlight

#: Share of records with at least half of their content words rebuilt (above chance) at which
#: leakage is called high / moderate.
HIGH, MODERATE = 0.25, 0.05


def verdict(attacks: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One level (``high``, ``moderate``, ``low``) and one sentence, from the strongest row.

    The strongest row is the one rebuilding the most records at least half-way, above its
    chance level (the same outputs scored against shuffled records).
    """
    def excess(row: dict[str, Any]) -> float:
        return row["half_recovered"] - row["chance"].get("half_recovered", 0.0)

    worst = max(attacks, key=excess)
    gain = excess(worst)
    level = "high" if gain >= HIGH else "moderate" if gain >= MODERATE else "low"
    sentence = (f"An attacker who {worst['knowledge']} rebuilds at least half of the content words of "
                f"{worst['half_recovered']:.0%} of records (chance {worst['chance'].get('half_recovered', 0):.0%}); "
                f"token F1 {worst['token_f1']:.3f} against a chance level of {worst['chance']['token_f1']:.3f}.")
    return {"level": level, "attacker": worst["attacker"], "half_recovered": worst["half_recovered"],
            "half_recovered_chance": worst["chance"].get("half_recovered", 0.0), "token_f1": worst["token_f1"],
            "token_f1_chance": worst["chance"]["token_f1"], "sentence": sentence}


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
