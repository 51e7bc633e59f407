"""Every default and constraint of a component is written once: in its config (vecleak.configs).

Two walks. The command line: every option of every command whose name maps to a field of the
configs that command reads (``vecleak.cli.options.COMMAND_DEFAULTS``) defaults to that field's
value. The source: the values that used to be copied beside their home (the metrics tokenizer,
a decoder's prefix length and maximum length, the auxiliary corpus size, LAGO's settings, the
cache folder) appear nowhere else as a literal default.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
from pathlib import Path

import pytest
import typer

import vecleak
from vecleak import configs
from vecleak.cli.main import app
from vecleak.cli.options import COMMAND_DEFAULTS, OPTION_FIELDS

SRC = Path(vecleak.__file__).parent


def _commands() -> dict[str, object]:
    """Every leaf command of ``vecleak``, by its path (``"defend train"``)."""
    out: dict[str, object] = {}

    def walk(cmd, path: list[str]) -> None:
        if hasattr(cmd, "commands"):
            for name, sub in cmd.commands.items():
                walk(sub, [*path, name])
        else:
            out[" ".join(path)] = cmd

    walk(typer.main.get_command(app), [])
    return out


def _same(got, want) -> bool:
    """An option's default against its field's: ``None`` leaves the config's default in place; a
    one-count ``--shots`` is the field's count; a comma-separated or repeated option its tuple."""
    if got is None:
        return True
    if isinstance(want, tuple):
        named = getattr(configs, "DEFENSE_SETS", {})          # a named set of specs stands for its specs
        if isinstance(got, str) and got.strip().lower() in named:
            got = named[got.strip().lower()]
        elif isinstance(got, str):
            got = tuple(int(x) if x.strip().isdigit() else x.strip() for x in got.split(","))
        elif isinstance(got, int):
            got = (got,)
        return tuple(got) == want if got else True
    if isinstance(got, tuple) and not isinstance(want, tuple):
        return len(got) == 1 and got[0] == want
    return got == want and type(got) is type(want) or (isinstance(want, float) and got == want)


def test_every_command_names_the_configs_it_reads():
    assert set(_commands()) == set(COMMAND_DEFAULTS), "add the command to vecleak.cli.options.COMMAND_DEFAULTS"


@pytest.mark.parametrize("path", sorted(COMMAND_DEFAULTS))
def test_option_defaults_are_their_configs_defaults(path):
    command = _commands()[path]
    renamed = OPTION_FIELDS.get(path, {})
    checked = []
    for param in command.params:
        field = renamed.get(param.name, param.name)
        owner = next((c for c in COMMAND_DEFAULTS[path] if field in {f.name for f in dataclasses.fields(c)}), None)
        if owner is None:
            continue
        want = getattr(owner, field)
        assert _same(param.default, want), (f"vecleak {path} --{param.name.replace('_', '-')} defaults to "
                                            f"{param.default!r}, {type(owner).__name__}.{field} to {want!r}")
        checked.append(field)
    if COMMAND_DEFAULTS[path]:
        assert checked, f"vecleak {path}: no option maps to a field of its configs"


def test_estimators_and_solvers_take_lago_configs_defaults():
    from vecleak.align import lago_ray, lago_solvers
    from vecleak.align.lago import LAGO

    solver_name = {"epsilon": "box_epsilon"}
    fields = {f.name: getattr(configs.LagoConfig, f.name) for f in dataclasses.fields(configs.LagoConfig)}
    functions = [LAGO.__init__, lago_solvers.ieq_pdmm, lago_solvers.ieq_pdmm_reference, lago_solvers.total_variation,
                 lago_solvers.total_variation_admm, lago_ray.ieq_pdmm_ray, lago_ray.total_variation_ray]
    for fn in functions:
        shared = 0
        for name, p in inspect.signature(fn).parameters.items():
            field = solver_name.get(name, name)
            deprecated_or_own = p.default is None or (fn.__name__.endswith("admm") and name == "tol")
            if field in fields and p.default is not inspect.Parameter.empty and not deprecated_or_own:
                assert p.default == fields[field], f"{fn.__qualname__}({name}={p.default!r}) vs LagoConfig.{field}"
                shared += 1
        assert shared >= 3, fn.__qualname__


