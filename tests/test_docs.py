"""The documentation: README.md and docs/**/*.md.

* Every ```python block compiles and its ``vecleak`` imports resolve. Blocks run, in one
  subprocess per lane: unmarked ones in the fast lane, those preceded by ``<!-- slow: why -->``
  (they load shipped models) in the slow lane; ``<!-- skip-run: why -->`` (a store on disk, a
  server, a training run) only compiles and resolves its imports.
* Every ``vecleak`` command and ``python benchmarks/... | scripts/...`` command in a ```bash
  block names a command and options that exist.
* The site builds with ``mkdocs build --strict`` (mkdocstrings API pages, generated results).
* The results pages survive missing or broken result files ("not measured yet").
* README.md stays short.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import json
import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
DOC_FILES = [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]
README_MAX_LINES = 220

_FENCE = re.compile(r"^```(\w*)\s*$")
_MARK = re.compile(r"^<!--\s*(skip-run|slow)\b.*-->\s*$")


@dataclass(frozen=True)
class Block:
    path: Path
    line: int           # 1-based line of the opening fence
    lang: str
    code: str
    mark: str | None    # None (run), "slow" or "skip-run"

    @property
    def id(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def fenced_blocks(path: Path) -> list[Block]:
    """The fenced code blocks of a Markdown file (top-level fences only), with their marks."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks, i = [], 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        start, body = i, []
        i += 1
        while i < len(lines) and lines[i].rstrip() != "```":
            body.append(lines[i])
            i += 1
        previous = next((lines[k].strip() for k in range(start - 1, -1, -1) if lines[k].strip()), "")
        mark = _MARK.match(previous)
        blocks.append(Block(path, start + 1, opening.group(1), "\n".join(body) + "\n",
                            mark.group(1) if mark else None))
        i += 1
    return blocks


ALL_BLOCKS = [b for path in DOC_FILES for b in fenced_blocks(path)]
PYTHON = [b for b in ALL_BLOCKS if b.lang == "python"]
BASH = [b for b in ALL_BLOCKS if b.lang in ("bash", "sh", "shell")]


def test_docs_have_python_and_bash_blocks():
    assert {b.path for b in PYTHON} >= {ROOT / "README.md"}, "the README should show the Python API"
    assert len(PYTHON) >= 10 and len(BASH) >= 10
    assert all(b.mark != "skip-run" for b in PYTHON if b.path.name == "README.md"), \
        "README snippets are run (mark model-loading ones <!-- slow: ... -->)"


def test_readme_is_short():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines; move detail into docs/"


# -- Python snippets --------------------------------------------------------------------------


