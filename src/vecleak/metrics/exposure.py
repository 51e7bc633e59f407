"""Leakage in the terms a data owner reads: content words and sensitive parts recovered.

* **Content words**: the reference's word tokens (the metrics' Unicode tokenizer) minus
  function words (:data:`FUNCTION_WORDS`: articles, pronouns, prepositions, conjunctions and
  auxiliaries of the seven attack languages, written out here, and one-character tokens).
  ``content_recall`` is the share of a record's distinct content words found in its
  reconstruction; ``half_recovered`` the share of records with at least half of them.
* **Sensitive parts** (:func:`sensitive_parts`), each reported as
  "found in the reconstruction / present in the original", summed over records:
  ``numbers`` (digit runs, ``3``, ``1,250.5``), ``dates`` (ISO and numeric dates, and month
  names of the seven languages with an optional day and year), ``emails``, and
  ``capitalized`` words not at a sentence start (names, places; in German every noun is
  capitalized, so read this row as "capitalized nouns" there). A part counts as found when
  the reconstruction contains it as a whole word, case-insensitive and spaces normalized. Names
  too: several decoders write lower case only (the English ``default``), and "paris" rebuilt
  from a vector of "... in Paris" is the name leaking, so case never hides a name.

Every number has a chance level: the same reconstructions against shuffled references.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from vecleak.metrics.text import tokenize

_FUNCTION_WORDS = {
    "eng": "a an the and or but if of to in on at by for with from as into onto over under about than then so "
           "is are was were be been being am do does did have has had will would can could should may might must "
           "i you he she it we they me him her us them my your his its our their this that these those there here "
           "not no what which who whom whose when where why how all some any each one s t",
    "deu": "der die das den dem des ein eine einen einem einer eines und oder aber wenn von zu in im an am auf aus "
           "bei mit nach für über unter um als wie so ist sind war waren sein bin bist hat haben hatte wird werden "
           "kann können ich du er sie es wir ihr mich dich sich uns euch mein dein sein ihr unser nicht kein keine "
           "was wer wo wann warum wie dass diese dieser dieses dem den zum zur vom beim",
    "fra": "le la les l un une des du de d et ou mais si à au aux en dans sur sous par pour avec sans que qui quoi "
           "est sont était être ai as a avons avez ont fait je tu il elle on nous vous ils elles me te se moi toi "
           "lui leur mon ma mes ton ta tes son sa ses notre votre ce cet cette ces ne pas n s y c qu",
    "spa": "el la los las lo un una unos unas y o pero si de del a al en por para con sin sobre entre que quien "
           "como cuando donde es son era eran ser estar está están ha han he fue yo tú él ella nosotros vosotros "
           "ellos ellas me te se nos os le les mi tu su sus nuestro este esta estos estas ese esa no",
    "ita": "il lo la i gli le l un uno una e o ma se di del della dei delle a al alla ai in nel nella su sul sulla "
           "da dal per con tra fra che chi come quando dove è sono era erano essere ha hanno ho io tu lui lei noi "
           "voi loro mi ti si ci vi mio tuo suo nostro questo questa quello quella non",
    "nld": "de het een en of maar als van te in op aan bij met naar voor over onder uit door om dan dat die dit deze "
           "is zijn was waren ben bent heeft hebben had wordt worden kan kunnen ik jij je hij zij ze het wij we jullie "
           "mij me hem haar ons hun mijn jouw zijn niet geen wat wie waar wanneer waarom hoe er",
    "por": "o a os as um uma uns umas e ou mas se de do da dos das em no na nos nas por pelo pela para com sem sobre "
           "que quem como quando onde é são era eram ser estar está estão foi tem têm eu tu ele ela nós vós eles elas "
           "me te se nos lhe lhes meu minha seu sua nosso este esta esse essa isso não",
}
#: Function words per ISO 639-3 language; other languages use the union of all of them.
FUNCTION_WORDS: dict[str, frozenset[str]] = {k: frozenset(v.split()) for k, v in _FUNCTION_WORDS.items()}
_ALL_FUNCTION_WORDS = frozenset().union(*FUNCTION_WORDS.values())

_MONTHS = ("january february march april may june july august september october november december "
           "jan feb mar apr jun jul aug sep sept oct nov dec "
           "januar februar märz april mai juni juli august september oktober november dezember "
           "janvier février mars avril mai juin juillet août septembre octobre novembre décembre "
           "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre "
           "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre "
           "januari februari maart april mei juni juli augustus september oktober november december "
           "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro").split()
_MONTH_SET = frozenset(_MONTHS)
_MONTH = "|".join(sorted(set(_MONTHS), key=len, reverse=True))
_DAY, _YEAR = r"\d{1,2}", r"\d{4}"
_PATTERNS = {
    "emails": re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    # a month name is a date only beside a day or a year ("12 March", "March 12, 2024", "3 de mayo de 2021"),
    # so the verb "may" and a bare "Jan" are not
    "dates": re.compile(
        rf"\b{_YEAR}-\d{{1,2}}-\d{{1,2}}\b|\b{_DAY}[/.]{_DAY}[/.](?:{_YEAR}|\d{{2}})\b"
        rf"|\b{_DAY}\.?\s+(?:de\s+)?(?:{_MONTH})\b(?:,?\s+(?:de\s+)?{_YEAR}\b)?"
        rf"|\b(?:{_MONTH})\.?\s+(?:{_DAY}\b(?:,?\s+{_YEAR}\b)?|(?:de\s+)?{_YEAR}\b)",
        re.IGNORECASE),
    "numbers": re.compile(r"\d+(?:[.,]\d+)*"),
}
_WORD = re.compile(r"\b[^\W\d_]+")
_SENTENCE_START = re.compile(r"(?:^|[.!?¿¡]\s+)$")
#: A word with combining marks (NFD text keeps accents as separate code points).
_SEGMENT = re.compile(r"(?:[^\W_]|[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f])+")
SENSITIVE_KINDS = ("numbers", "dates", "emails", "capitalized")


def function_words(lang: str | None) -> frozenset[str]:
    """The function words of ``lang`` (ISO 639-3), or of all seven languages when unknown."""
    return FUNCTION_WORDS.get(lang or "", _ALL_FUNCTION_WORDS)


def content_words(text: str, lang: str | None = None) -> set[str]:
    """Distinct lower-cased word tokens of ``text`` that are not function words or single characters."""
    stop = function_words(lang)
    return {t for t in tokenize(text) if len(t) > 1 and t not in stop}


def content_recall(reconstruction: str, reference: str, lang: str | None = None) -> float | None:
    """Share of ``reference``'s content words found in ``reconstruction`` (``None`` if it has none)."""
    ref = content_words(reference, lang)
    if not ref:
        return None
    return len(ref & set(tokenize(reconstruction))) / len(ref)


