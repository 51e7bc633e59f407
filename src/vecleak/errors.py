"""Errors for user mistakes: each carries a one-line message that says what to do.

The CLI turns any :class:`VecleakError` into that line on stderr and exit code 2; scripts and
benchmarks do the same through :func:`run_script`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable


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
    except VecleakError as err:
        print(f"error: {err}", file=sys.stderr)
        raise SystemExit(2) from None
    except SystemExit as err:
        if isinstance(err.code, str):
            print(err.code, file=sys.stderr)
            raise SystemExit(2) from None
        raise
