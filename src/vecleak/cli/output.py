"""What the command line prints: the output mode of the global options, the console, ``--json``."""

from __future__ import annotations

#: Output mode chosen by the global options (set once per invocation).
OUTPUT = {"quiet": False, "json": False}


def console():
    """A Rich console that is silent under ``--quiet`` and ``--json``."""
    from rich.console import Console

    return Console(stderr=False, quiet=OUTPUT["quiet"] or OUTPUT["json"])


def emit(results: dict) -> None:
    """With ``--json``, the results object on stdout (what results.json holds)."""
    if OUTPUT["json"]:
        import json

        print(json.dumps(results, indent=2, ensure_ascii=False))
