"""Defenses by name: ``none``, ``purmech``, ``lapmech``, ``gaussian``, ``uniform``, ``dp-gaussian``,
``rotation``, ``shuffle``, ``pca``, ``truncate``, ``quantize``, or a trained-defense folder.

A factory is any callable taking keyword arguments and returning a :class:`Defense`; its
signature says what it takes. :func:`load_defense` passes ``epsilon`` only to factories with an
``epsilon`` parameter (and requires it there), ``seed`` only to those with a ``seed`` parameter
(deterministic defenses ignore it, so one seed can be passed to every defense in a sweep), and
refuses other parameters the factory does not name.

Registry defaults: ``gaussian`` has ``sigma=0.1`` (per coordinate on unit vectors; expected
``cos(out, x) ≈ 1/sqrt(1 + 0.01 d)``, ≈ 0.40 at d = 512), and so has ``uniform``; ``pca`` has
``n_components=64``; ``truncate`` has ``n_dims=128``; ``quantize`` has ``mode="int8"``.
"""

from __future__ import annotations

import difflib
import inspect
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vecleak.defenses.base import TRAINED_DEFENSE_FILE, Defense
from vecleak.defenses.ldp import LapMech, PurMech
from vecleak.defenses.noise import DPGaussian, Gaussian, Uniform
from vecleak.defenses.transforms import PCA, Identity, Quantize, Rotation, Shuffle, Truncate
from vecleak.constraints import ConfigError
from vecleak.errors import InputError

#: The ε grid a defense sweep uses unless told otherwise.
DEFAULT_EPSILONS = (1.0, 4.0, 8.0, 12.0)

_DEFENSES: dict[str, Callable[..., Defense]] = {}


def register_defense(name: str, factory: Callable[..., Defense]) -> None:
    """Add a named defense; names are unique (a second registration is an :class:`InputError`)."""
    if not isinstance(name, str) or not name.strip() or name != name.strip():
        raise InputError(f"a defense name must be a non-empty string without surrounding spaces, got {name!r}")
    if not callable(factory):
        raise InputError(f"the factory for defense '{name}' must be callable, got {type(factory).__name__}")
    if name in _DEFENSES:
        raise InputError(f"defense name '{name}' is already registered; pick another name")
    _DEFENSES[name] = factory


def defense_names() -> list[str]:
    """The registered names, sorted."""
    return sorted(_DEFENSES)


def needs_epsilon(name: str) -> bool:
    """Whether the named defense takes (and requires) ``epsilon``."""
    return "epsilon" in _parameters(_factory(name))[0]


def load_defense(name: str, *, epsilon: float | None = None, seed: int | None = None, **params: Any) -> Defense:
    """Build the defense ``name`` (a registered name or a trained-defense folder).

    Args:
        name: a registered name (see :func:`defense_names`) or a folder with ``defense.json``.
        epsilon: privacy parameter; required by ``purmech``, ``lapmech``, ``dp-gaussian`` and
            refused by defenses without one.
        seed: seed of a random defense (or the key of rotation/shuffle); ignored by deterministic ones.
        **params: the defense's other parameters, e.g. ``sigma``, ``n_components``, ``mode``, ``delta``.
    """
    if not isinstance(name, str):
        raise InputError(f"a defense name must be a string, got {type(name).__name__}")
    key = name.strip()
    if key not in _DEFENSES and (os.sep in key or "/" in key or Path(key).is_dir()):
        return load_trained_defense(key)
    factory = _factory(key)
    accepted, open_ended = _parameters(factory)
    if "epsilon" in accepted:
        if epsilon is None:
            raise ConfigError.between("{epsilon} is required for {key}; e.g. one of {grid}", "epsilon", owner="Defense",
                                      key=key, grid=", ".join(f"{e:g}" for e in DEFAULT_EPSILONS))
        params["epsilon"] = epsilon
    elif epsilon is not None:
        with_eps = ", ".join(n for n in defense_names() if needs_epsilon(n))
        hint = "; use dp-gaussian for noise calibrated to epsilon" if key == "gaussian" else ""
        raise ConfigError.between("{key} takes no epsilon; drop {epsilon} (defenses with one: {with_eps}){hint}",
                                  "epsilon", owner="Defense", key=key, with_eps=with_eps, hint=hint)
    if "seed" in accepted:
        params["seed"] = seed
    unknown = sorted(set(params) - accepted) if not open_ended else []
    if unknown:
        takes = ", ".join(sorted(accepted - {"epsilon", "seed"})) or "no other parameters"
        raise InputError(f"{key} takes no parameter {', '.join(map(repr, unknown))}; it takes: {takes}")
    return factory(**params)


def load_trained_defense(path: str | os.PathLike[str]) -> Defense:
    """Load a trained defense (an Eguard projector) from a folder with ``defense.json``.

    Weights are read with safetensors; nothing in the folder is unpickled.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise InputError(
            f"no trained defense found in {folder}: no such folder; give a defense name "
            f"({', '.join(defense_names())}) or a folder with {TRAINED_DEFENSE_FILE}"
        )
    if not (folder / TRAINED_DEFENSE_FILE).is_file():
        raise InputError(
            f"no trained defense found in {folder} (no {TRAINED_DEFENSE_FILE}); train one first with "
            f"'vecleak defend train' or give a defense name ({', '.join(defense_names())})"
        )
    import json

    try:
        kind = json.loads((folder / TRAINED_DEFENSE_FILE).read_text(encoding="utf-8")).get("kind")
    except (OSError, ValueError, AttributeError):
        kind = None
    if kind == "fitted":
        from vecleak.defenses.fitted import load_fitted

        return load_fitted(folder, build=load_defense)
    from vecleak.defenses.projection import ProjectionDefense

    return ProjectionDefense.load(folder)


def _factory(name: str) -> Callable[..., Defense]:
    if name in _DEFENSES:
        return _DEFENSES[name]
    close = difflib.get_close_matches(name, defense_names(), n=2)
    hint = f" (did you mean {' or '.join(close)}?)" if close else ""
    raise InputError(f"unknown defense '{name}'{hint}; use one of {', '.join(defense_names())}, or a trained-defense folder")


def _parameters(factory: Callable[..., Defense]) -> tuple[set[str], bool]:
    """Keyword parameter names of ``factory``, and whether it also takes ``**kwargs``."""
    sig = inspect.signature(factory)
    names = {p.name for p in sig.parameters.values()
             if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)}
    return names, any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values())


def _gaussian(*, sigma: float = 0.1, seed: int | None = None, secure: bool = False) -> Defense:
    return Gaussian(sigma=sigma, seed=seed, secure=secure)


def _uniform(*, sigma: float = 0.1, seed: int | None = None, secure: bool = False) -> Defense:
    return Uniform(sigma=sigma, seed=seed, secure=secure)


def _truncate(*, n_dims: int = 128) -> Defense:
    return Truncate(n_dims=n_dims)


def _pca(*, n_components: int = 64) -> Defense:
    return PCA(n_components=n_components)


register_defense("none", Identity)
register_defense("purmech", PurMech)
register_defense("lapmech", LapMech)
register_defense("gaussian", _gaussian)
register_defense("uniform", _uniform)
register_defense("dp-gaussian", DPGaussian)
register_defense("rotation", Rotation)
register_defense("shuffle", Shuffle)
register_defense("pca", _pca)
register_defense("truncate", _truncate)
register_defense("quantize", Quantize)
