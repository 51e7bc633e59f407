"""What the utility benchmark needs of a defense: ``transform(E) -> E'`` and, optionally, ``fit(E)``.

The benchmark does not import ``vecleak.defenses``: any object of this shape works, so a defense
from elsewhere (or a lambda wrapped in :class:`FunctionTransform`) can be measured the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class VectorTransform(Protocol):
    """Maps stored embeddings ``E (n, d)`` to defended ones ``E' (n, d')``, one row per row.

    A defense that learns something from the data also has ``fit(E) -> self``; the benchmark
    calls it on the train embeddings of the task before any ``transform``.
    """

    def transform(self, E: np.ndarray) -> np.ndarray: ...


class FunctionTransform:
    """A :class:`VectorTransform` from a plain function ``E (n, d) -> E' (n, d')`` (nothing to fit).

    Example:
        >>> halve = FunctionTransform(lambda E: E / 2)
        >>> halve.transform(np.ones((1, 2))).tolist()
        [[0.5, 0.5]]
    """

    def __init__(self, fn: Callable[[np.ndarray], np.ndarray]) -> None:
        self.fn = fn

    def transform(self, E: np.ndarray) -> np.ndarray:
        return self.fn(E)
