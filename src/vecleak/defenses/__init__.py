"""Defenses between a victim encoder and what gets stored: LDP noise, Gaussian noise, fixed maps.

Every defense has the scikit-learn shape (``fit``, ``transform``, ``fit_transform``) and a
``spec()`` recorded in every output; build one by name with :func:`load_defense`.

Example:
    >>> import numpy as np
    >>> from vecleak.defenses import load_defense
    >>> E = np.random.default_rng(0).normal(size=(3, 16)).astype(np.float32)
    >>> defense = load_defense("purmech", epsilon=8.0, seed=0)
    >>> defense.fit_transform(E).shape, defense.spec()
    ((3, 16), {'name': 'purmech', 'epsilon': 8.0, 'seed': 0})
"""

from __future__ import annotations

from vecleak.defenses.base import Defense, RandomDefense
from vecleak.defenses.ldp import LapMech, PurMech, lapmech, purkayastha_angles, purmech
from vecleak.defenses.noise import DPGaussian, Gaussian, Uniform, dp_gaussian_sigma
from vecleak.defenses.pipeline import DefensePipeline
from vecleak.defenses.registry import (
    DEFAULT_EPSILONS,
    defense_names,
    load_defense,
    load_trained_defense,
    needs_epsilon,
    register_defense,
)
from vecleak.defenses.transforms import PCA, Identity, Quantize, Rotation, Shuffle, Truncate

__all__ = [
    "DEFAULT_EPSILONS",
    "DPGaussian",
    "Defense",
    "DefensePipeline",
    "Gaussian",
    "Identity",
    "LapMech",
    "PCA",
    "PurMech",
    "Quantize",
    "RandomDefense",
    "Rotation",
    "Shuffle",
    "Truncate",
    "Uniform",
    "defense_names",
    "dp_gaussian_sigma",
    "lapmech",
    "load_defense",
    "load_trained_defense",
    "needs_epsilon",
    "purkayastha_angles",
    "purmech",
    "register_defense",
]
