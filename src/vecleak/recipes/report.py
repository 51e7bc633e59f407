"""What an attack run produces, in memory: scores, per-item rows, extra files and the settings.

Every recipe computes an :class:`AttackReport` without touching a file; its ``*_files``
wrapper reads the inputs, adds where they came from (:func:`~vecleak.recipes.io.input_settings`)
and writes the report (:meth:`AttackReport.write`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vecleak.encoders.base import Encoder


@dataclass
class AttackReport:
    """``results`` (what ``results.json`` holds), ``rows`` (one dict per attacked item, the
    lines of ``reconstructions.jsonl``) and ``files`` ({name: text or bytes}) written beside them."""

    results: dict[str, Any]
    rows: list[dict[str, Any]]
    files: dict[str, str | bytes] = field(default_factory=dict)

    @property
    def settings(self) -> dict[str, Any]:
        return self.results.setdefault("settings", {})

    def write(self, out: str | os.PathLike[str]) -> Path:
        """Write the report into the folder ``out``, atomically (complete or not at all)."""
        from vecleak.recipes.io import write_results

        return write_results(out, self.results, self.rows, self.files)


def run_settings(*, victim: Encoder, shots: int, attack_settings: dict[str, Any], **more: Any) -> dict[str, Any]:
    """The settings every attack records: the victim encoder and shots, then ``more`` (the
    run's own keys), then the attack's settings (attacker encoder, decoder, aligner, metrics...)."""
    return {"victim_encoder": victim.spec(), "shots": shots, **more, **attack_settings}
