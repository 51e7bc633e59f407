"""Declared parameter constraints, checked once (as scikit-learn's ``_parameter_constraints``).

A config dataclass lists its rules once, field by field::

    CONSTRAINTS = {"lr": Interval(float, 0, None, closed="neither"),
                   "device": Options("auto", "cpu", "cuda")}

and :func:`check_fields` refuses any value outside them with a :class:`ConfigError` that names
the field in the library's words (``lr must be a finite number > 0, got nan``). The command
line maps the field to its option (:meth:`ConfigError.for_option`). NaN and infinity are never
inside an interval: a non-finite hyper-parameter is refused before anything trains.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from vecleak.errors import ConfigError, option_name

__all__ = ["ConfigError", "Constraint", "Each", "Either", "Interval", "Options", "check_fields", "check_value",
           "option_name"]


@dataclass(frozen=True)
class Interval:
    """A finite number of ``kind`` (``int`` or ``float``) within ``[low, high]``; ``closed`` says
    which ends belong (``"both"``, ``"left"``, ``"right"``, ``"neither"``); ``None`` is unbounded.
    NaN is never accepted; ``+inf`` only with ``allow_inf`` (LAGO's box width, where it means
    "no constraint")."""

    kind: type
    low: float | None = None
    high: float | None = None
    closed: str = "both"
    optional: bool = False
    allow_inf: bool = False

    def describe(self) -> str:
        what = "an integer" if self.kind is int else "a finite number"
        left, right = self.closed in ("both", "left"), self.closed in ("both", "right")
        if self.low is not None and self.high is not None:
            bounds = f"in {'[' if left else '('}{self.low:g}, {self.high:g}{']' if right else ')'}"
        elif self.low is not None:
            bounds = f"{'>=' if left else '>'} {self.low:g}"
        elif self.high is not None:
            bounds = f"{'<=' if right else '<'} {self.high:g}"
        else:
            bounds = ""
        extra = " (or None)" if self.optional else ""
        extra += " (inf allowed)" if self.allow_inf else ""
        return f"{what} {bounds}".strip() + extra

    def accepts(self, value: Any) -> bool:
        if value is None:
            return self.optional
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            return False
        if self.kind is int and not isinstance(value, numbers.Integral):
            return False
        v = float(value)
        if math.isnan(v) or (math.isinf(v) and not (self.allow_inf and v > 0)):
            return False
        left, right = self.closed in ("both", "left"), self.closed in ("both", "right")
        if self.low is not None and (v < self.low or (v == self.low and not left)):
            return False
        return not (self.high is not None and (v > self.high or (v == self.high and not right)))


@dataclass(frozen=True)
class Options:
    """One of ``choices`` (strings), or ``None`` when ``optional``."""

    choices: tuple[Any, ...]
    optional: bool = False

    def __init__(self, *choices: Any, optional: bool = False) -> None:
        object.__setattr__(self, "choices", tuple(choices))
        object.__setattr__(self, "optional", optional)

    def describe(self) -> str:
        return "one of " + ", ".join(map(str, self.choices)) + (" (or None)" if self.optional else "")

    def accepts(self, value: Any) -> bool:
        return (value is None and self.optional) or value in self.choices


@dataclass(frozen=True)
class Each:
    """A non-empty sequence whose every item meets ``item``."""

    item: Interval | Options

    def describe(self) -> str:
        return f"a non-empty list, each {self.item.describe()}"

    def accepts(self, value: Any) -> bool:
        return isinstance(value, (tuple, list)) and bool(value) and all(self.item.accepts(v) for v in value)


@dataclass(frozen=True)
class Either:
    """A value any of ``rules`` accepts (``Either(Options("auto"), Interval(float, 0, None))``)."""

    rules: tuple[Interval | Options, ...]

    def __init__(self, *rules: Interval | Options) -> None:
        object.__setattr__(self, "rules", tuple(rules))

    def describe(self) -> str:
        return " or ".join(f"'{r.choices[0]}'" if isinstance(r, Options) and len(r.choices) == 1 else r.describe()
                           for r in self.rules)

    def accepts(self, value: Any) -> bool:
        return any(rule.accepts(value) for rule in self.rules)


Constraint = Interval | Options | Each | Either


def check_fields(obj: Any, constraints: Mapping[str, Constraint]) -> None:
    """Check every field of ``obj`` named in ``constraints``; the first violation is a
    :class:`ConfigError` (``"lr must be a finite number > 0, got nan"``)."""
    for name, rule in constraints.items():
        value = getattr(obj, name)
        if not rule.accepts(value):
            raise ConfigError(name, f"must be {rule.describe()}, got {value!r}", type(obj).__name__)


def check_value(name: str, value: Any, rule: Constraint, owner: str = "") -> Any:
    """``value`` when ``rule`` accepts it, else a :class:`ConfigError` naming ``name``."""
    if not rule.accepts(value):
        raise ConfigError(name, f"must be {rule.describe()}, got {value!r}", owner)
    return value
