"""Defenses in sequence: the output of one step is the input of the next.

The shape of scikit-learn's ``Pipeline`` for defenses: ``fit`` fits each step on what the
steps before it produce; ``transform`` applies them in order. Used to test a learned
defense's robustness (Eguard's output then noise, truncation, PCA or int8 quantization) and
to stack defenses in deployment.

Example:
    >>> import numpy as np
    >>> from vecleak.defenses import DefensePipeline, load_defense
    >>> E = np.random.default_rng(0).normal(size=(100, 16)).astype(np.float32)
    >>> both = DefensePipeline([load_defense("gaussian", sigma=0.05, seed=0), load_defense("pca", n_components=4)])
    >>> both.fit_transform(E).shape
    (100, 4)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from vecleak.defenses.base import Defense
from vecleak.errors import InputError


class DefensePipeline(Defense):
    """Apply ``steps`` in order: ``(n, d) -> (n, d_1) -> ... -> (n, d_k)``.

    Args:
        steps: defenses (any object with ``transform`` and ``spec``), at least one.

    ``transform(E, generator=g)`` passes ``g`` to every step, so random steps draw from it in turn.
    """

    name = "pipeline"

    def __init__(self, steps: Sequence[Defense]) -> None:
        if not len(steps):
            raise InputError("a defense pipeline needs at least one step")
        for s in steps:
            if not callable(getattr(s, "transform", None)):
                raise InputError(f"pipeline step {s!r} has no transform(E); give defenses")
        self.steps = steps          # kept as given (scikit-learn's clone checks it is the same object)

    @property
    def learns_from_data(self) -> bool:  # type: ignore[override]
        return any(getattr(s, "learns_from_data", False) for s in self.steps)

    def fit(self, E: np.ndarray, y: None = None) -> DefensePipeline:
        """Fit each step on the previous steps' output of ``E: (n, d)``."""
        x = self._input(E, reset=True)
        for i, s in enumerate(self.steps):
            if i < len(self.steps) - 1:
                x = s.fit(x).transform(x)
            else:
                s.fit(x)
        return self

    def transform(self, E: np.ndarray, *, generator: np.random.Generator | None = None) -> np.ndarray:
        """Apply every step to ``E: (n, d)``; returns the last step's ``(n, d_k)`` float32."""
        x = self._input(E)
        for s in self.steps:
            x = s.transform(x, generator=generator)
        return x

    def spec(self) -> dict[str, Any]:
        return {"name": self.name, "steps": [s.spec() for s in self.steps]}

    def __sklearn_tags__(self):  # noqa: D105
        from sklearn.utils import get_tags

        tags = super().__sklearn_tags__()
        tags.non_deterministic = any(get_tags(s).non_deterministic for s in self.steps
                                     if hasattr(s, "__sklearn_tags__"))
        return tags

    def __repr__(self) -> str:
        return f"DefensePipeline({self.steps!r})"
