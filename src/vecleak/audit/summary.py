"""``summary.md``: the audit in a few lines of Markdown, to paste into a ticket or a CI log."""

from __future__ import annotations

from typing import Any

from vecleak.reports.formatting import pct

#: How many of the worst records the summary lists by id.
TOP_RECORDS = 5


def summary_markdown(audit: dict[str, Any]) -> str:
    """The verdict, one line per attacker row (content words rebuilt beside chance, budget),
    the rows that could not run, the worst records by id and the recommended defense."""
    v = audit["verdict"]
    lines = [f"# vecleak audit: {v['level'].upper()} leakage" + ("" if audit.get("complete", True) else
                                                                  " (incomplete: defenses not priced yet)"), "",
             f"Store: `{audit['store'].get('uri', audit['store'].get('kind', ''))}`, {audit['sample_size']} records "
             f"audited; encoder: {audit['encoder'].get('name') or 'not identified'}.", "", v["sentence"], ""]
    if v.get("lower_bound"):
        lines += [v["lower_bound"], ""]
    lines += [v["published"], "", "| attacker | content words rebuilt (chance) | token F1 (chance) | queries / record |",
              "|---|---|---|---|"]
    for row in audit["attacks"]:
        c = row["chance"]
        cost = row.get("cost") or {}
        lines.append(f"| {row['attacker']} | {pct(row['content_recall'])} ({pct(c.get('content_recall'))}) | "
                     f"{row['token_f1']:.3f} ({c['token_f1']:.3f}) | {cost.get('queries_per_record', 0):.0f} |")
    for row in audit.get("not_run", []):
        lines.append(f"| {row['row']} | not run: {row['why']} | | |")
    worst = [r for r in audit.get("worst_records", [])[:TOP_RECORDS] if r.get("content_recall") is not None]
    if worst:
        lines += ["", "Most-leaking records (all in `records.jsonl`):", ""]
        for r in worst:
            found = ", ".join(f"{len(v)} {k}" for k, v in r.get("found", {}).items() if v)
            lines.append(f"- `{r['id']}` ({r['lang']}): {pct(r['content_recall'])} of its content words "
                         f"({r['attacker']})" + (f"; found {found}" if found else ""))
    rec = audit.get("recommendation")
    if rec is not None:
        lines += ["", f"Recommended defense: {rec['label']}, keeping recall@10 {rec['recall_at_10']:.1%}: "
                      f"`{rec['command']}`" if rec.get("defense") else f"No recommended defense: {rec['reason']}"]
    lines += ["", f"Full report: `report.html`; every number: `audit.json` (schema {audit['schema_version']})."]
    return "\n".join(lines) + "\n"
