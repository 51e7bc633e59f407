"""The audit report: one self-contained HTML page (inline CSS, inline SVG, no script, no network).

Order: the verdict, the plots (leakage vs. leaked pairs, the privacy-utility frontier, the
per-record recovery histogram), the records that leak most with their recovered words marked,
the tables behind the plots, then the settings. Every number comes from ``audit.json``.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from vecleak.reports.formatting import pct
from vecleak.reports.svg import bar_chart, line_chart, scatter_chart

_CSS = """
body{font:16px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1b1b1b;background:#fafafa}
main{max-width:960px;margin:0 auto;padding:16px}
h1{font-size:1.5em;margin:.2em 0} h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ddd}
.verdict{border-radius:8px;padding:14px 18px;margin:12px 0;color:#fff}
.verdict.high{background:#b3261e}.verdict.moderate{background:#b26a00}.verdict.low{background:#2e7d32}
.verdict b{font-size:1.3em;text-transform:uppercase;letter-spacing:.04em}
.rec{background:#fff;border:1px solid #ccc;border-radius:8px;padding:10px 14px}
.scroll{overflow-x:auto} table{border-collapse:collapse;width:100%;background:#fff;font-size:.9em}
th,td{border:1px solid #ddd;padding:4px 6px;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left} tr.pareto td:first-child{font-weight:600}
mark{background:#ffd54f;padding:0 2px;border-radius:2px}
.example{background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px 12px;margin:8px 0}
.example .rebuilt{color:#555;font-style:italic}
code,pre{font:13px ui-monospace,Menlo,Consolas,monospace;background:#f0f0f0;border-radius:4px}
pre{padding:8px;overflow-x:auto;white-space:pre-wrap;word-break:break-all}
.chance{color:#666}
p,li,.example,.rec,.verdict,td.text{overflow-wrap:anywhere;word-break:break-word}
td.text{white-space:normal;text-align:left;max-width:28em}
dl{font-size:.9em} dt{font-weight:600} dd{margin:0 0 .4em 1.2em}
"""

#: What the report's terms mean, in a data owner's words.
GLOSSARY = (
    ("content words", "a record's words other than articles, pronouns, prepositions and the like: what it is about"),
    ("chance", "the same reconstructions scored against other records of the store (in grey beside each score): "
               "what generic, record-independent text scores; only the gap above it is leakage"),
    ("token F1", "the overlap of words between a reconstruction and its record (0: none, 1: the same words)"),
    ("ROUGE-L", "the longest run of words in the same order shared by a reconstruction and its record, 0 to 1"),
    ("names", "capitalized words not at a sentence start (people, places, organizations), matched ignoring case"),
    ("recall@10 / nDCG@10", "how many of each record's ten nearest neighbours a defense keeps (1.0: search "
                            "results unchanged), and the same weighted by rank"),
    ("queries per record", "texts an attacker sends through the encoder for one record (an API call each)"),
)


def _num(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.3f}"


def _not_run_table(not_run: list[dict[str, str]]) -> str:
    if not not_run:
        return ""
    rows = "".join(f"<tr><td>{escape(r['row'])}</td><td class=text>{escape(r['why'])}</td>"
                   f"<td class=text>{escape(r['unlock'])}</td></tr>" for r in not_run)
    return ("<h2>Attackers that could not run here</h2><p>The verdict cannot count them: it is a lower bound. "
            "Give what the last column names to measure them.</p><div class=scroll><table><tr><th>attacker</th>"
            f"<th>why not</th><th>what unlocks it</th></tr>{rows}</table></div>")


def _languages_table(attacks: list[dict[str, Any]]) -> str:
    langs = sorted({lang for a in attacks for lang in a.get("by_language") or {}})
    if len(langs) < 2:
        return ""
    head = "<tr><th>attacker</th>" + "".join(f"<th>{escape(lang)}</th>" for lang in langs) + "</tr>"
    rows = []
    for a in attacks:
        cells = []
        for lang in langs:
            s = (a.get("by_language") or {}).get(lang)
            cells.append("<td></td>" if s is None else
                         f"<td>{pct(s['content_recall'])} <span class=chance>({pct(s['chance'].get('content_recall'))})"
                         f"</span> <small>n={s['records']}</small></td>")
        rows.append(f"<tr><td>{escape(a['attacker'])}</td>{''.join(cells)}</tr>")
    return ("<h2>By language</h2><p>Share of content words rebuilt in each language's records (chance in grey); the "
            f"verdict takes the worst language.</p><div class=scroll><table>{head}{''.join(rows)}</table></div>")


def _records_table(records: list[dict[str, Any]]) -> str:
    if not records:
        return ""
    rows = []
    for r in records:
        found = ", ".join(f"{len(v)} {k}" for k, v in (r.get("found") or {}).items() if v)
        rows.append(f"<tr><td>{escape(str(r['id']))}</td><td>{escape(r['lang'])}</td><td>{escape(r['risk'])}</td>"
                    f"<td>{pct(r['content_recall'])}</td><td>{escape(r['attacker'] or '')}</td>"
                    f"<td class=text>{escape(found)}</td></tr>")
    return ("<div class=scroll><table><tr><th>store id</th><th>language</th><th>risk</th><th>content words rebuilt"
            f"</th><th>best attacker</th><th>found</th></tr>{''.join(rows)}</table></div>")


def _timings(timings: dict[str, Any]) -> str:
    stages = [(k, v) for k, v in timings.items() if isinstance(v, (int, float)) and k not in ("total", "wall")]
    cells = "".join(f"<tr><td>{escape(k)}</td><td>{v:.1f} s</td></tr>" for k, v in stages)
    resumed = timings.get("resumed") or []
    note = f" ({len(resumed)} stages reused by --resume, counted at the time they took)" if resumed else ""
    return (f"<p>Total {timings.get('total', 0):.0f} s{escape(note)}.</p><details><summary>time per stage</summary>"
            f"<table>{cells}</table></details>")


def _attacks_table(attacks: list[dict[str, Any]]) -> str:
    head = ("<tr><th>attacker</th><th>ROUGE-L</th><th>token F1</th><th>token recall</th>"
            "<th>≥ half of content words</th><th>numbers</th><th>names</th><th>budget per record</th></tr>")
    rows = []
    for a in attacks:
        c, s = a["chance"], a["sensitive"]
        cost = a.get("cost") or {}
        budget = (f"{cost.get('queries_per_record', 0):.0f} queries, {cost.get('seconds_per_record', 0):.2f} s"
                  if cost else "")
        if a["attacker"] == "search" and a.get("records"):
            budget += f" ({a['records']} records)"
        rows.append(
            f"<tr><td title='{escape(a['knowledge'])}'>{escape(a['attacker'])}</td>"
            f"<td>{_num(a['rouge_l'])} <span class=chance>({_num(c['rouge_l'])})</span></td>"
            f"<td>{_num(a['token_f1'])} <span class=chance>({_num(c['token_f1'])})</span></td>"
            f"<td>{_num(a['token_recall'])} <span class=chance>({_num(c['token_recall'])})</span></td>"
            f"<td>{pct(a['half_recovered'])} <span class=chance>({pct(c.get('half_recovered'))})</span></td>"
            f"<td>{s['numbers']['found']}/{s['numbers']['present']}</td>"
            f"<td>{s['capitalized']['found']}/{s['capitalized']['present']}</td><td>{escape(budget)}</td></tr>")
    return f"<div class=scroll><table>{head}{''.join(rows)}</table></div>"


def _defenses_table(defenses: list[dict[str, Any]]) -> str:
    head = ("<tr><th>defense</th><th>token F1 (strongest)</th><th>cut</th><th>ROUGE-L</th><th>recall@10</th>"
            "<th>nDCG@10</th><th>strongest attacker</th></tr>")
    rows = []
    for d in defenses:
        rows.append(f"<tr class='{'pareto' if d['pareto'] else ''}'><td>{escape(d['label'])}{' ★' if d['pareto'] else ''}</td>"
                    f"<td>{_num(d['token_f1'])} <span class=chance>({_num(d['chance']['token_f1'])})</span></td>"
                    f"<td>{pct(d['token_f1_reduction'])}</td><td>{_num(d['rouge_l'])}</td>"
                    f"<td>{_num(d['recall_at_10'])}</td><td>{_num(d['ndcg_at_10'])}</td>"
                    f"<td>{escape(d['attacker']['token_f1'])}</td></tr>")
    return f"<div class=scroll><table>{head}{''.join(rows)}</table></div>"


def _examples(ex: dict[str, Any]) -> str:
    out = []
    for r in ex["records"]:
        marked = "".join(f"<mark>{escape(s)}</mark>" if hit else escape(s) for s, hit in r["segments"])
        rid = f"store id <code>{escape(str(r['id']))}</code>: " if r.get("id") is not None else ""
        out.append(f"<div class=example><div>{marked}</div><div class=rebuilt>rebuilt: {escape(r['reconstruction'])}"
                   f"</div><small>{rid}{pct(r['content_recall'])} of content words recovered</small></div>")
    return "".join(out)


def render_audit(audit: dict[str, Any]) -> str:
    """The report page of an audit (the dict :func:`vecleak.audit.run_audit` returns)."""
    v, rec, enc = audit["verdict"], audit.get("recommendation") or {}, audit["encoder"]
    fewshot = [a for a in audit["attacks"] if a["attacker"].startswith("fewshot-")]
    span = (fewshot[0]["shots"], fewshot[-1]["shots"]) if fewshot else (0, 0)
    series = {"few-shot token F1": [(a["shots"], a["token_f1"]) for a in fewshot],
              "few-shot ROUGE-L": [(a["shots"], a["rouge_l"]) for a in fewshot],
              "token F1 at chance": [(a["shots"], a["chance"]["token_f1"]) for a in fewshot]}
    for a in audit["attacks"]:
        if a["attacker"].startswith("lago-"):             # K pairs per language: a point at K
            series[f"{a['attacker']} token F1"] = [(a["shots"], a["token_f1"])]
        elif not a["attacker"].startswith("fewshot-"):    # needs no leaked pairs: drawn flat across the axis
            series[f"{a['attacker']} token F1"] = [(span[0], a["token_f1"]), (span[1], a["token_f1"])]
    leak_plot = line_chart(series, x_label="leaked (text, vector) pairs", y_label="score",
                           title="leakage vs. leaked pairs", log_x=True,
                           dashed=[k for k in series if not k.startswith("few-shot")]) if len(fewshot) > 1 else ""
    groups: dict[str, list[tuple[float, float, str]]] = {}
    for d in audit["defenses"]:
        groups.setdefault(d["family"], []).append((d["recall_at_10"], d["token_f1"], d["label"]))
    none = next((d for d in audit["defenses"] if d["defense"]["name"] == "none"), None)
    frontier = scatter_chart(groups, x_label="recall@10 (retrieval kept)", y_label="strongest token F1",
                             title="privacy-utility frontier", highlight=[rec["label"]] if rec.get("defense") else [],
                             baseline=none["label"] if none else None,
                             chance=none["chance"]["token_f1"] if none else None)
    hist = audit["histogram"]
    hist_plot = bar_chart(hist["counts"], hist["edges"], x_label="share of a record's content words recovered",
                          y_label="records", title="per-record recovery")
    if rec.get("defense"):
        rec_html = (f"<div class=rec><b>Recommended:</b> {escape(rec['label'])} keeps recall@10 at "
                    f"{rec['recall_at_10']:.1%} and cuts the strongest attacker's token F1 by "
                    f"{rec['token_f1_reduction']:.0%} (to {rec['token_f1']:.3f}).<pre>{escape(rec['command'])}</pre></div>")
    elif rec:
        rec_html = f"<div class=rec><b>No recommendation:</b> {escape(rec['reason'])}.</div>"
    else:
        rec_html = "<div class=rec><b>Defenses not priced yet.</b></div>"
    enc_line = (f"{escape(enc['name'])} (pooling {escape(str(enc['pooling']))}, stored vectors "
                f"{'unit length' if enc['normalized'] else 'not unit length'}, match cosine {enc['match_cosine']:.4f})"
                if enc["name"] else "not identified: the rows that need it could not run (see below)")
    notes = "".join(f"<li>{escape(n)}</li>" for n in audit.get("notes", []))
    settings = escape(json.dumps({"store": audit["store"], "sample": audit["sample"], "settings": audit["settings"],
                                  "timings": audit.get("timings", {})}, indent=1, ensure_ascii=False))
    glossary = "".join(f"<dt>{escape(term)}</dt><dd>{escape(text)}</dd>" for term, text in GLOSSARY)
    defense_part = (f"{frontier}{_defenses_table(audit['defenses'])}" if audit["defenses"] else
                    "<p>No defense was priced (<code>--defenses none</code>).</p>")
    lower = f"<br><small>{escape(v['lower_bound'])}</small>" if v.get("lower_bound") else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>vecleak audit: {escape(v['level'])} leakage</title><style>{_CSS}</style></head>
<body><main>
<h1>How much of this store's text can be rebuilt?</h1>
<div class="verdict {escape(v['level'])}" id="verdict"><b>{escape(v['level'])} leakage</b><br>{escape(v['sentence'])}
{lower}<br><small>{escape(v.get('published', ''))}</small></div>
{rec_html}
<p>Store: <code>{escape(audit['store'].get('kind', ''))}</code>, {audit['sample']['store_size']} rows,
{audit['sample_size']} audited (seed {audit['sample']['seed']}). Encoder: {enc_line}.
Languages: {escape(', '.join(f'{k} {n}' for k, n in audit['languages'].items()))}.</p>
{f'<ul>{notes}</ul>' if notes else ''}
<h2>Leakage by attacker knowledge</h2>
<p>Each score is beside its chance level (in grey: the same reconstructions scored against other records).</p>
{_attacks_table(audit['attacks'])}
{leak_plot}
{_languages_table(audit['attacks'])}
{_not_run_table(audit.get('not_run', []))}
<h2>What protection costs</h2>
<p>Every defense is judged by the strongest attacker that knows it, and priced in this store's own retrieval:
recall@10 / nDCG@10 of each audited record's ten nearest neighbours, defended vs. raw. ★ = on the Pareto set;
the square is the undefended store, the dashed line the chance level.</p>
{defense_part}
<h2>Per-record recovery</h2>
<p>Attacker: {escape(hist['attacker'])}; records by the share of their content words it rebuilt.</p>
{hist_plot}
<h2>The records that leak most</h2>
<p>Every audited record's risk is in <code>records.jsonl</code>, by store id; the worst:</p>
{_records_table(audit.get('worst_records', [])[:10])}
<p>Attacker: {escape(audit['examples']['attacker'])}. <mark>Marked</mark> words were rebuilt from the vector alone.</p>
{_examples(audit['examples'])}
<h2>What the terms mean</h2>
<dl>{glossary}</dl>
<h2>Settings</h2>
{_timings(audit.get('timings', {}))}
<pre>{settings}</pre>
</main></body></html>
"""
