"""Maps from a victim embedding space into the attacker's: ALGEN ridge, and LAGO's joint solvers."""

from __future__ import annotations

from vecleak.align.lago import LAGO, LanguageMap
from vecleak.align.ridge import Ridge, ridge_solve

__all__ = ["LAGO", "LanguageMap", "Ridge", "ridge_solve"]
