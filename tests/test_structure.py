"""Imports flow one way: every module under ``src/vecleak`` is parsed (nothing is imported) and
its imports of other vecleak modules, at the top or inside functions, form a graph.

* Between top-level packages (``vecleak.attacks``, ``vecleak.errors``, ...) the graph follows
  :data:`LAYERS`: a package imports only packages of lower layers. So there is no cycle between
  packages, and a new package, or a new import that goes up or sideways, is a decision made
  here, in the list.
* Within a package, modules form no cycle, except the back edges listed in
  :data:`KNOWN_MODULE_CYCLES` (each to be removed, not added to).

Imports under ``if TYPE_CHECKING:`` never run and are left out.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"

#: The top-level packages and modules of vecleak, lowest layer first. Each imports only those of
#: the layers before its own (never one of its own layer).
LAYERS = [
    ["errors", "reports", "seeding"],
    ["constraints", "data", "languages", "ray_runtime"],
    ["configs", "graphs", "stores"],
    ["align", "defenses", "metrics"],
    ["encoders"],
    ["classifiers", "decoders", "utility"],
    ["attacks"],
    ["frontier", "recipes"],
    ["audit"],
    ["cli"],
    ["__main__"],
]

#: Module imports inside one package that close a cycle today: (importer, imported).
KNOWN_MODULE_CYCLES = {
    # registry._load_builtin imports the package so the shipped attackers register, while the
    # package's __init__ imports the registry and every attacker module (which import the registry)
    ("vecleak.attacks.registry", "vecleak.attacks"),
}


def _modules() -> dict[str, Path]:
    """Every module's dotted name -> its file (a package is its ``__init__.py``)."""
    out = {}
    for path in sorted((SRC / "vecleak").rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _type_checking_only(tree: ast.AST) -> set[int]:
    """ids of the import nodes under ``if TYPE_CHECKING:``."""
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    return skip


def _imports(name: str, path: Path, modules: dict[str, Path]) -> dict[str, list[int]]:
    """The vecleak modules ``name`` imports -> the lines that import them. ``from X import Y``
    is an import of ``X.Y`` when that is a module, else of ``X``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    skip = _type_checking_only(tree)
    found: dict[str, list[int]] = defaultdict(list)
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            targets = [f"{source}.{alias.name}" if f"{source}.{alias.name}" in modules else source
                       for alias in node.names]
        else:
            continue
        for target in targets:
            parts = target.split(".")
            while parts and ".".join(parts) not in modules:
                parts.pop()
            if parts and ".".join(parts) != name:
                found[".".join(parts)].append(node.lineno)
    return found


def _graph() -> dict[str, dict[str, list[int]]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def _top(module: str) -> str:
    """``vecleak.attacks.base`` -> ``attacks``; the root package -> ``""``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _cycles(nodes: set[str], edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in nodes:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return found


def test_every_top_level_package_has_one_layer():
    listed = [p for layer in LAYERS for p in layer]
    present = {_top(m) for m in _modules()} - {""}
    assert len(listed) == len(set(listed)), "a package is listed in two layers"
    assert set(listed) == present, (f"not in LAYERS: {sorted(present - set(listed))}; "
                                    f"in LAYERS but gone: {sorted(set(listed) - present)}")


def test_packages_import_only_lower_layers():
    layer = {p: i for i, names in enumerate(LAYERS) for p in names}
    wrong = []
    for module, imported in _graph().items():
        for target, lines in imported.items():
            a, b = _top(module), _top(target)
            if a and b and a != b and a in layer and b in layer and layer[b] >= layer[a]:
                wrong.append(f"{module} (layer {layer[a]}) imports {target} (layer {layer[b]}) at line "
                             f"{', '.join(map(str, sorted(set(lines))))}")
    assert not wrong, "imports that go up or sideways:\n" + "\n".join(sorted(wrong))


def test_no_cycle_between_top_level_packages():
    edges: dict[str, set[str]] = defaultdict(set)
    for module, imported in _graph().items():
        for target in imported:
            if _top(module) and _top(target) and _top(module) != _top(target):
                edges[_top(module)].add(_top(target))
    assert _cycles(set(edges) | {t for ts in edges.values() for t in ts}, edges) == []


def test_the_root_package_imports_nothing_of_vecleak():
    """``import vecleak.errors`` runs ``vecleak/__init__.py`` first: it stays empty of imports."""
    assert dict(_graph()["vecleak"]) == {}


def test_no_module_cycle_within_a_package():
    graph = _graph()
    present = {(m, t) for m, ts in graph.items() for t in ts}
    gone = KNOWN_MODULE_CYCLES - present
    assert not gone, f"these imports are gone; remove them from KNOWN_MODULE_CYCLES: {sorted(gone)}"
    by_package: dict[str, set[str]] = defaultdict(set)
    for module in graph:
        by_package[_top(module)].add(module)
    edges = {m: {t for t in ts if (m, t) not in KNOWN_MODULE_CYCLES} for m, ts in graph.items()}
    cycles = [c for package, modules in sorted(by_package.items()) if package for c in _cycles(modules, edges)]
    assert not cycles, "modules that import each other (in a circle): " + "; ".join(" <-> ".join(c) for c in cycles)
