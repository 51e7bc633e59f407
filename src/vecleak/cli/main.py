"""``vecleak`` command line: thin commands over the Python API.

One module per command group (:mod:`~vecleak.cli.attack`: demo, attack, graph;
:mod:`~vecleak.cli.defend`: evaluate-defense, defend; :mod:`~vecleak.cli.train`: train-decoder;
:mod:`~vecleak.cli.eval`: eval, utility, embed; :mod:`~vecleak.cli.audit`; :mod:`~vecleak.cli.frontier`),
their shared option types in :mod:`~vecleak.cli.options`, their defaults and rules in
:mod:`vecleak.configs`. This module builds the app and runs it.

Every user mistake (a :class:`~vecleak.errors.VecleakError`) prints one line on stderr and
exits with code 2 (a :class:`~vecleak.constraints.ConfigError` phrased with the command's flags,
:data:`~vecleak.cli.options.CONFIG_FLAGS`); outputs are written atomically, so a failed run
leaves nothing behind.
"""

from __future__ import annotations

import os
import sys
import warnings
from typing import Annotated

import typer

os.environ.setdefault("HF_HUB_OFFLINE", "1")            # before any command module imports a model library
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from vecleak.cli.attack import attack, demo, graph  # noqa: E402
from vecleak.cli.audit import audit as audit_command  # noqa: E402
from vecleak.cli.defend import defend, evaluate_defense_cmd  # noqa: E402
from vecleak.cli.eval import embed, eval_cmd, utility  # noqa: E402
from vecleak.cli.frontier import frontier as frontier_command  # noqa: E402
from vecleak.cli.options import CONFIG_FLAGS, CONTEXT  # noqa: E402
from vecleak.cli.output import OUTPUT as _OUTPUT  # noqa: E402
from vecleak.cli.train import train_decoder_cmd  # noqa: E402

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  context_settings=CONTEXT, help="Measure how much text leaks out of text embeddings.")


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        print(f"vecleak {version('vecleak')}")
        raise typer.Exit()


@app.callback()
def _main(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                                help="Print the version and exit.")] = False,
          quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
          json_: Annotated[bool, typer.Option("--json", help="Print the results as JSON on stdout, nothing "
                                                             "else.")] = False) -> None:
    """Measure how much text leaks out of text embeddings."""
    _OUTPUT.update(quiet=quiet, json=json_)


# one module per command group; the order is the help's
app.command()(demo)
app.command()(attack)
app.command()(graph)
app.command("evaluate-defense")(evaluate_defense_cmd)
app.command()(utility)
app.command("train-decoder")(train_decoder_cmd)
app.add_typer(defend, name="defend")
app.command()(embed)
app.command("audit")(audit_command)
app.command("frontier")(frontier_command)
app.command("eval")(eval_cmd)


_python_showwarning = warnings.showwarning


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """vecleak's own warnings as one ``vecleak: warning:`` line on stderr (none under --quiet);
    other libraries' warnings as Python prints them."""
    from vecleak.errors import VecleakWarning

    if issubclass(category, VecleakWarning):
        if not _OUTPUT["quiet"]:
            print(f"vecleak: warning: {message}", file=sys.stderr)
        return
    _python_showwarning(message, category, filename, lineno, file, line)


def _quiet_hf() -> None:
    """Keep library progress bars and warnings off the CLI's stderr (errors stay one line)."""
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=DeprecationWarning)


class _Interrupted(BaseException):
    """Ctrl-C, raised past the command-line library (which would print 'Aborted!' and exit 1)
    so that ``finally`` blocks still remove temporary output."""


def _on_sigint(signum, frame) -> None:
    raise _Interrupted()


def main(argv: list[str] | None = None) -> None:
    """Entry point: runs the app, turning user mistakes into one line and exit code 2, and
    Ctrl-C into one line and exit code 130 (nothing half-written: outputs are atomic)."""
    import signal

    from vecleak.constraints import ConfigError
    from vecleak.errors import VecleakError

    _quiet_hf()
    warnings.showwarning = _show_warning
    previous = signal.signal(signal.SIGINT, _on_sigint)
    try:
        code = app(args=argv, prog_name="vecleak", standalone_mode=False)
    except ConfigError as err:
        print(f"vecleak: error: {err.for_option(CONFIG_FLAGS.get(err.owner))}", file=sys.stderr)
        sys.exit(2)
    except VecleakError as err:
        print(f"vecleak: error: {_one_line(str(err))}", file=sys.stderr)
        sys.exit(2)
    except Exception as err:
        name = type(err).__name__
        if name == "NoArgsIsHelpError":                   # 'vecleak' or 'vecleak defend' alone: the help
            print(err.ctx.get_help() if getattr(err, "ctx", None) else "")
            sys.exit(0)
        if name == "Abort":
            print("vecleak: interrupted; nothing was written", file=sys.stderr)
            sys.exit(130)
        if hasattr(err, "format_message") and hasattr(err, "exit_code"):      # the parser's usage errors
            ctx = getattr(err, "ctx", None)
            hint = f" (see '{ctx.command_path} -h')" if ctx is not None else ""
            print(f"vecleak: error: {_one_line(err.format_message())}{hint}", file=sys.stderr)
            sys.exit(2 if err.exit_code == 2 else err.exit_code)
        raise
    except (_Interrupted, KeyboardInterrupt):
        print("vecleak: interrupted; nothing was written", file=sys.stderr)
        sys.exit(130)
    finally:
        signal.signal(signal.SIGINT, previous)
        warnings.showwarning = _python_showwarning
    sys.exit(code if isinstance(code, int) else 0)


def _one_line(message: str) -> str:
    """``message`` on one line (a library's multi-line text joined with '; ')."""
    return "; ".join(part.strip() for part in message.strip().splitlines() if part.strip())


if __name__ == "__main__":
    main()
