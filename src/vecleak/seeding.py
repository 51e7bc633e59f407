"""Seeded library calls that leave the caller's random state alone (as opacus does)."""

from __future__ import annotations

import functools
import random
from collections.abc import Callable
from typing import TypeVar

import numpy as np
import torch

F = TypeVar("F", bound=Callable)


def preserves_global_rng(fn: F) -> F:
    """Run ``fn`` inside :func:`torch.random.fork_rng` and restore Python's and NumPy's global
    random state afterwards: ``fn`` may seed them for reproducibility without changing what the
    caller's next random draw is."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        py_state, np_state = random.getstate(), np.random.get_state()
        try:
            with torch.random.fork_rng(devices=[]):
                return fn(*args, **kwargs)
        finally:
            random.setstate(py_state)
            np.random.set_state(np_state)

    return wrapper  # type: ignore[return-value]
