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


#: Verdict levels, weakest first (``vecleak audit --fail-on`` compares against them).
LEVELS = ("low", "moderate", "high")
#: A language's own rows join the verdict from this many audited records of it.
MIN_LANGUAGE_RECORDS = 10


def reaches(level: str, threshold: str) -> bool:
    """Whether verdict ``level`` is ``threshold`` or worse."""
    return LEVELS.index(level) >= LEVELS.index(threshold)


def verdict(attacks: Sequence[dict[str, Any]], not_run: Sequence[dict[str, str]] = ()) -> dict[str, Any]:
    """One level (``high``, ``moderate``, ``low``) and one sentence, from the strongest row.

    The strongest row is the one rebuilding the largest share of content words above its chance
    level (the same outputs scored against shuffled records); its level is the highest whose
    threshold (:data:`HIGH`, :data:`MODERATE`) either measure reaches. Each row's languages
    (``by_language``, from :data:`MIN_LANGUAGE_RECORDS` records) compete too, so a store whose
    English records leak is not averaged down by its others. ``not_run``: the rows that could not
    run here (``{"row", "why", "unlock"}``): the verdict says it is a lower bound because of them.
    """
    candidates = [(row, None, row) for row in attacks]
    for row in attacks:
        langs = row.get("by_language") or {}
        if len(langs) > 1:
            candidates += [(row, lang, scores) for lang, scores in langs.items()
                           if scores["records"] >= MIN_LANGUAGE_RECORDS]
    worst_row, language, worst = max(candidates, key=lambda c: (_excess(c[2], "content_recall"),
                                                                _excess(c[2], "half_recovered"), c[1] is None))
    level = next((name for name, bar in (("high", HIGH), ("moderate", MODERATE))
                  if any(_excess(worst, k) >= v for k, v in bar.items())), "low")
    c = worst["chance"]
    whose = f"a {language} record's" if language else "a record's"
    sentence = (f"An attacker who {worst_row['knowledge']} rebuilds {worst['content_recall']:.0%} of {whose} content "
                f"words on average (chance {c.get('content_recall', 0):.0%}) and at least half of them for "
                f"{worst['half_recovered']:.0%} of {'those' if language else ''} records (chance "
                f"{c.get('half_recovered', 0):.0%}); token F1 {worst['token_f1']:.3f} against a chance level of "
                f"{c['token_f1']:.3f}.").replace("of  records", "of records")
    missing = [r["row"] for r in not_run]
    lower_bound = (f"Rows that could not run here ({', '.join(missing)}; see the report for why and what unlocks "
                   "them) may leak more: this verdict is a lower bound.") if missing else ""
    return {"level": level, "attacker": worst_row["attacker"], "language": language,
            "published": published_note(worst_row), "half_recovered": worst["half_recovered"],
            "half_recovered_chance": c.get("half_recovered", 0.0), "content_recall": worst["content_recall"],
            "content_recall_chance": c.get("content_recall", 0.0), "token_f1": worst["token_f1"],
            "token_f1_chance": c["token_f1"], "sentence": sentence, "not_run": missing, "lower_bound": lower_bound}


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


def examples(references: Sequence[str], reconstructions: Sequence[str | None], per_record: Sequence[float | None],
             languages: Sequence[str], *, attacker: str, ids: Sequence[str] | None = None,
             n: int = 8) -> dict[str, Any]:
    """The ``n`` records whose content words leak most (with their store ``ids``), their
    recovered words marked."""
    order = sorted((i for i, p in enumerate(per_record) if p is not None and reconstructions[i] is not None),
                   key=lambda i: -per_record[i])[:n]
    return {"attacker": attacker, "records": [
        {"id": None if ids is None else ids[i], "reference": references[i], "reconstruction": reconstructions[i],
         "content_recall": per_record[i], "segments": highlight(references[i], reconstructions[i], languages[i])}
        for i in order]}


def histogram(per_record: Sequence[float | None], *, attacker: str, bins: int = 10) -> dict[str, Any]:
    """Counts of records by content-word recall, in ``bins`` equal bins over [0, 1]."""
    counts = [0] * bins
    for p in per_record:
        if p is not None:
            counts[min(int(p * bins), bins - 1)] += 1
    return {"attacker": attacker, "edges": [i / bins for i in range(bins + 1)], "counts": counts}
