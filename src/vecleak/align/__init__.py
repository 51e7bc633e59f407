"""Maps from a victim embedding space into the attacker's: ALGEN ridge, and LAGO's joint solvers.

Names are imported on first use, so a process that needs only :mod:`vecleak.align.ridge` or the
numpy-only LAGO nodes (a Ray actor) does not import torch.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {"Identity": "vecleak.align.identity", "LAGO": "vecleak.align.lago", "LanguageMap": "vecleak.align.lago",
            "Ridge": "vecleak.align.ridge", "ridge_solve": "vecleak.align.ridge"}

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'vecleak.align' has no attribute {name!r}")
