"""Which training rows a multilingual decoder sees, per language: temperature sampling with
upweighting, a per-language cap, and a round-robin order for validation.

Rows are dicts with a ``"lang"`` field (ISO 639-3), as ``scripts/train_multilingual_decoder.py``
reads them from a corpus's ``train.jsonl`` / ``valid.jsonl``.
"""

from __future__ import annotations

import random

from vecleak.errors import ConfigError

__all__ = ["balance", "cap_per_language", "interleave", "parse_upweight"]


def _by_language(rows: list[dict]) -> dict[str, list[dict]]:
    by_lang: dict[str, list[dict]] = {}
    for r in rows:
        by_lang.setdefault(r["lang"], []).append(r)
    return by_lang


def balance(rows: list[dict], alpha: float, seed: int = 0, upweight: dict[str, float] | None = None) -> list[dict]:
    """Temperature sampling over languages (as XLM's): language l's share of the batches becomes
    ∝ w_l · n_l^alpha instead of ∝ n_l, by repeating the rows of the smaller languages (each row
    at least once; the fractional part of a repeat factor is a seeded sample of that language's
    rows). ``alpha`` = 1 and no ``upweight`` keep the corpus as it is; w_l is ``upweight[l]``
    (default 1), and the language with the lowest repeat factor is never repeated.

    Raises :class:`~vecleak.errors.ConfigError` (an ``InputError``) when ``upweight`` names a
    language ``rows`` lack."""
    by_lang = _by_language(rows)
    upweight = upweight or {}
    unknown = sorted(set(upweight) - set(by_lang))
    if unknown:
        raise ConfigError.between("{upweight} names {unknown}, which the corpus does not have; use some of {known}",
                                  "upweight", unknown=", ".join(unknown), known=", ".join(sorted(by_lang)))
    factor = {lang: upweight.get(lang, 1.0) * len(v) ** (alpha - 1.0) for lang, v in by_lang.items()}
    low = min(factor.values())
    rng = random.Random(seed)
    out: list[dict] = []
    for lang, lang_rows in by_lang.items():
        whole, frac = divmod(factor[lang] / low, 1.0)
        out += lang_rows * int(whole) + rng.sample(lang_rows, round(frac * len(lang_rows)))
    rng.shuffle(out)
    return out


def parse_upweight(spec: str | None) -> dict[str, float]:
    """``"deu=2,ita=1.5"`` -> ``{"deu": 2.0, "ita": 1.5}``; each weight must be positive
    (:class:`~vecleak.errors.ConfigError`, an ``InputError``, otherwise)."""
    out: dict[str, float] = {}
    for item in (spec or "").split(","):
        if not item.strip():
            continue
        lang, sep, value = item.partition("=")
        try:
            weight = float(value)
        except ValueError:
            weight = float("nan")
        if not sep or not lang.strip() or not weight > 0:
            raise ConfigError.between("{upweight} {spec}: write LANG=WEIGHT pairs with positive weights, e.g. "
                                      "deu=2,ita=2", "upweight", spec=repr(spec))
        out[lang.strip()] = weight
    return out


def cap_per_language(rows: list[dict], n: int, seed: int = 0) -> list[dict]:
    """At most ``n`` rows of each language, a seeded sample; the rows' order is kept."""
    by_lang: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        by_lang.setdefault(r["lang"], []).append(i)
    rng = random.Random(seed)
    keep = {i for idx in by_lang.values() for i in (idx if len(idx) <= n else rng.sample(idx, n))}
    return [r for i, r in enumerate(rows) if i in keep]


def interleave(rows: list[dict]) -> list[dict]:
    """Round-robin over languages, so the first k validation rows cover every language."""
    by_lang = _by_language(rows)
    out, i = [], 0
    while len(out) < len(rows):
        for lang_rows in by_lang.values():
            if i < len(lang_rows):
                out.append(lang_rows[i])
        i += 1
    return out
