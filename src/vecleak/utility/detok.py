"""Undo Penn-Treebank-style tokenization: ``it 's a `` charming '' journey .`` -> ``it's a "charming" journey.``

SST-2, SNLI, MSRP and WikiQA come tokenized (punctuation and clitics split off by spaces,
quotes written as ``\\`\\``` and ``''``). Sentence encoders were trained on natural text, so the
shipped task data is detokenized with :func:`detokenize` once, at build time. The rules are
the usual Treebank ones and nothing more; lower-casing (SST-2, MSRP, WikiQA) is not undone.
"""

from __future__ import annotations

import re

_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), r) for p, r in (
    (r"``\s*", '"'),                                    # opening double quote attaches right
    (r"\s*''", '"'),                                    # closing double quote attaches left
    (r"(^|\s)`\s*", r"\1'"),                            # opening single quote attaches right
    (r"\s+'(?=\s|$)", "'"),                             # lone closing quote / plural possessive
    (r"(?i)\s+(n't|'s|'re|'ve|'ll|'d|'m)(?=\s|$|[.,!?;:\"'])", r"\1"),  # clitics
    (r"(?i)\b(gon|wan) na\b", r"\1na"),                 # gonna, wanna
    (r"(\w) ’ (?=\w)", r"\1’"),                        # president ’ s -> president’s
    (r"\s+(\.\.\.|[.,!?;:%)\]}])", r"\1"),              # closing punctuation attaches left
    (r"([(\[{])\s+", r"\1"),                            # opening brackets attach right
    (r"(^|\s)\$\s+(?=\d)", r"\1$"),                     # $ 2.5 -> $2.5
    (r"\s{2,}", " "),
))


def detokenize(text: str) -> str:
    """One tokenized sentence back to ordinary spacing; see the module docstring."""
    for pattern, repl in _RULES:
        text = pattern.sub(repl, text)
    return text.strip()


def wikisplit_sentences(tsv: str) -> list[str]:
    """Every sentence of a WikiSplit file's text (``complex<TAB>part <::::> part`` per line),
    detokenized: the complex sentence, then its parts, in file order (empty ones dropped)."""
    out: list[str] = []
    for line in tsv.splitlines():
        complex_, _, parts = line.partition("\t")
        out.append(detokenize(complex_))
        out.extend(detokenize(p) for p in parts.split("<::::>"))
    return [s for s in out if s]
