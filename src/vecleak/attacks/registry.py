"""Attackers by name, as defenses are (:func:`register_attack`, :func:`load_attack`).

A factory is any callable taking keyword arguments and returning an
:class:`~vecleak.attacks.base.Attacker`; its signature says what it takes, and
:func:`load_attack` refuses parameters it does not name.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable
from typing import Any

from vecleak.attacks.base import Attacker
from vecleak.errors import InputError

_ATTACKS: dict[str, Callable[..., Attacker]] = {}


def register_attack(name: str, factory: Callable[..., Attacker] | None = None) -> Callable[..., Any]:
    """Add a named attacker; names are unique. Without ``factory`` it is a class decorator:
    ``@register_attack("search")`` registers the class and returns it unchanged."""
    if not isinstance(name, str) or not name.strip() or name != name.strip():
        raise InputError(f"an attack name must be a non-empty string without surrounding spaces, got {name!r}")
    if factory is None:
        return lambda cls: register_attack(name, cls)
    if not callable(factory):
        raise InputError(f"the factory for attack '{name}' must be callable, got {type(factory).__name__}")
    if name in _ATTACKS:
        raise InputError(f"attack name '{name}' is already registered; pick another name")
    _ATTACKS[name] = factory
    return factory


def attack_names() -> list[str]:
    """The registered names, sorted."""
    _load_builtin()
    return sorted(_ATTACKS)


def attack_parameters(name: str) -> tuple[str, ...]:
    """The parameters the attacker ``name`` takes (its factory's keyword arguments)."""
    _load_builtin()
    if name not in _ATTACKS:
        load_attack(name)                       # the unknown-name error, with its hint
    return tuple(p.name for p in inspect.signature(_ATTACKS[name]).parameters.values()
                 if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD))


def load_attack(name: str, **params: Any) -> Attacker:
    """Build the attacker ``name`` with ``params`` (an :class:`InputError` for an unknown name or
    a parameter its factory does not take)."""
    _load_builtin()
    if name not in _ATTACKS:
        close = difflib.get_close_matches(name, list(_ATTACKS), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise InputError(f"unknown attack '{name}'{hint}; use one of {', '.join(sorted(_ATTACKS))}")
    factory = _ATTACKS[name]
    accepted = inspect.signature(factory).parameters
    if not any(p.kind is p.VAR_KEYWORD for p in accepted.values()):
        unknown = sorted(set(params) - set(accepted))
        if unknown:
            raise InputError(f"attack '{name}' takes no parameter {', '.join(map(repr, unknown))}; it takes: "
                             f"{', '.join(sorted(accepted)) or 'no parameters'}")
    return factory(**params)


def _load_builtin() -> None:
    """Import the shipped attackers (the package imports each module, which registers itself)."""
    import vecleak.attacks  # noqa: F401