def sensitive_parts(text: str) -> dict[str, list[str]]:
    """The sensitive parts of ``text`` by kind (see the module docstring)."""
    out = {kind: [m.group(0).strip() for m in pattern.finditer(text)] for kind, pattern in _PATTERNS.items()}
    emails = " ".join(out["emails"])
    out["capitalized"] = [w for m in _WORD.finditer(text) if (w := m.group(0))[0].isupper()
                          and not _SENTENCE_START.search(text[:m.start()])
                          and w.lower() not in _ALL_FUNCTION_WORDS and w.lower() not in _MONTH_SET and w not in emails]
    return out


def _found(part: str, reconstruction: str) -> bool:
    """Whether ``reconstruction`` contains ``part`` as a whole (never inside a longer word or
    number), case-insensitive and spaces normalized."""
    part, reconstruction = " ".join(part.lower().split()), " ".join(reconstruction.lower().split())
    return re.search(rf"(?<![\w]){re.escape(part)}(?![\w]|[.,]\d)", reconstruction) is not None


def record_exposure(reconstruction: str, reference: str, lang: str | None = None) -> dict[str, Any]:
    """One record's exposure: its ``content_recall`` (``None`` without content words) and, per
    sensitive kind, the parts ``found`` in the reconstruction and those ``missed``."""
    parts = {}
    for kind, items in sensitive_parts(reference).items():
        hit = [_found(x, reconstruction) for x in items]
        parts[kind] = {"found": [x for x, h in zip(items, hit) if h], "missed": [x for x, h in zip(items, hit) if not h]}
    return {"content_recall": content_recall(reconstruction, reference, lang), "sensitive": parts}


def exposure(reconstructions: Sequence[str], references: Sequence[str],
             languages: Sequence[str | None] | None = None) -> dict[str, Any]:
    """Data-owner leakage of ``n`` reconstructions: content-word recall, the share of records with
    at least half of their content words recovered, and sensitive-part recovery by kind
    (``{"found": f, "present": p, "rate": f / p or None}``). Also ``per_record`` content recall."""
    if len(reconstructions) != len(references):
        raise ValueError(f"{len(reconstructions)} reconstructions but {len(references)} references")
    langs = list(languages) if languages is not None else [None] * len(references)
    records = [record_exposure(h, r, lang) for h, r, lang in zip(reconstructions, references, langs)]
    per = [rec["content_recall"] for rec in records]
    scored = [p for p in per if p is not None]
    parts = {k: {"found": 0, "present": 0} for k in SENSITIVE_KINDS}
    for rec in records:
        for kind, got in rec["sensitive"].items():
            parts[kind]["present"] += len(got["found"]) + len(got["missed"])
            parts[kind]["found"] += len(got["found"])
    for counts in parts.values():
        counts["rate"] = counts["found"] / counts["present"] if counts["present"] else None
    return {
        "content_recall": sum(scored) / len(scored) if scored else 0.0,
        "half_recovered": sum(p >= 0.5 for p in scored) / len(scored) if scored else 0.0,
        "sensitive": parts,
        "per_record": per,
    }


def highlight(reference: str, reconstruction: str, lang: str | None = None) -> list[tuple[str, bool]]:
    """``reference`` cut into ``(segment, recovered)`` pieces: a content word is ``recovered`` when
    the reconstruction contains it. Joining the segments gives the reference back (in its own
    Unicode normalization: a decomposed accent stays inside its word)."""
    found = content_words(reference, lang) & set(tokenize(reconstruction))
    pieces: list[tuple[str, bool]] = []
    pos = 0
    for m in _SEGMENT.finditer(reference):
        if m.start() > pos:
            pieces.append((reference[pos:m.start()], False))
        tokens = tokenize(m.group(0))
        pieces.append((m.group(0), len(tokens) == 1 and tokens[0] in found))
        pos = m.end()
    if pos < len(reference):
        pieces.append((reference[pos:], False))
    return pieces