def test_decoder_architecture_defaults_are_the_configs():
    from vecleak.decoders.inversion_decoder import InversionDecoder
    from vecleak.decoders.prefix_decoder import DecoderConfig

    arch = configs.ArchitectureConfig()
    saved = DecoderConfig(encoder={})
    assert (saved.backbone, saved.backbone_source, saved.num_prefix, saved.max_length) == \
        (arch.backbone, arch.source, arch.num_prefix, arch.max_length)
    new = inspect.signature(InversionDecoder.new).parameters
    assert all(new[name].default == getattr(arch, name) for name in ("backbone", "source", "num_prefix", "max_length"))


# --- no second literal ------------------------------------------------------------------------

#: The values whose home is a config, by the names they are bound to elsewhere.
HOMES = {
    "tokenizer": {configs.DEFAULT_TOKENIZER},
    "num_prefix": {configs.ArchitectureConfig.num_prefix},
    "max_length": {configs.ArchitectureConfig.max_length},
    "aux_size": {configs.DefenseEvalConfig.aux_size, configs.AuditConfig.aux_size},
    "adapt_steps": {configs.DefenseEvalConfig.adapt_steps},
    "box_epsilon": {configs.LagoConfig.box_epsilon, configs.LAGO_ATTACK_BOX_EPSILON},
    "encoder": {configs.ENCODER},
    "source": {configs.ENCODER},
    "lang": {configs.UtilityConfig.lang},
    "column": {configs.TEXT_COLUMN},
}
#: LAGO's settings, as the solvers' arguments (``epsilon`` is the solvers' name of the box width):
#: no copy of LagoConfig's value as a literal default in vecleak.align.
LAGO_ARGUMENTS = {name: getattr(configs.LagoConfig, "box_epsilon" if name == "epsilon" else name)
                  for name in ("epsilon", "box_epsilon", "eta", "lam", "c", "theta", "step", "iterations", "tol")}
#: Copies left in files another change owns, with what to do (each should go: then drop its entry).
ALLOWED: dict[tuple[str, str], str] = {}


def _literal(node) -> object:
    return node.value if isinstance(node, ast.Constant) else None


def _second_literals(path: Path) -> list[tuple[int, str, object]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[int, str, object]] = []

    def bound(name: str | None, value_node, line: int) -> None:
        value = _literal(value_node)
        if name in HOMES and value in HOMES[name] and not isinstance(value, bool):
            found.append((line, name, value))

    docstrings = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)}
    in_align = path.parent.name == "align" and path.name.startswith("lago")
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = node.args
            positional = args.posonlyargs + args.args
            pairs = list(zip(positional[len(positional) - len(args.defaults):], args.defaults))
            pairs += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None]
            for arg, default in pairs:
                bound(arg.arg, default, node.lineno)
                if in_align and arg.arg in LAGO_ARGUMENTS and _literal(default) == LAGO_ARGUMENTS[arg.arg] \
                        and isinstance(_literal(default), (int, float)):
                    found.append((node.lineno, arg.arg, _literal(default)))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            bound(node.target.id, node.value, node.lineno)
        elif isinstance(node, ast.keyword) and node.arg is not None:
            bound(node.arg, node.value, node.value.lineno)
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if key is not None and isinstance(_literal(key), str):
                    bound(_literal(key), value, value.lineno)
        elif isinstance(node, ast.Constant) and node.value == configs.CACHE_DIR and id(node) not in docstrings:
            found.append((node.lineno, "cache", node.value))
    return found


def test_no_default_is_written_twice():
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel == "configs.py":
            continue
        for line, name, value in _second_literals(path):
            if (rel, name) not in ALLOWED:
                offenders.append(f"{rel}:{line}: {name} = {value!r} (its home is vecleak.configs)")
    assert not offenders, "\n".join(offenders)


def test_the_scan_finds_a_copy():
    """The scan itself: a copied default in a module is found."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        sample = Path(tmp) / "sample.py"
        sample.write_text('def f(tokenizer: str = "unicode", num_prefix=6):\n    return g(max_length=32, '
                          'cache=".vecleak-cache")\n', encoding="utf-8")
        names = {name for _, name, _ in _second_literals(sample)}
    assert names == {"tokenizer", "num_prefix", "max_length", "cache"}


def test_utility_settings_are_checked_by_their_config_with_the_librarys_names():
    from vecleak.constraints import ConfigError

    with pytest.raises(ConfigError, match=r"^seed must be an integer >= 0"):
        configs.UtilityConfig(seed=-1)
    assert configs.UtilityConfig().encoder == configs.EmbedConfig().encoder == configs.ENCODER
