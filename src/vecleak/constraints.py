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

from vecleak.errors import InputError


class ConfigError(InputError):
    """A setting outside its declared constraint; ``field`` names it (``fields``: every setting a
    rule between several names).

    The message is a template whose ``{name}`` places are settings: the library prints their own
    names (``tol stops the admm TV solver ...``), :meth:`for_option` the command line's flags
    (``--tol stops ... (add --tv-solver admm or drop --tol)``)."""

    def __init__(self, field: str, message: str, owner: str = "", *, template: str | None = None,
                 fields: tuple[str, ...] = (), values: Mapping[str, Any] | None = None) -> None:
        self.field, self.rule, self.owner = field, message, owner
        self.fields = fields or (field,)
        self.template = template if template is not None else "{" + field + "} " + message.replace("{", "{{").replace("}", "}}")
        self.values = dict(values or {})
        super().__init__(self._render({name: name for name in self.fields}))

    @classmethod
    def between(cls, template: str, *fields: str, owner: str = "", **values: Any) -> ConfigError:
        """A rule over several settings: ``template`` names each of ``fields`` as ``{field}``
        (and any other ``{key}`` of ``values``), e.g.
        ``ConfigError.between("{tol} needs {tv_solver} admm", "tol", "tv_solver")``."""
        return cls(fields[0], "", owner, template=template, fields=fields, values=values)

    def _render(self, names: Mapping[str, str]) -> str:
        return self.template.format(**self.values, **names)

    def for_option(self, flags: Mapping[str, str] | None = None) -> InputError:
        """The same error phrased for the command line: ``--lr must be ...`` (``flags`` maps a
        field to its option where they differ, e.g. ``{"alpha": "--mi-weight"}``; a ``"*"`` entry
        is the pattern of every other field, with ``{field}`` / ``{dashed}`` in it)."""
        flags = flags or {}
        return InputError(self._render({name: option_name(name, flags) for name in self.fields}))


def option_name(field: str, flags: Mapping[str, str] | None = None) -> str:
    """The command-line option of ``field``: ``flags[field]``, else the ``"*"`` pattern, else
    ``--field-name``."""
    flags = flags or {}
    flag = flags.get(field, flags.get("*", "--{dashed}"))
    return flag.format(field=field, dashed=field.replace("_", "-"))


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
