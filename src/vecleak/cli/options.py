"""What every command shares: option types, the options several commands take, the map from the
library's setting names to the command line's flags, and which config each command reads its
defaults from.

Defaults are never written here: they are the configs' (:mod:`vecleak.configs`), and
``tests/test_single_source.py`` walks the commands against :data:`COMMAND_DEFAULTS`. Rules are
the configs' too: a command builds its config (which checks itself) before anything loads, and
:func:`vecleak.cli.main.main` phrases a :class:`~vecleak.constraints.ConfigError` with
:data:`CONFIG_FLAGS`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from vecleak.configs import (
    CACHE_DIR, FRONTIER_DEFAULTS, ArchitectureConfig, AttackConfig, AuditConfig, DefenseEvalConfig, EguardConfig,
    EmbedConfig, LagoConfig, TrainingConfig, UtilityConfig,
)

#: Context settings of every command and group (``-h``, 80 columns).
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 80}

#: Config fields whose command-line option has another name, per config class (the ``owner`` of a
#: :class:`~vecleak.constraints.ConfigError`); any other field ``some_field`` is ``--some-field``.
CONFIG_FLAGS: dict[str, dict[str, str]] = {
    "EguardConfig": {"alpha": "--mi-weight"},
    "LagoConfig": {"box_epsilon": "--box-epsilon", "lam": "--lambda", "metric": "--graph"},
    "AttackConfig": {"lam": "--lambda", "metric": "--graph", "language": "--attack-language"},
    "AuditConfig": {"defenses": "--defense"},
    "Defense": {"epsilon": "--dp-epsilon", "*": "--param {field}=..."},
    "StoreOptions": {"uri": "--store"},            # open_store's uri, with the store settings
}

#: The configs each command reads its option defaults from (an option named like a field, or
#: renamed in :data:`OPTION_FIELDS`, defaults to that field's value): the single-source test's map.
COMMAND_DEFAULTS: dict[str, tuple[Any, ...]] = {
    "demo": (AttackConfig(),),
    "attack": (AttackConfig(), LagoConfig(align="algen"), DefenseEvalConfig()),
    "graph": (LagoConfig(),),
    "evaluate-defense": (AttackConfig(), DefenseEvalConfig()),
    "utility": (UtilityConfig(), AttackConfig()),
    "train-decoder": (TrainingConfig(), ArchitectureConfig()),
    "defend train": (EguardConfig(),),
    "defend fit": (),
    "defend apply": (),
    "embed": (EmbedConfig(),),
    "audit": (AuditConfig(),),
    "frontier": (FRONTIER_DEFAULTS,),
    "eval": (AttackConfig(),),
}

#: Options named otherwise than their config field, per command: ``{option: field}``.
OPTION_FIELDS: dict[str, dict[str, str]] = {
    "attack": {"graph": "metric", "attack_language": "language"},
    "evaluate-defense": {"attack_language": "language"},
    "defend train": {"mi_weight": "alpha"},
}


class Counts(tuple):
    """Counts from the command line: ``10,100,1000`` (the type of every ``--shots``)."""


def parse_counts(value: Any) -> Counts:
    """``"10,100"`` -> ``(10, 100)``; a default given as an int or a tuple passes through. Only the
    syntax is checked here: the range is the config's (``shots must be an integer >= 1``)."""
    if isinstance(value, (tuple, list)):
        return Counts(int(v) for v in value)
    if isinstance(value, int):
        return Counts((value,))
    try:
        counts = Counts(int(s) for s in str(value).split(",") if s.strip())
    except ValueError:
        counts = Counts()
    if not counts:
        raise typer.BadParameter(f"must be comma-separated counts such as 10,100,1000, got {str(value)!r}")
    return counts


def one_count(shots: Counts) -> int:
    """The count of a command that takes one ``--shots`` level."""
    if len(shots) != 1:
        from vecleak.errors import InputError

        raise InputError(f"--shots takes one count here, got {','.join(map(str, shots))}")
    return shots[0]


