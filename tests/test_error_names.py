"""The library's errors speak the library's names; the command line speaks its flags.

A Python caller typed no ``--sample``: an error raised under ``src/vecleak`` (outside ``cli/``)
names the parameter (``sample``, ``defenses``, ``out``), and the CLI prints the same error with
its flag (:meth:`vecleak.errors.ConfigError.for_option`, :data:`vecleak.cli.options.CONFIG_FLAGS`).
Each case below is one library call and the command line that reaches the same check; the last
test reads every raise in the library's source for a flag.
"""

from __future__ import annotations

import ast
import pickle
import re
from pathlib import Path

import numpy as np
import pytest

from conftest import run_cli
from vecleak.errors import ConfigError, InputError, StoreError

SRC = Path(__file__).resolve().parent.parent / "src" / "vecleak"
#: A command-line flag in a message: two dashes, then a letter.
FLAG = re.compile(r"--[a-z]")


def _library_line(err: BaseException, *names: str) -> str:
    """The message a Python caller reads: one line, naming ``names``, no flag."""
    message = str(err)
    assert "\n" not in message, message
    assert not FLAG.search(message), f"a library error names a CLI flag: {message}"
    for name in names:
        assert re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", message), (name, message)
    return message


def _cli_line(capsys, *args) -> str:
    """The one ``vecleak: error:`` line a command prints, exit code 2."""
    code, out, err = run_cli(capsys, *args)
    lines = [x for x in err.strip().splitlines() if x.strip()]
    assert code == 2 and len(lines) == 1 and lines[0].startswith("vecleak: error: "), err
    return lines[0]


@pytest.fixture()
def exported(tmp_path, sentences):
    """20 exported vectors (8-d) and their texts: a store for ``audit --vectors --texts``."""
    vectors, texts = tmp_path / "v.npy", tmp_path / "t.txt"
    np.save(vectors, np.random.default_rng(0).normal(size=(20, 8)).astype(np.float32))
    texts.write_text("\n".join(sentences[:20]) + "\n", encoding="utf-8")
    return vectors, texts


# ------------------------------------------------------------------------------ stores: the sample

def test_a_sample_larger_than_the_store_names_sample(exported, tmp_path, capsys):
    from vecleak.stores import FileStore
    from vecleak.stores.sampling import sample_store

    vectors, texts = exported
    with FileStore(vectors, texts) as store:
        with pytest.raises(StoreError) as err:          # still a StoreError, and a ConfigError
            sample_store(store, 50, 10)
    assert isinstance(err.value, ConfigError) and err.value.field == "sample"
    assert _library_line(err.value, "sample") == "sample 50 is larger than the store (20 rows); use sample 20 or less"
    line = _cli_line(capsys, "audit", "--vectors", vectors, "--texts", texts, "--out", tmp_path / "o", "--sample", 50)
    assert line == "vecleak: error: --sample 50 is larger than the store (20 rows); use --sample 20 or less"
    assert not (tmp_path / "o").exists()


def test_an_unknown_store_names_uri_and_the_cli_names_store(tmp_path, capsys):
    from vecleak.stores import open_store

    with pytest.raises(StoreError) as err:
        open_store("bogus:somewhere")
    assert _library_line(err.value, "uri").startswith("uri 'bogus:somewhere': unknown store kind 'bogus'; use one of ")
    line = _cli_line(capsys, "audit", "--store", "bogus:somewhere", "--out", tmp_path / "o")
    assert line.startswith("vecleak: error: --store 'bogus:somewhere': unknown store kind 'bogus'; use one of ")


# ------------------------------------------------------------------------------ the audit's settings

def test_an_audit_config_no_search_can_run_names_its_fields(tmp_path, capsys):
    from vecleak.audit.run import check_config
    from vecleak.configs import AuditConfig

    with pytest.raises(InputError) as err:
        check_config(AuditConfig(encoder="none", search_sample=10))
    _library_line(err.value, "search_sample", "encoder", "query_encoder")
    line = _cli_line(capsys, "audit", "--store", f"chroma:{tmp_path}/none", "--out", tmp_path / "o",
                     "--encoder", "none", "--search-sample", 10)
    assert line.startswith("vecleak: error: --search-sample asks for a search row")
    assert "with --encoder none" in line and "--query-encoder" in line and line.endswith("drop --search-sample")

    with pytest.raises(InputError) as err:
        check_config(AuditConfig(attacker_decoder=str(tmp_path / "nowhere")))
    assert _library_line(err.value, "attacker_decoder").startswith(f"attacker_decoder '{tmp_path / 'nowhere'}' is")


# ------------------------------------------------------------------------------ the frontier's sweep

def test_a_defense_spec_names_defenses_and_the_cli_names_defense(tmp_path, capsys):
    from vecleak.audit.run import check_config
    from vecleak.configs import AuditConfig
    from vecleak.frontier import Candidate

    with pytest.raises(InputError) as err:
        Candidate.parse("gaussian:sigma")
    assert _library_line(err.value, "defenses") == ("defenses 'gaussian:sigma': parameters are key=value, e.g. "
                                                    "gaussian:sigma=0.05")
    with pytest.raises(InputError) as err:
        check_config(AuditConfig(defenses=("bogus:x=1",)))
    assert _library_line(err.value, "defenses").startswith("defenses bogus:x=1: unknown defense")
    with pytest.raises(InputError) as err:                  # inside a spec, its own keys: what was typed there
        Candidate("gaussian", "gaussian", {"sigma": float("nan")}).check()
    assert _library_line(err.value, "defenses", "sigma").startswith("defenses gaussian:sigma=nan: sigma must be")

    line = _cli_line(capsys, "audit", "--store", f"chroma:{tmp_path}/none", "--out", tmp_path / "o",
                     "--defense", "gaussian:sigma")
    assert line == "vecleak: error: --defense 'gaussian:sigma': parameters are key=value, e.g. gaussian:sigma=0.05"


