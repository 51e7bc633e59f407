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
