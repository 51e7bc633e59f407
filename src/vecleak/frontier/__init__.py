"""The privacy-utility frontier of defenses, shared by ``vecleak audit`` and the defense tables."""

from __future__ import annotations

from vecleak.frontier.pareto import FrontierPoint, apply_command, pareto_set, recommend
from vecleak.frontier.strongest import ATTACKERS, AttackerKit, strongest_attack
from vecleak.frontier.sweep import DEFAULT_GRID, Candidate, measure, sweep_defenses

__all__ = ["ATTACKERS", "AttackerKit", "Candidate", "DEFAULT_GRID", "FrontierPoint", "apply_command", "measure", "pareto_set",
           "recommend", "strongest_attack", "sweep_defenses"]