# ------------------------------------------------------------------------------ data.atomic: output paths

def test_an_output_path_names_out_or_the_setting_given(tmp_path, capsys, sentences):
    from vecleak.audit import run_audit
    from vecleak.data.atomic import check_output_file, check_path_name
    from vecleak.stores.files import ArrayStore

    folder, file = tmp_path / "folder.npy", tmp_path / "file.txt"
    folder.mkdir()
    file.write_text("\n".join(sentences[:5]) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        check_output_file(folder)
    assert _library_line(err.value, "out") == f"out {folder}: is a folder; give a file name"
    store = ArrayStore(np.ones((4, 8), np.float32), ["a", "b", "c", "d"], ["eng"] * 4)
    with pytest.raises(InputError) as err:
        run_audit(store, out=file)
    assert _library_line(err.value, "out") == f"out {file}: is a file; give a folder name (it is created)"
    with pytest.raises(InputError) as err:
        check_path_name(tmp_path / ("x" * 300), setting="train")
    assert _library_line(err.value, "train").startswith("train ") and "is 300 bytes long" in str(err.value)
    with pytest.raises(InputError) as err:                  # a path no setting gave: the path alone
        check_path_name(tmp_path / ("x" * 300))
    assert _library_line(err.value).startswith(str(tmp_path)[:20]) and "is 300 bytes long" in str(err.value)

    line = _cli_line(capsys, "embed", "--in", file, "--out", folder)
    assert line == f"vecleak: error: --out {folder}: is a folder; give a file name"


# ------------------------------------------------------------------------------ utility tasks, decoders, cache

def test_settings_of_tasks_decoders_and_the_cache_are_named_as_parameters(tmp_path):
    """No command line needed to show the two renderings: ``str`` and :meth:`for_option` (what
    the CLI and the scripts print) of the same error."""
    from vecleak.decoders.sampling import parse_upweight
    from vecleak.encoders.cache import check_cache_dir
    from vecleak.utility.tasks import load_task

    file = tmp_path / "file"
    file.write_text("x")
    cases = [(lambda: load_task("wikiqa"), "data_dir", "--data-dir"),
             (lambda: load_task("sst2", lang="de"), "lang", "--lang"),
             (lambda: parse_upweight("deu=two"), "upweight", "--upweight"),
             (lambda: check_cache_dir(file), "cache_dir", "--cache-dir")]
    for call, name, flag in cases:
        with pytest.raises(ConfigError) as err:
            call()
        library = _library_line(err.value, name)
        assert str(err.value.for_option()) == library.replace(name, flag), library


# ------------------------------------------------------------------------------ the mechanism

def test_a_config_error_pickles_whole_and_scripts_print_flags(capsys):
    from vecleak.errors import StoreConfigError, run_script

    err = StoreConfigError.between("{sample} {n} is too many; lower {sample}", "sample", owner="AuditConfig", n=9)
    back = pickle.loads(pickle.dumps(err))          # a Ray worker's error reaches the caller whole
    assert type(back) is StoreConfigError and str(back) == "sample 9 is too many; lower sample"
    assert str(back.for_option()) == "--sample 9 is too many; lower --sample" and back.owner == "AuditConfig"

    def main():
        raise err

    with pytest.raises(SystemExit) as code:
        run_script(main)
    assert code.value.code == 2 and capsys.readouterr().err == "error: --sample 9 is too many; lower --sample\n"


# ------------------------------------------------------------------------------ no flag in the library's raises

#: Flags that stay in a library message, each for its reason: (file under src/vecleak, flag).
ALLOWED_FLAGS = {
    ("encoders/huggingface.py", "--no-deps"),          # a pip command line to run, not a vecleak flag
    ("graphs/syntax.py", "--force-reinstall"),         # a pip command line to run, not a vecleak flag
    ("recipes/train.py", "--retarget"),                # scripts/train_multilingual_decoder.py's own flag
}
#: Files whose string constants may be bare flags: the command line they write for the user.
COMMAND_WRITERS = {"frontier/pareto.py"}             # apply_command: 'vecleak defend fit --defense ...'


def _message_parts(tree: ast.AST):
    """(line, text) of every string inside a ``raise``, an error or warning built (``...Error(``,
    ``...Warning(``, ``ConfigError.between(``) or a ``warn(`` call."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if not (name.endswith(("Error", "Warning")) or name in ("between", "warn")):
                continue
        elif not isinstance(node, ast.Raise):
            continue
        for sub in ast.walk(node):
            if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                yield sub.lineno, sub.value


def test_no_library_error_or_warning_names_a_command_line_flag():
    found, allowed_seen = [], set()
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel.startswith("cli/"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for line, text in _message_parts(tree):
            for flag in re.findall(r"--[a-z][a-z0-9-]*", text):
                if (rel, flag) in ALLOWED_FLAGS:
                    allowed_seen.add((rel, flag))
                else:
                    found.append(f"{rel}:{line}: {flag} in {text.strip()[:90]!r}")
        if rel not in COMMAND_WRITERS:             # a flag handed around to be printed later (option="--out")
            for node in ast.walk(tree):
                if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                        and re.fullmatch(r"\s*--[a-z][a-z0-9-]*\s*", node.value)):
                    found.append(f"{rel}:{node.lineno}: the flag {node.value.strip()} as a value")
    assert not found, ("library errors name the library's parameters (a ConfigError; the CLI prints its flags):\n"
                       + "\n".join(found))
    assert allowed_seen == ALLOWED_FLAGS, f"allowed but no longer there (drop them): {ALLOWED_FLAGS - allowed_seen}"
