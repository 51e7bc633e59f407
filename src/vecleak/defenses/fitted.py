"""A defense fitted once and saved as a folder, applied from it to stored vectors and queries alike.

``defense.json`` (``{"kind": "fitted", "spec": ..., "state": {...}, "n_features_in": d}``)
and ``state.safetensors`` (the learned arrays: a rotation's ``Q_``, a shuffle's ``perm_``, a
PCA's ``mean_`` and ``components_``). Without this, a secret rotation drawn from fresh entropy
on every call maps stored vectors and later queries differently, and nothing matches.
Weights are read with safetensors; nothing is unpickled. The seed is never written: a fitted
folder is the key, and a deployment should draw it from OS entropy (``seed=None``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from vecleak.data.atomic import atomic_output_dir
from vecleak.data.finite import check_finite_state
from vecleak.defenses.base import TRAINED_DEFENSE_FILE, Defense
from vecleak.errors import CheckpointError, VecleakError

STATE_FILE = "state.safetensors"


def _learned_arrays(defense: Defense) -> dict[str, np.ndarray]:
    return {k: v for k, v in vars(defense).items()
            if k.endswith("_") and not k.startswith("_") and isinstance(v, np.ndarray)}


def save_fitted(defense: Defense, folder: str | os.PathLike[str], *, encoder: dict[str, Any] | None = None) -> Path:
    """Write a fitted ``defense`` (its spec without the seed, its learned arrays) into ``folder``."""
    from safetensors.numpy import save_file

    if not hasattr(defense, "n_features_in_") and not _learned_arrays(defense):
        raise CheckpointError(f"the {defense.name} defense is not fitted; call fit(E) before saving it")
    spec = {k: v for k, v in defense.spec().items() if k != "seed"}
    meta = {"kind": "fitted", "format": 1, "spec": spec, "encoder": encoder,
            "n_features_in": int(getattr(defense, "n_features_in_", 0)) or None,
            "scalars": {k: v for k, v in vars(defense).items() if k.endswith("_") and not k.startswith("_")
                        and isinstance(v, (int, float, str, bool)) and not isinstance(v, np.ndarray)}}
    arrays = {k: np.ascontiguousarray(v) for k, v in _learned_arrays(defense).items()}
    check_finite_state(arrays, f"the fitted {defense.name} defense", fix="fit it on finite vectors (nothing was saved)")
    with atomic_output_dir(folder, kind="model") as tmp:
        save_file(arrays, str(tmp / STATE_FILE))
        (tmp / TRAINED_DEFENSE_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return Path(folder)


def load_fitted(folder: str | os.PathLike[str], *, build: Callable[..., Defense]) -> Defense:
    """Rebuild a defense saved by :func:`save_fitted`; it transforms without refitting.

    ``build(name, epsilon=..., **params)`` makes the unfitted defense (the registry's
    :func:`~vecleak.defenses.registry.load_defense`, which calls this for fitted folders).
    """
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    folder = Path(folder)
    again = "fit it again with 'vecleak defend fit'"
    try:
        meta = json.loads((folder / TRAINED_DEFENSE_FILE).read_text(encoding="utf-8"))
        spec = dict(meta["spec"])
        arrays = load_file(str(folder / STATE_FILE))
    except (OSError, KeyError, TypeError, ValueError, SafetensorError) as err:
        raise CheckpointError(f"{folder}: not a readable fitted defense ({type(err).__name__}: "
                              f"{str(err).splitlines()[0][:120]}); {again}") from None
    check_finite_state(arrays, str(folder / STATE_FILE), fix=again)
    name, scalars, n_features = spec.pop("name", None), meta.get("scalars") or {}, meta.get("n_features_in")
    where = folder / TRAINED_DEFENSE_FILE
    if not isinstance(name, str) or not name.strip():
        raise CheckpointError(f"{where}: spec.name must be a defense name, got {json.dumps(name)}; {again}")
    if not isinstance(scalars, dict):
        raise CheckpointError(f"{where}: 'scalars' must be an object, got {json.dumps(scalars)[:40]}; {again}")
    if n_features is not None and (isinstance(n_features, bool) or not isinstance(n_features, int)
                                   or n_features < 1):
        raise CheckpointError(f"{where}: 'n_features_in' must be a dimension >= 1, got {json.dumps(n_features)[:40]}; "
                              f"{again}")
    epsilon = spec.pop("epsilon", None)
    try:
        defense = build(name, epsilon=epsilon, **spec)
    except VecleakError as err:
        raise CheckpointError(f"{where}: {err}; {again}") from None
    for k, v in arrays.items():
        setattr(defense, k, v)
    for k, v in scalars.items():
        setattr(defense, k, v)
    if n_features:
        defense.n_features_in_ = int(n_features)
        _check_state_fits(defense, int(n_features), folder, again)
    defense.fitted_from_ = str(folder)
    defense.encoder_spec_ = meta.get("encoder")
    return defense


def _check_state_fits(defense: Defense, dim: int, folder: Path, again: str) -> None:
    """Refuse a state that cannot map ``dim``-d vectors (arrays of the wrong shape, indices out of
    range): the defense transforms two probe vectors, before any user vector is read (a random
    defense draws from a throwaway generator, so its own stream is untouched)."""
    try:
        out = np.asarray(defense.transform(np.ones((2, dim), np.float32), generator=np.random.default_rng(0)))
        ok = out.ndim == 2 and out.shape[0] == 2
    except (VecleakError, ValueError, IndexError, TypeError, AttributeError, RuntimeError):
        ok = False
    if not ok:
        shapes = ", ".join(f"{k} {tuple(v.shape)}" for k, v in _learned_arrays(defense).items())
        raise CheckpointError(f"{folder / STATE_FILE}: the state ({shapes or 'no arrays'}) does not fit the "
                              f"{dim}-d vectors it was fitted on; {again}")
