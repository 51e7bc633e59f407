"""Maps from a victim embedding space into the attacker's (ALGEN ridge; LAGO builds on it)."""

from __future__ import annotations

from vecleak.align.ridge import Ridge, ridge_solve

__all__ = ["Ridge", "ridge_solve"]
