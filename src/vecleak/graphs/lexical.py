"""Lexical distance between languages: ASJP LDND on the 40-item ASJP word lists.

Definition (LDND of Bakker et al. 2009, "Adding typology to lexicostatistics", as computed
by the ASJP program ``asjp62`` -- see https://asjp.clld.org/help -- and by the LDND code
of the ASJP project's InteractiveASJP, ``ASJP_LDND.R``):

* Each word is a sequence of ASJPcode segments. ``LDN(a, b) = lev(a, b) / max(|a|, |b|)``,
  the Levenshtein distance (unit costs) divided by the length of the longer word, both
  counted in segments.
* The ``LDN`` between two *items* (meanings) of two lists is the mean of ``LDN`` over all
  pairs of their synonyms (``synonyms="mean"``, the ASJP default: "if a list has two
  synonymous words for a given item, both are used and the distance is the average");
  ``synonyms="min"`` takes the smallest instead. With "mean" a list that has synonyms is
  not at distance 0 from itself; :func:`asjp_distances` sets the diagonal to 0.
* ``LDN_same`` = mean, over the meanings attested in both lists, of the ``LDN`` between
  the two lists' words for that meaning.
* ``LDN_diff`` = mean, over all pairs (i in list A, j in list B, i != j) of attested
  meanings, of the ``LDN`` between A's word for i and B's word for j: the similarity
  expected by chance from the two sound inventories and word lengths.
* ``LDND = LDN_same / LDN_diff``: about 1.0 for unrelated languages, lower for related
  ones. ``asjp62x`` prints 100 * LDND, hence thresholds such as 90.

Transcription conventions (ASJPcode, Brown et al. 2008), applied to every form:

* A form starting with ``%`` is a loanword and is ignored, as by ``asjp62`` with the
  database's default settings; a meaning whose only forms are loans counts as
  unattested. ``XXX`` means unattested. Synonyms are separated by commas; spaces inside
  a phrase are ignored.
* Modifiers build segments rather than being dropped, as in InteractiveASJP's
  ``ASJP_prepare_data.R``: ``*`` (nasalised) and ``"`` (glottalised) join the preceding
  symbol into one segment, ``~`` joins the two preceding symbols and ``$`` the three
  preceding symbols into one segment (``~`` and ``$`` themselves are not counted).
  So ``pw~aso*`` has 4 segments: ``pw a s o*``.

The shipped table (``data/asjp_wordlists.tsv``, ASJP Database v18, CC BY 4.0, see
``data/ASJP_LICENSE.md``) covers only eng, deu, fra, nld, spa, ita and por.
"""

from __future__ import annotations

import csv
import difflib
import functools
import io
from collections.abc import Mapping, Sequence
from importlib import resources
from itertools import product

import numpy as np

from vecleak.errors import InputError, UnknownLanguageError

__all__ = ["ASJP_DEFINITION", "asjp_distances", "asjp_segments", "known_languages", "ldnd", "levenshtein"]

ASJP_DEFINITION = (
    "ASJP LDND (Bakker et al. 2009): mean normalised Levenshtein distance between same-meaning "
    "words of the 40-item ASJP v18 lists divided by the mean between different-meaning words "
    "(loans excluded, synonyms averaged, ASJP modifiers merged into segments); ~1 = unrelated"
)

_TABLE = "data/asjp_wordlists.tsv"
_MERGE = {'"': 1, "*": 1, "~": 2, "$": 3}  # modifier -> how many preceding segments form one segment
# ISO 639-1 codes people type instead of ISO 639-3 (used only to suggest the right code).
_ISO1 = {"en": "eng", "de": "deu", "fr": "fra", "nl": "nld", "es": "spa", "it": "ita", "pt": "por"}


def levenshtein(a: Sequence, b: Sequence) -> int:
    """Edit distance with unit insert/delete/substitute costs between two sequences."""
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


def asjp_segments(form: str) -> tuple[str, ...]:
    """Split one ASJPcode form into segments (spaces dropped, modifiers merge symbols)."""
    segs: list[str] = []
    for ch in form:
        if ch.isspace():
            continue
        n = _MERGE.get(ch)
        if n is None:
            segs.append(ch)
        elif len(segs) >= n:
            merged = "".join(segs[-n:]) + (ch if n == 1 else "")
            del segs[-n:]
            segs.append(merged)
    return tuple(segs)


