"""Rich output for the CLI."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

METRICS = ("rouge_l", "bleu", "token_f1", "token_recall", "cosine", "aligned_cosine")


def metrics_table(results: dict[str, Any], title: str = "attack metrics") -> Table:
    table = Table(title=title)
    for key in METRICS:
        if key in results:
            table.add_column(key)
    table.add_row(*(f"{results[k]:.3f}" for k in METRICS if k in results))
    return table


def examples_table(rows: list[dict[str, Any]], limit: int) -> Table:
    table = Table(title=f"original vs. reconstructed (first {min(limit, len(rows))})", show_lines=True)
    table.add_column("original", overflow="fold")
    table.add_column("reconstructed", overflow="fold")
    for row in rows[:limit]:
        table.add_row(row.get("reference", "?"), row["reconstruction"])
    return table


def show_attack(console: Console, results: dict[str, Any], rows: list[dict[str, Any]], out: str, limit: int) -> None:
    if limit and rows:
        console.print(examples_table(rows, limit))
    if "rouge_l" in results:
        console.print(metrics_table(results))
    console.print(f"wrote {out}/results.json and {out}/reconstructions.jsonl")


def show_cross_lingual(console: Console, results: dict[str, Any], out: str) -> None:
    per = results.get("per_language", {})
    if per:
        table = Table(title="per language")
        table.add_column("lang")
        keys = [k for k in METRICS if k in next(iter(per.values()))]
        for key in keys:
            table.add_column(key)
        for lang, m in per.items():
            table.add_row(lang, *(f"{m[k]:.3f}" for k in keys))
        table.add_row("macro", *(f"{results[k]:.3f}" for k in keys), style="bold")
        console.print(table)
    if results.get("graph"):
        edges = ", ".join("-".join(e) for e in results["graph"]["edges"]) or "none"
        console.print(f"graph {results['graph']['metric']} r={results['graph']['threshold']:g}: {edges}")
    c = results.get("convergence")
    if c and c.get("iterations"):
        what = "max |W_i - W_j| - epsilon" if results["settings"]["alignment"]["align"] == "lago-ieq" \
            else "max |W_i - W_j|"
        console.print(f"solver: {c['iterations']} iterations, {c['seconds']:.2f} s, final {what} "
                      f"{c['final_violation']:.2e}")
    console.print(f"wrote {out}/results.json and {out}/reconstructions.jsonl")


def show_graph(console: Console, graph: Any) -> None:
    table = Table(title=f"{graph.metric} distance ({graph.definition})")
    table.add_column("")
    for lang in graph.languages:
        table.add_column(lang)
    A = graph.adjacency
    for i, lang in enumerate(graph.languages):
        table.add_row(lang, *(f"[bold]{d:.3f}[/bold]" if A[i, j] else f"{d:.3f}"
                              for j, d in enumerate(graph.distances[i])))
    console.print(table)
    edges = ", ".join("-".join(e) for e in graph.edges) or "none"
    console.print(f"edges (distance < {graph.threshold:g}): {edges}")


def show_utility(console: Console, results: dict[str, Any], out: str) -> None:
    table = Table(title=f"{results['task']} ({results['metric']})")
    for col in ("defense", "score", "undefended", "relative utility"):
        table.add_column(col)
    defense = results.get("defense") or "none"
    name = ", ".join(f"{k}={v}" for k, v in defense.items() if v is not None) if isinstance(defense, dict) else defense
    table.add_row(name, f"{results['score']:.3f}", f"{results['undefended_score']:.3f}",
                  f"{results['relative_utility']:.1%}")
    console.print(table)
    console.print(f"wrote {out}/results.json")
