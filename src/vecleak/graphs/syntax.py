"""Syntactic distance between languages from URIEL (offline), as used by LAGO's language graph.

Definition (the one that reproduces the LAGO paper's numbers):

* Data: URIEL's typological database ``features.npz`` as shipped inside the
  ``lang2vec`` wheel on PyPI (identical bytes in lang2vec 0.1.3, 1.0 and 1.1.2 and
  in URIEL+'s ``original_uriel`` copy). Only the 103 syntax features (``S_*``) are used.
* Aggregation: *union* over the syntax sources WALS, SSWL and Ethnologue, i.e. the
  elementwise maximum, exactly as ``lang2vec``'s feature set
  ``syntax_wals|syntax_sswl|syntax_ethnologue``. A feature that no source documents
  (URIEL's ``-1`` / lang2vec's ``--``) counts as ``0``.
* Distance: URIEL's normalised *angular* distance over the full 103-dimensional
  vectors, ``d(u, v) = 2 * arccos(cos(u, v)) / pi``. Feature values are non-negative,
  so ``cos`` lies in [0, 1] and ``d`` lies in [0, 1].

What it reproduces: LAGO (Fig. 3 / its distance matrix) reads eng-fra 0.46,
eng-ita 0.51, fra-ita 0.55; this definition gives 0.451, 0.517, 0.557 -- each within
0.01 of the paper, in the same order, and with the same edge structure at the paper's
thresholds (distance < r): none at r = 0.45, eng-fra at 0.47, plus eng-ita at 0.52,
complete at 0.56. The paper's numbers are not reproduced to two decimals (the
paper presumably used lang2vec's downloaded precomputed ``distances.zip``, which no
PyPI release ships); other definitions tried (cosine or angular over ``syntax_knn``,
``syntax_average``, ``syntax_wals``; shared-features-only as lang2vec's maintainer
describes and URIEL+ implements; URIEL+ 1.3.2's ``new_distance`` with and without
its integrated databases) are further off or order the three pairs differently.

Caveat inherent to the definition: counting undocumented features as 0 makes sparsely
documented languages (e.g. nld, ita, por have 71-77 of 103 features) look farther from
well documented ones and closer to each other than the typology alone would say.

The data are read with numpy straight from the installed ``lang2vec`` package
directory, without importing ``lang2vec.lang2vec`` (whose import needs
``pkg_resources``, i.e. ``setuptools<81``). They are loaded once per process
(about 0.25 s, silently) on the first call. URIEL data: CC BY-SA 4.0 (Littell et al., 2017).
"""

from __future__ import annotations

import difflib
import functools
from pathlib import Path
from typing import Sequence

import numpy as np

from vecleak.errors import InputError, UnknownLanguageError

SYNTAX_DEFINITION: str = (
    "URIEL syntax features (103 S_*; lang2vec syntax_wals|syntax_sswl|syntax_ethnologue "
    "union, undocumented=0), angular distance 2*arccos(cos)/pi"
)

_SOURCES = ("WALS", "SSWL", "ETHNO")
_PREFIX = "S_"
_EXAMPLES = "eng, deu, fra"


def _features_file() -> Path:
    """Path of URIEL's ``features.npz`` inside the installed ``lang2vec`` distribution.

    Found through the distribution's metadata, not ``find_spec``: the lang2vec wheel also
    installs a ``bin/lang2vec.py`` script, which shadows the package in console scripts.
    """
    from importlib import metadata

    try:
        dist = metadata.distribution("lang2vec")
    except metadata.PackageNotFoundError:
        raise InputError(
            "syntax distances need the lang2vec package (URIEL data): pip install lang2vec==1.1.2"
        ) from None
    path = Path(dist.locate_file("lang2vec/data/features.npz"))
    if path.is_file():
        return path
    raise InputError(
        "lang2vec is installed but has no data/features.npz; reinstall it: "
        "pip install --force-reinstall lang2vec==1.1.2"
    )


@functools.cache
def _syntax_table() -> tuple[dict[str, int], np.ndarray, frozenset[str], np.ndarray]:
    """(code -> row, unit-normalised union syntax vectors) for languages with any syntax
    data, every code URIEL lists (with or without syntax data), and per row the number
    of documented syntax features (used only to rank suggestions)."""
    with np.load(_features_file()) as db:
        feats = db["feats"]
        langs = db["langs"]
        sources = list(db["sources"])
        data = db["data"]
    feat_idx = np.array([i for i, f in enumerate(feats) if str(f).startswith(_PREFIX)])
    src_idx = np.array([sources.index(s) for s in _SOURCES])
    values = data[:, feat_idx][:, :, src_idx].astype(np.float64)  # (langs, feats, sources)
    union = values.max(axis=2)  # -1 only where no source documents the feature
    documented = (union >= 0).sum(axis=1)
    union[union < 0] = 0.0
    norms = np.linalg.norm(union, axis=1)
    keep = norms > 0  # no documented feature, or only absent ones: the vector has no direction
    unit = union[keep] / norms[keep, None]
    index = {str(code): row for row, code in enumerate(langs[keep])}
    return index, unit, frozenset(str(code) for code in langs), documented[keep]


def known_syntax_languages() -> frozenset[str]:
    """ISO 639-3 codes for which :func:`syntax_distances` is defined."""
    return frozenset(_syntax_table()[0])


def _unknown(raw: str) -> UnknownLanguageError:
    index, _, all_codes, documented = _syntax_table()
    code = raw.strip().lower()
    # difflib scores many 3-letter codes equally; among equals prefer a shared first two
    # letters, then better documented (usually better known) languages.
    candidates = difflib.get_close_matches(code, list(index), n=100)
    ratio = {c: difflib.SequenceMatcher(None, code, c).ratio() for c in candidates}
    candidates.sort(key=lambda c: (-ratio[c], c[:2] != code[:2], -int(documented[index[c]]), c))
    close = candidates[:3]
    hint = f"close matches: {', '.join(close)}; " if close else ""
    what = (
        f"URIEL has no syntax features for language {raw!r}"
        if code in all_codes
        else f"unknown language {raw!r} for syntax distances"
    )
    return UnknownLanguageError(f"{what}; {hint}give ISO 639-3 codes such as {_EXAMPLES}")


def syntax_distances(langs: Sequence[str]) -> np.ndarray:
    """Symmetric (k, k) float64 matrix of URIEL syntactic distances: zero diagonal, in [0, 1].

    ``langs`` are ISO 639-3 codes (e.g. ``["eng", "fra", "ita"]``); see the module
    docstring for the exact definition. Raises :class:`UnknownLanguageError` for a
    code URIEL has no syntax data for.
    """
    if isinstance(langs, str):
        langs = [langs]
    index, unit, _, _ = _syntax_table()
    rows = []
    for raw in langs:
        code = str(raw).strip().lower()
        if code not in index:
            raise _unknown(str(raw))
        rows.append(index[code])
    idx = np.asarray(rows, dtype=np.intp)
    vecs = unit[idx]
    cos = np.clip(vecs @ vecs.T, -1.0, 1.0)
    dist = 2.0 * np.arccos(cos) / np.pi
    dist = (dist + dist.T) / 2.0
    dist[idx[:, None] == idx[None, :]] = 0.0  # diagonal and repeated codes are exactly 0
    return np.clip(dist, 0.0, 1.0).astype(np.float64, copy=False)
