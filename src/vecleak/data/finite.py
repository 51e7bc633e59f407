"""Finiteness of weights and states: nothing with NaN or infinity is saved, loaded or written.

A diverged training run (``--lr nan``, a loss that overflowed) leaves weights that decode
nothing; an attack with them would report "no leak", and a defense with them writes NaN
vectors. Every model folder and defense state passes :func:`check_finite_state` on the way to
disk and on the way back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from vecleak.errors import CheckpointError


def non_finite_entries(state: Mapping[str, Any]) -> list[str]:
    """Names of the arrays / tensors of ``state`` holding NaN or infinity (numpy or torch)."""
    bad = []
    for name, value in state.items():
        if hasattr(value, "isfinite") and hasattr(value, "is_floating_point"):      # a torch tensor
            ok = not value.is_floating_point() or bool(value.isfinite().all())
        else:
            array = np.asarray(value)
            ok = not np.issubdtype(array.dtype, np.inexact) or bool(np.isfinite(array).all())
        if not ok:
            bad.append(name)
    return bad


def check_finite_state(state: Mapping[str, Any], where: str, *, fix: str) -> None:
    """Refuse ``state`` when any entry holds NaN or infinity: a :class:`CheckpointError` naming
    ``where``, how many entries (the first few by name) and ``fix`` (what to do)."""
    bad = non_finite_entries(state)
    if bad:
        shown = ", ".join(bad[:3]) + (f" and {len(bad) - 3} more" if len(bad) > 3 else "")
        raise CheckpointError(f"{where}: {len(bad)} of {len(state)} weight arrays hold NaN or inf ({shown}); {fix}")
