"""How a report writes a number: one definition for the HTML report and ``summary.md``."""

from __future__ import annotations


def pct(value: float | None) -> str:
    """A fraction as a whole percentage (``0.334`` -> ``33%``); ``n/a`` when there is none."""
    return "n/a" if value is None else f"{value:.0%}"
