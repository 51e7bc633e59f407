"""Per-record risk: which of the audited records leak most, so an owner can act on them.

Each audited record gets its best attacker (the row rebuilding most of *its* content words),
that share, and the sensitive parts (names, numbers, dates, e-mails) the reconstruction
contains; ``records.jsonl`` holds one such line per record, by store id, worst first, so the
worst records can be re-embedded, deleted or protected.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from vecleak.metrics.exposure import record_exposure

#: A record's risk: ``high`` when at least half of its content words are rebuilt, ``moderate``
#: from a fifth of them or when a name, number, date or e-mail of it is rebuilt, else ``low``.
RECORD_HIGH = 0.5
RECORD_MODERATE = 0.2
#: Sensitive kinds as records.jsonl names them.
PART_NAMES = {"capitalized": "names", "numbers": "numbers", "dates": "dates", "emails": "emails"}


def record_risks(ids: Sequence[str], references: Sequence[str], languages: Sequence[str],
                 rows: Sequence[tuple[str, Sequence[float | None], Sequence[str | None]]]) -> list[dict[str, Any]]:
    """One entry per audited record, worst first.

    ``rows``: each attacker row as ``(name, per-record content recall, reconstructions)``, with
    ``None`` where the row did not reconstruct the record (the search runs on a subsample)."""
    out = []
    for k, (rid, ref, lang) in enumerate(zip(ids, references, languages)):
        scored = [(per[k], name, recs[k]) for name, per, recs in rows if per[k] is not None and recs[k] is not None]
        entry: dict[str, Any] = {"id": rid, "lang": lang}
        if not scored:
            entry.update({"risk": "low", "content_recall": None, "attacker": None})
            out.append(entry)
            continue
        recall, name, recon = max(scored, key=lambda s: s[0])
        exposure = record_exposure(recon, ref, lang)
        found = {PART_NAMES[kind]: parts["found"] for kind, parts in exposure["sensitive"].items()}
        present = {PART_NAMES[kind]: len(parts["found"]) + len(parts["missed"])
                   for kind, parts in exposure["sensitive"].items()}
        risk = "high" if recall >= RECORD_HIGH else \
            "moderate" if recall >= RECORD_MODERATE or any(found.values()) else "low"
        entry.update({"risk": risk, "content_recall": round(float(recall), 4), "attacker": name,
                      "found": found, "present": present})
        out.append(entry)
    order = {"high": 0, "moderate": 1, "low": 2}
    return sorted(out, key=lambda e: (order[e["risk"]], -(e["content_recall"] or 0.0)))
