"""Rich output for the CLI."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

METRICS = ("rouge_l", "bleu", "token_f1", "token_recall", "cosine", "aligned_cosine", "distinct_rate")


def _cell(results: dict[str, Any], key: str) -> str:
    """``0.215 (chance 0.081)`` where the result has a chance level for ``key``."""
    value = f"{results[key]:.3f}"
    chance = (results.get("chance") or {}).get(key)
    return f"{value} (chance {chance:.3f})" if isinstance(chance, (int, float)) else value


def _fraction(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def metrics_table(results: dict[str, Any], title: str = "attack metrics") -> Table:
    table = Table(title=title)
    keys = [k for k in METRICS if isinstance(results.get(k), (int, float))]
    for key in keys:
        table.add_column(key)
    table.add_row(*(_cell(results, k) for k in keys))
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
            table.add_row(lang, *(_cell(m, k) for k in keys))
        table.add_row("macro", *(_cell(results, k) for k in keys), style="bold")
        console.print(table)
    if results.get("graph"):
        g = results["graph"]
        edges = ", ".join("-".join(e) for e in g["edges"]) or "none"
        isolated = ", ".join(g.get("isolated", [])) or "none"
        console.print(f"graph {g['metric']} r={g['threshold']:g}: {edges}; no neighbour: {isolated}")
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
    for col in ("defense", "score", "undefended", "chance", "relative utility", "utility above chance"):
        table.add_column(col)
    defense = results.get("defense") or "none"
    name = ", ".join(f"{k}={v}" for k, v in defense.items() if v is not None) if isinstance(defense, dict) else defense
    table.add_row(name, f"{results['score']:.3f}", f"{results['undefended_score']:.3f}",
                  f"{results['chance_score']:.3f}", _fraction(results.get("relative_utility")),
                  _fraction(results.get("utility_above_chance")))
    console.print(table)
    console.print(f"wrote {out}/results.json")
