"""MkDocs hooks: the results pages and tables, generated from ``benchmarks/results/``.

``scripts/docs_results.py`` renders them; this hook adds its pages to the build in memory
(nothing is written into ``docs/``) and replaces every ``<!-- results: NAME -->`` line of a
hand-written page with the table it names. An unknown name is a warning, so ``mkdocs build
--strict`` fails on it; a known result whose files are missing reads "not measured yet".
"""

from __future__ import annotations

import importlib.util
import logging
import re
import sys
from pathlib import Path

from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger("mkdocs.hooks.results")


def _load_results_module():
    path = ROOT / "scripts" / "docs_results.py"
    spec = importlib.util.spec_from_file_location("vecleak_docs_results", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module          # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


results = _load_results_module()


def on_files(files, config):
    """Add the generated results pages, images and report pages (replacing stale copies)."""
    generated = {**results.pages(), **results.assets()}
    for path, content in generated.items():
        stale = files.get_file_from_path(path)
        if stale is not None:
            files.remove(stale)
        if isinstance(content, Path):
            files.append(File.generated(config, path, abs_src_path=str(content)))
        else:
            files.append(File.generated(config, path, content=content))
    return files


def on_page_markdown(markdown, page, config, files):
    """Fill the ``<!-- results: NAME -->`` placeholders of a hand-written page."""
    depth = page.file.src_uri.count("/")
    prefix = "../" * depth + f"{results.PAGE_DIR}/"

    def unknown(name: str) -> None:
        log.warning("%s: '<!-- results: %s -->' names no result or summary of scripts/docs_results.py",
                    page.file.src_uri, name)

    return results.fill_placeholders(markdown, link_prefix=prefix, unknown=unknown)


#: A Sphinx role left in a docstring (``:class:`~a.b.C```), as Markdown renders it.
_ROLE = re.compile(r":(?:class|func|meth|mod|data|attr|exc|obj):<code>(~?)([^<]*)</code>")


def on_page_content(html, page, config, files):
    """The API pages: show ``:class:`~a.b.C``` from the docstrings as ``C`` (the name, as Sphinx
    would), not as the role's literal text."""
    def name(match: re.Match[str]) -> str:
        target = match.group(2)
        return f"<code>{target.rsplit('.', 1)[-1] if match.group(1) else target}</code>"

    return _ROLE.sub(name, html) if ":<code>" in html else html
