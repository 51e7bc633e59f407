"""Errors for user mistakes: each carries a one-line message that says what to do.

The CLI turns any :class:`VecleakError` into that line on stderr and exit code 2; scripts and
benchmarks do the same through :func:`run_script`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from typing import Any, Self


class VecleakError(Exception):
    """Base class for mistakes a user can fix; ``str(err)`` is the one-line message."""


class InputError(VecleakError, ValueError):
    """An input file or value is missing, empty, malformed or inconsistent.

    A ``ValueError`` too, as scikit-learn and numpy code expects of a bad value."""


class InputTypeError(InputError, TypeError):
    """An input is not of a type that can be read as numbers (a ``TypeError`` too)."""


class DimensionMismatchError(VecleakError, ValueError):
    """Two arrays or an array and an encoder disagree on the embedding dimension."""


class NonFiniteError(VecleakError, ValueError):
    """Vectors contain NaN or infinity."""


class UnknownEncoderError(VecleakError):
    """An encoder spec names no known backend or model."""


class CheckpointError(VecleakError):
    """A checkpoint is missing, corrupt, or belongs to another encoder."""


class TrainingDivergedError(VecleakError):
    """Training produced a loss that is NaN or infinite; nothing after the last good checkpoint is kept."""


class UnknownLanguageError(InputError):
    """A language code is not known to a language-distance source."""


class StoreError(InputError):
    """A vector store cannot be reached or read as asked (server, credentials, collection, columns)."""


class ConfigError(InputError):
    """A setting outside its declared constraint, or a rule between settings; ``field`` names it
    (``fields``: every setting the rule names). The library's own errors name settings this way,
    never by a command-line flag: a Python caller typed no flag.

    The message is a template whose ``{name}`` places are settings: the library prints their own
    names (``tol stops the admm TV solver ...``), :meth:`for_option` the command line's flags
    (``--tol stops ... (add --tv-solver admm or drop --tol)``); the CLI and :func:`run_script`
    print the latter."""

    def __init__(self, field: str, message: str, owner: str = "", *, template: str | None = None,
                 fields: tuple[str, ...] = (), values: Mapping[str, Any] | None = None) -> None:
        self.field, self.rule, self.owner = field, message, owner
        self.fields = fields or (field,)
        self.template = template if template is not None else "{" + field + "} " + message.replace("{", "{{").replace("}", "}}")
        self.values = dict(values or {})
        super().__init__(self._render({name: name for name in self.fields}))

    @classmethod
    def between(cls, template: str, *fields: str, owner: str = "", **values: Any) -> Self:
        """A rule over several settings: ``template`` names each of ``fields`` as ``{field}``
        (and any other ``{key}`` of ``values``), e.g.
        ``ConfigError.between("{tol} needs {tv_solver} admm", "tol", "tv_solver")``."""
        return cls(fields[0], "", owner, template=template, fields=fields, values=values)

    def _render(self, names: Mapping[str, str]) -> str:
        return self.template.format(**self.values, **names)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled whole (a Ray worker's error reaches the caller with its fields)."""
        return (_config_error, (type(self), self.field, self.rule, self.owner, self.template, self.fields,
                                self.values))

    def for_option(self, flags: Mapping[str, str] | None = None) -> InputError:
        """The same error phrased for the command line: ``--lr must be ...`` (``flags`` maps a
        field to its option where they differ, e.g. ``{"alpha": "--mi-weight"}``; a ``"*"`` entry
        is the pattern of every other field, with ``{field}`` / ``{dashed}`` in it)."""
        flags = flags or {}
        return InputError(self._render({name: option_name(name, flags) for name in self.fields}))


def _config_error(cls: type[ConfigError], field: str, rule: str, owner: str, template: str,
                  fields: tuple[str, ...], values: Mapping[str, Any]) -> ConfigError:
    return cls(field, rule, owner, template=template, fields=fields, values=values)


def option_name(field: str, flags: Mapping[str, str] | None = None) -> str:
    """The command-line option of ``field``: ``flags[field]``, else the ``"*"`` pattern, else
    ``--field-name``."""
    flags = flags or {}
    flag = flags.get(field, flags.get("*", "--{dashed}"))
    return flag.format(field=field, dashed=field.replace("_", "-"))


# A :class:`ConfigError` that is also another kind of error, for a mistake whose fix is a setting
# (``ConfigError`` is an ``InputError``; ``except StoreError`` / ``except CheckpointError`` keep
# catching these).
class StoreConfigError(ConfigError, StoreError):
    """A store read as asked, but a setting does not fit it (``sample`` larger than the store,
    ``collection`` missing, a ``vector_column`` it lacks)."""


class CheckpointConfigError(ConfigError, CheckpointError):
    """A checkpoint that a setting cannot use (``resume`` with nothing to resume)."""


class TrainingDivergedConfigError(ConfigError, TrainingDivergedError):
    """Training diverged; the fix names settings (``lr``, ``resume``)."""


class VecleakWarning(UserWarning):
    """Something a user should know that does not stop the run; the CLI prints it as one
    ``vecleak: warning:`` line on stderr (silent under ``--quiet``)."""


class IsolatedLanguageWarning(VecleakWarning):
    """A language has no neighbour in the LAGO graph, so its map is plain ridge regression."""


def run_script(main: Callable[[], None]) -> None:
    """Run a script's ``main`` as the ``vecleak`` CLI runs a command: a user's mistake (a
    :class:`VecleakError`, or ``SystemExit`` with a message) becomes its one line on stderr and
    exit code 2; ``SystemExit`` with a number keeps it."""
    try:
        main()
    except ConfigError as err:                      # a script's flags are its settings' names, dashed
        print(f"error: {err.for_option()}", file=sys.stderr)
        raise SystemExit(2) from None
    except VecleakError as err:
        print(f"error: {err}", file=sys.stderr)
        raise SystemExit(2) from None
    except SystemExit as err:
        if isinstance(err.code, str):
            print(err.code, file=sys.stderr)
            raise SystemExit(2) from None
        raise
