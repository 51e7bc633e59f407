"""ALGEN (few-shot embedding inversion by alignment): kept importable here; it lives in
:mod:`vecleak.attacks.algen` with every other attacker."""

from __future__ import annotations

from vecleak.attacks.algen import ALGENAttack, Inversion, build, check_compatible

__all__ = ["ALGENAttack", "Inversion", "build", "check_compatible"]
