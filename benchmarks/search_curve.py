"""One plot of search quality against the query budget, from several ``search_budget`` runs.

The runs of one setting at different budgets and record counts (a long budget is measured on
fewer records) drawn together: token F1 and ROUGE-L against the queries a record actually used,
each point labelled with its budget and record count, beside chance.

    .venv/bin/python benchmarks/search_curve.py --runs benchmarks/results/search_budget_minilm_wikiqa_200 \
        benchmarks/results/search_budget_minilm_wikiqa benchmarks/results/search_budget_minilm_wikiqa_high \
        benchmarks/results/search_budget_minilm_wikiqa_5000 --out benchmarks/results/search_curve_minilm_wikiqa
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from common import markdown_table, write_json
from vecleak.errors import run_script


def collect(runs: list[str]) -> list[dict]:
    """Every row of every run (``RUN.json``), with its run and record count, by budget then run order."""
    rows = []
    for order, run in enumerate(runs):
        path = Path(run).with_suffix(".json")
        if not path.is_file():
            raise SystemExit(f"{path} not found: run benchmarks/search_budget.py --out {run} first")
        data = json.loads(path.read_text(encoding="utf-8"))
        for row in data["rows"]:
            rows.append({"budget": row["budget"], "records": data["args"]["n"], "run": Path(run).name,
                         "queries/record": row["queries/record"], "s/record": row["s/record"],
                         "token_f1": row["token_f1"], "chance_f1": row["chance_f1"], "rouge_l": row["rouge_l"],
                         "chance_rouge_l": row["chance_rouge_l"], "content_recall": row["content_recall"],
                         "chance_content_recall": row.get("chance_content_recall", "–"),
                         "_order": order})
    rows.sort(key=lambda r: (r["budget"], r["_order"]))
    for r in rows:
        del r["_order"]
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", nargs="+", required=True, help="search_budget outputs (without suffix)")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    rows = collect(args.runs)
    out = Path(args.out)
    cmd = "    .venv/bin/python benchmarks/search_curve.py --runs " + " ".join(args.runs) + f" --out {args.out}\n"
    out.with_suffix(".md").write_text(
        "# search quality against the query budget, every run together\n\n" + markdown_table(rows, list(rows[0]))
        + "\nEach row: one budget of one run (records: its sample; longer budgets on fewer records). "
          "chance: the same outputs against shuffled references (of content-word recall: – for runs "
          "made before it was recorded).\n\n" + cmd, encoding="utf-8")
    write_json(out.with_suffix(".json"), {"runs": args.runs, "rows": rows})
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.8))
    q = [max(r["queries/record"], 1) for r in rows]
    ax.plot(q, [r["token_f1"] for r in rows], "o", label="token F1")
    ax.plot(q, [r["rouge_l"] for r in rows], "s", label="ROUGE-L")
    ax.plot(q, [r["chance_f1"] for r in rows], "x", color="grey", label="chance (token F1)")
    placed: list[float] = []
    for x, r in zip(q, rows):
        near = sum(abs(x - p) < 0.1 * x for p in placed)        # budgets that used the same queries: stack labels
        placed.append(x)
        ax.annotate(f"{r['budget']} ({r['records']})", (x, r["token_f1"]), fontsize=6, xytext=(3, 4 + 8 * near),
                    textcoords="offset points")
    ax.set_xscale("log")
    ax.set_xlabel("encoder queries used per record (0 plotted at 1); label: budget (records)")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out.with_suffix(".png"), dpi=120)


if __name__ == "__main__":
    run_script(main)