def shots_option(help: str) -> Any:
    """A ``--shots`` option: comma-separated counts (:func:`parse_counts`)."""
    return typer.Option(parser=parse_counts, metavar="N[,N...]", help=help)


#: The DP budget of purmech / lapmech / dp-gaussian: ``--dp-epsilon`` in every command.
DpEpsilon = Annotated[Optional[float], typer.Option("--dp-epsilon", help="Privacy budget of purmech / lapmech / "
                                                                        "dp-gaussian.")]
#: ``--epsilon``: the old spelling of ``--dp-epsilon`` (hidden; warns). It means the DP budget
#: wherever it is taken; ``attack`` refuses it (it was LAGO's box there: ``--box-epsilon``).
OldEpsilon = Annotated[Optional[float], typer.Option("--epsilon", hidden=True)]
#: Defense parameters, ``KEY=VALUE`` (repeatable).
Params = Annotated[Optional[list[str]], typer.Option(help="Other defense parameters, KEY=VALUE (sigma=0.1, "
                                                          "n_components=64, mode=binary).")]
#: The embedding cache folder (default :data:`vecleak.configs.CACHE_DIR`).
Cache = Annotated[Optional[Path], typer.Option(help="Embedding cache folder.")]
CACHE = Path(CACHE_DIR)


def usable_cache(cache: Optional[Path]) -> Optional[Path]:
    """``--cache``, checked before any work: a folder named on the command line that cannot be
    written is refused with one line; the default one (``.vecleak-cache``, e.g. in a read-only
    working folder) is dropped with a warning line naming the flag, and the run embeds without a cache."""
    import warnings

    from vecleak.encoders.cache import check_cache_dir
    from vecleak.errors import ConfigError, VecleakWarning

    try:
        return check_cache_dir(cache, setting="cache")
    except ConfigError as err:
        if cache != CACHE:
            raise
        warnings.warn(f"embedding without a cache: {err.for_option()} (or give --cache DIR)", VecleakWarning,
                      stacklevel=2)
        return None
#: The metrics' word tokenizer.
Tokenizer = Annotated[str, typer.Option(help="Metric tokenizer: unicode (default) or rouge-score (ASCII, as in "
                                             "papers).")]
#: The text column of .csv / .tsv inputs.
Column = Annotated[str, typer.Option(help="Text column of .csv/.tsv inputs.")]
#: Beam width of a decode.
Beams = Annotated[int, typer.Option(help="Beam width (1 = greedy).")]


def renamed(old_value: Any, new_value: Any, old: str, new: str) -> Any:
    """The value of a renamed option: the old spelling still works, with a warning on stderr."""
    if old_value is None:
        return new_value
    print(f"vecleak: warning: {old} is deprecated here; use {new}", file=sys.stderr)
    return old_value


def parse_alpha(value: str) -> float | str:
    """``--alpha``: ``"auto"`` or a number (its range is :data:`vecleak.configs.ALPHA`'s, checked
    by the config)."""
    if value == "auto":
        return value
    try:
        return float(value)
    except ValueError:
        return value                       # refused by the config: "--alpha must be 'auto' or ..."


def parse_params(items: Optional[list[str]]) -> dict:
    """``["sigma=0.1", "mode=binary"]`` -> ``{"sigma": 0.1, "mode": "binary"}`` (numbers parsed)."""
    from vecleak.errors import InputError

    params: dict = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InputError(f"--param '{item}': give KEY=VALUE, e.g. --param sigma=0.1")
        if key.strip() in ("seed", "epsilon"):
            flag = "--seed" if key.strip() == "seed" else "--dp-epsilon"
            raise InputError(f"--param {key.strip()}=...: use {flag} instead")
        for cast in (int, float):
            try:
                params[key.strip().replace("-", "_")] = cast(value)
                break
            except ValueError:
                continue
        else:
            params[key.strip().replace("-", "_")] = value.strip()
    return params