def _vecleak_imports(code: str) -> list[tuple[str, str | None]]:
    """``(module, name)`` of every ``from vecleak... import name`` / ``import vecleak...``."""
    out: list[tuple[str, str | None]] = []
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "vecleak":
            out += [(node.module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            out += [(alias.name, None) for alias in node.names if alias.name.split(".")[0] == "vecleak"]
    return out


@pytest.mark.parametrize("block", PYTHON, ids=lambda b: b.id)
def test_python_block_compiles_and_imports_resolve(block):
    compile(block.code, block.id, "exec")
    for module, name in _vecleak_imports(block.code):
        mod = importlib.import_module(module)
        if name is not None and not hasattr(mod, name):
            assert importlib.util.find_spec(f"{module}.{name}") is not None, \
                f"{block.id}: 'from {module} import {name}' does not resolve"


_RUNNER = textwrap.dedent("""
    import json, os, sys, tempfile, traceback
    blocks = json.load(open(sys.argv[1], encoding="utf-8"))
    results = {}
    for block in blocks:
        with tempfile.TemporaryDirectory() as folder:
            os.chdir(folder)
            try:
                exec(compile(block["code"], block["id"], "exec"), {"__name__": "__main__"})
                results[block["id"]] = None
            except BaseException:
                results[block["id"]] = traceback.format_exc()
    json.dump(results, open(sys.argv[2], "w", encoding="utf-8"))
""")


def _run_blocks(blocks: list[Block], folder: Path) -> dict[str, str | None]:
    """Execute ``blocks`` one after another in one fresh interpreter (each in its own namespace
    and temporary working folder): ``{id: traceback or None}``."""
    (folder / "runner.py").write_text(_RUNNER, encoding="utf-8")
    (folder / "blocks.json").write_text(json.dumps([{"id": b.id, "code": b.code} for b in blocks]),
                                        encoding="utf-8")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    proc = subprocess.run([sys.executable, str(folder / "runner.py"), str(folder / "blocks.json"),
                           str(folder / "results.json")], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=1800)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return json.loads((folder / "results.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def fast_results(tmp_path_factory):
    return _run_blocks([b for b in PYTHON if b.mark is None], tmp_path_factory.mktemp("snippets"))


@pytest.fixture(scope="module")
def slow_results(tmp_path_factory):
    return _run_blocks([b for b in PYTHON if b.mark == "slow"], tmp_path_factory.mktemp("slow-snippets"))


@pytest.mark.parametrize("block", [b for b in PYTHON if b.mark is None], ids=lambda b: b.id)
def test_python_block_runs(block, fast_results):
    assert fast_results[block.id] is None, fast_results[block.id]


@pytest.mark.slow
@pytest.mark.parametrize("block", [b for b in PYTHON if b.mark == "slow"], ids=lambda b: b.id)
def test_model_loading_python_block_runs(block, slow_results):
    assert slow_results[block.id] is None, slow_results[block.id]


# -- shell commands ---------------------------------------------------------------------------


def _commands(block: Block) -> list[list[str]]:
    """The commands of a bash block: continuation lines joined, comments dropped, split at
    ``&&``, ``||``, ``;`` and ``|``; each as its whitespace-separated words."""
    text = re.sub(r"\\\n", " ", block.code)
    out = []
    for line in text.splitlines():
        line = re.sub(r"(^|\s)#.*$", "", line)
        for part in re.split(r"&&|\|\||;|\|", line):
            words = part.split()
            if words:
                out.append(words)
    return out


def _cli():
    import typer.main

    from vecleak.cli.main import app

    return typer.main.get_command(app)


def _check_vecleak(words: list[str], where: str) -> None:
    words = [w for w in words if w not in ("--quiet", "-q", "--json")]
    command, path = _cli(), ["vecleak"]
    while isinstance(getattr(command, "commands", None), dict):     # a group (typer vendors click)
        assert words, f"{where}: '{' '.join(path)}' needs a subcommand"
        sub = command.commands.get(words[0])
        assert sub is not None, f"{where}: '{' '.join(path)} {words[0]}' is not a command"
        command, path, words = sub, [*path, words[0]], words[1:]
    known = {opt for p in command.params for opt in (*p.opts, *p.secondary_opts)} | {"-h", "--help"}
    for word in words:
        if word.startswith("-") and not re.fullmatch(r"-\d.*", word):
            option = word.split("=", 1)[0]
            assert option in known, f"{where}: '{' '.join(path)}' has no option {option}"


def _check_script(script: str, words: list[str], where: str) -> None:
    path = ROOT / script
    assert path.is_file(), f"{where}: {script} does not exist"
    source = path.read_text(encoding="utf-8")
    if path.parent.name == "benchmarks" and (path.parent / "common.py").is_file():
        source += (path.parent / "common.py").read_text(encoding="utf-8")
    for word in words:
        if word.startswith("--"):
            option = word.split("=", 1)[0]
            assert f'"{option}"' in source, f"{where}: {script} takes no option {option}"


@pytest.mark.parametrize("block", BASH, ids=lambda b: b.id)
def test_shell_commands_exist(block):
    for words in _commands(block):
        head = words[0]
        if head in ("vecleak", ".venv/bin/vecleak"):
            _check_vecleak(words[1:], block.id)
        elif head in ("python", "python3", ".venv/bin/python") and len(words) > 1 and words[1].endswith(".py"):
            _check_script(words[1], words[2:], block.id)
        elif head == "bash" and len(words) > 1 and words[1].endswith(".sh"):
            assert (ROOT / words[1]).is_file(), f"{block.id}: {words[1]} does not exist"


# -- generated results ------------------------------------------------------------------------


def _docs_results():
    spec = importlib.util.spec_from_file_location("vecleak_docs_results", ROOT / "scripts" / "docs_results.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_results_pages_list_missing_results_as_not_measured(tmp_path):
    results = _docs_results()
    (tmp_path / "audit-chroma-wikiqa-minilm.json").write_text("{not json", encoding="utf-8")  # broken
    (tmp_path / "lago_speed.json").write_text(json.dumps([{"languages": 7, "shots": 10, "ieq_f32_s": 1.4}]),
                                              encoding="utf-8")
    (tmp_path / "mystery.md").write_text("# A new benchmark\n\n| a |\n|---|\n| 1 |\n", encoding="utf-8")
    pages = results.pages(tmp_path)
    assert set(pages) >= {f"results/{s.slug}.md" for s in results.SECTIONS} | {"results/index.md",
                                                                                 "results/other.md"}
    assert pages["results/lago.md"].count(results.NOT_MEASURED) == len(
        [r for s in results.SECTIONS if s.slug == "lago" for r in s.results]) - 1
    assert "| 7 | 10 | 1.400 |" in pages["results/lago.md"]
    assert "could not be read" in pages["results/audits.md"]
    assert "A new benchmark" in pages["results/other.md"], "an uncatalogued result still appears"
    assert results.NOT_MEASURED in results.embed("audit-summary", tmp_path)
    assert results.NOT_MEASURED in results.embed("ceiling-summary", tmp_path)
    assert results.assets(tmp_path) == {}
    unknown = []
    text = results.fill_placeholders("a\n<!-- results: lago_speed -->\n<!-- results: nosuch -->\n", tmp_path,
                                     unknown=unknown.append)
    assert "| 7 | 10 | 1.400 |" in text and unknown == ["nosuch"]
    text = results.fill_placeholders("Before.\n<!-- results: lago_speed -->\n\nAfter.\n", tmp_path)
    assert re.search(r"Before\.\n\n+\|", text) and re.search(r"\|\n\n+After\.", text), \
        "a table must stay a block of its own"


def test_attacker_targets_are_read_from_the_results_and_judged(tmp_path):
    results = _docs_results()
    assert results.embed("attacker-targets", tmp_path).count(results.NOT_MEASURED) == 10
    row = {"queries/record": 250.0, "chance_f1": 0.1, "chance_rouge_l": 0.1, "content_recall": 0.3}
    (tmp_path / "search_budget_minilm_wikiqa.json").write_text(json.dumps({"args": {"n": 200}, "rows": [
        {**row, "budget": 0, "token_f1": 0.31, "rouge_l": 0.25}, {**row, "budget": 500, "token_f1": 0.6, "rouge_l": 0.5},
        {**row, "budget": 5000, "token_f1": 0.9, "rouge_l": 0.9}]}))          # above the 2,000-query budget: not read
    (tmp_path / "search_budget_multilingual_deu.json").write_text(json.dumps({"args": {"n": 200}, "rows": [
        {**row, "budget": 0, "token_f1": 0.5, "rouge_l": 0.4}, {**row, "budget": 300, "token_f1": 0.44, "rouge_l": 0.4}]}))
    (tmp_path / "search_budget_multilingual_deu_1000.json").write_text(json.dumps({"args": {"n": 100}, "rows": [
        {**row, "budget": 1000, "token_f1": 0.6, "rouge_l": 0.5}]}))          # fewer records: shown, not judged
    (tmp_path / "search_budget_blackbox_usem_wikiqa.json").write_text(json.dumps({"args": {"n": 100}, "rows": [
        {**row, "budget": 0, "token_f1": 0.2, "rouge_l": 0.2}, {**row, "budget": 300, "token_f1": 0.29, "rouge_l": 0.2}]}))
    (tmp_path / "bag_of_words_wikiqa.json").write_text(json.dumps({"rows": [], "best_recall_at_precision_0.5": None}))
    table = results.embed("attacker-targets", tmp_path).splitlines()
    english, deu, black_box, words = (next(line for line in table if key in line)
                                      for key in ("known MiniLM", "deu", "black box", "bag-of-words, MiniLM"))
    assert "token F1 0.600, ROUGE-L 0.500 at budget 500" in english and "| met |" in english
    assert "0.440 at budget 300, 200 records" in deu and "| not met |" in deu, "the searched row, not the plain decode"
    assert "on fewer records: 0.600 at budget 1,000, 100 records" in deu
    assert "1.45×" in black_box and "| not met |" in black_box
    assert "no threshold reaches precision 0.50" in words and "| not met |" in words
    assert results.NOT_MEASURED in next(line for line in table if "SmolLM2 victim" in line), "a run of its own"
    assert results.embed("attacker-targets", tmp_path).count(results.NOT_MEASURED) == 6


def test_results_pages_render_every_measured_result():
    results = _docs_results()
    pages = results.pages()
    for section in results.SECTIONS:
        for result in section.results:
            if results.measured(result, results.RESULTS):
                page = pages[f"results/{section.slug}.md"]
                body = page.split(f"{{#{results._anchor(result.stem)}}}", 1)[1].split("\n## ", 1)[0]
                assert "|---" in body or "- " in body, f"{result.stem} renders no table"


def test_docs_build_strict(tmp_path):
    """The whole site, as CI builds it: API pages from the docstrings, generated results pages,
    every internal link and anchor checked (a warning fails the build)."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-f",
                           str(ROOT / "mkdocs.yml"), "-d", str(tmp_path / "site")], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-6000:] + \
        "\n(the docs extra installs MkDocs: pip install -e '.[docs]')"
    site = tmp_path / "site"
    for page in ("index.html", "audit/index.html", "api/attacks/index.html", "results/lago/index.html"):
        assert (site / page).is_file(), page
    api = (site / "api" / "configs" / "index.html").read_text(encoding="utf-8")
    assert "AuditConfig" in api, "mkdocstrings rendered no members"
    assert "<!-- results:" not in (site / "audit" / "index.html").read_text(encoding="utf-8")