def _clean(forms: Sequence[str]) -> list[tuple[str, ...]]:
    """Segment the non-loan, attested forms of one meaning (commas inside a form split it too)."""
    if isinstance(forms, str):
        forms = [forms]
    out = []
    for form in forms:
        for word in str(form).split(","):
            word = word.strip()
            if word and word != "XXX" and not word.startswith("%"):
                segs = asjp_segments(word)
                if segs:
                    out.append(segs)
    return out


def _ldn(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    return levenshtein(a, b) / max(len(a), len(b))


def ldnd(list_a: Mapping[str, list[str]], list_b: Mapping[str, list[str]], *, synonyms: str = "mean") -> float:
    """LDND between two word lists (meaning -> ASJPcode forms); see the module docstring.

    ``synonyms`` is ``"mean"`` (ASJP software) or ``"min"``: how the LDN of two meanings
    is taken from the LDNs of their synonym pairs.
    """
    if synonyms not in ("mean", "min"):
        raise InputError(f"synonyms must be 'mean' or 'min', not {synonyms!r}")
    agg = min if synonyms == "min" else (lambda xs: sum(xs) / len(xs))
    a = {m: w for m, forms in list_a.items() if (w := _clean(forms))}
    b = {m: w for m, forms in list_b.items() if (w := _clean(forms))}
    shared = [m for m in a if m in b]
    if not shared:
        raise InputError("the two word lists share no attested meaning; LDND is undefined")

    def item(wa: list[tuple[str, ...]], wb: list[tuple[str, ...]]) -> float:
        return agg([_ldn(x, y) for x, y in product(wa, wb)])

    same = sum(item(a[m], b[m]) for m in shared) / len(shared)
    diff = [item(wa, wb) for (ma, wa), (mb, wb) in product(a.items(), b.items()) if ma != mb]
    if not diff or sum(diff) == 0:
        raise InputError("LDND needs words for at least two different meanings that are not all identical")
    return same / (sum(diff) / len(diff))


@functools.cache
def _wordlists() -> dict[str, dict[str, list[str]]]:
    text = resources.files("vecleak.graphs").joinpath(_TABLE).read_text(encoding="utf-8")
    lists: dict[str, dict[str, list[str]]] = {}
    for row in csv.DictReader(io.StringIO(text), delimiter="\t"):
        lists.setdefault(row["iso"], {})[row["meaning"]] = [f.strip() for f in row["forms"].split(",")]
    return lists


def known_languages() -> list[str]:
    """ISO 639-3 codes the shipped ASJP table has."""
    return sorted(_wordlists())


@functools.cache
def _pair(a: str, b: str) -> float:
    lists = _wordlists()
    return ldnd(lists[a], lists[b])


def _check(raw: str) -> str:
    known = known_languages()
    code = str(raw).strip().lower()
    if code in known:
        return code
    close = [_ISO1[code]] if code in _ISO1 else []
    close += [c for c in difflib.get_close_matches(code, known, n=3, cutoff=0.5) if c not in close]
    hint = f"close matches: {', '.join(close)}; " if close else ""
    raise UnknownLanguageError(
        f"unknown language {raw!r} for ASJP lexical distances; {hint}the shipped ASJP table has only "
        f"{', '.join(known)} (ISO 639-3); use the syntax distance instead of asjp for other languages"
    )


def asjp_distances(langs: Sequence[str]) -> np.ndarray:
    """Symmetric (k, k) float64 matrix of ASJP LDND between ``langs``, zero diagonal.

    ``langs`` are ISO 639-3 codes (e.g. ``["eng", "fra", "ita"]``) from :func:`known_languages`;
    see the module docstring for the definition. Raises :class:`UnknownLanguageError` otherwise.
    """
    if isinstance(langs, str):
        langs = [langs]
    codes = [_check(c) for c in langs]
    k = len(codes)
    d = np.zeros((k, k), dtype=np.float64)
    for i in range(k):
        for j in range(i + 1, k):
            if codes[i] != codes[j]:
                d[i, j] = d[j, i] = _pair(*sorted((codes[i], codes[j])))
    return d
