"""Text-overlap metrics between reconstructions and references, as fractions in [0, 1].

Two word tokenizers, named in every result's ``settings``:

- ``"unicode"`` (default): NFC, lower-cased, tokens are runs of Unicode letters and digits
  (accents kept: ``Größe`` is one token); scripts written without spaces (Han, kana, Thai,
  Lao, Khmer, Myanmar) give one token per character, as multilingual ROUGE/BLEU variants do.
- ``"rouge-score"``: rouge-score's default (lower-cased ASCII ``[a-z0-9]+``, which splits
  ``Größe`` into ``gr``, ``e``), for comparison with published English numbers.

Metrics:

- ROUGE-L: F-measure of the longest common subsequence of the two token lists, mean over
  sentences; with ``"rouge-score"`` tokens it equals rouge-score's ``rougeL`` (tested).
- BLEU: sacrebleu corpus BLEU, lower-cased, divided by 100; tokenizer ``intl`` (Unicode
  punctuation and symbols) with ``"unicode"`` and ``13a`` with ``"rouge-score"``.
- Token precision / recall / F1: the same tokens as multisets (clipped counts); precision =
  matched / reconstruction tokens, recall = matched / reference tokens; mean over sentences.
  Recall answers "how much of the private text leaked".
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence

from vecleak.configs import DEFAULT_TOKENIZER, TOKENIZERS  # noqa: F401  (names every metric accepts; home: configs)
from vecleak.errors import InputError

_ASCII_TOKEN = re.compile(r"[a-z0-9]+")
_NO_SPACE = ("\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0e7f\u0e80-\u0eff"
             "\u1000-\u109f\u1780-\u17ff\U00020000-\U0002ebef")
_UNICODE_TOKEN = re.compile(rf"[{_NO_SPACE}]|[^\W_{_NO_SPACE}]+")
_BLEU_TOKENIZER = {"unicode": "intl", "rouge-score": "13a"}


def check_tokenizer(name: str) -> str:
    """``name`` if it is a known tokenizer; else an :class:`InputError` (a ``ValueError``) naming the choices."""
    if name not in TOKENIZERS:
        raise InputError(f"unknown tokenizer '{name}'; use one of {', '.join(TOKENIZERS)}")
    return name


def tokenize(text: str, tokenizer: str = DEFAULT_TOKENIZER) -> list[str]:
    """Lower-cased word tokens of ``text`` (see the module docstring for the two tokenizers)."""
    if check_tokenizer(tokenizer) == "rouge-score":
        return _ASCII_TOKEN.findall(text.lower())
    return _UNICODE_TOKEN.findall(unicodedata.normalize("NFC", text).lower())


def tokenizer_note(tokenizer: str = DEFAULT_TOKENIZER) -> str:
    """One line that says how the metrics were tokenized (recorded in ``settings``)."""
    words = ("Unicode letter/digit runs, NFC, lower-cased, accents kept, one token per character in "
             "scripts without spaces" if tokenizer == "unicode" else "rouge-score's lower-cased ASCII [a-z0-9]+")
    return (f"tokens: {words}; rouge_l: LCS F-measure, mean over sentences; bleu: sacrebleu corpus BLEU, "
            f"{_BLEU_TOKENIZER[tokenizer]}, lower-cased, /100; token_*: multiset overlap, precision over "
            "reconstruction tokens, recall over reference tokens, mean over sentences")


def _check(hyps: Sequence[str], refs: Sequence[str]) -> None:
    if len(hyps) != len(refs):
        raise ValueError(f"{len(hyps)} reconstructions but {len(refs)} references")
    if not refs:
        raise ValueError("no sentences to score")


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence of two token lists."""
    if len(a) < len(b):
        a, b = b, a
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b, 1):
            cur.append(prev[j - 1] + 1 if x == y else max(prev[j], cur[j - 1]))
        prev = cur
    return prev[-1]


def rouge_l_pair(hyp: str, ref: str, tokenizer: str = DEFAULT_TOKENIZER) -> float:
    """ROUGE-L F-measure of one reconstruction against its reference (0 if either has no token)."""
    h, r = tokenize(hyp, tokenizer), tokenize(ref, tokenizer)
    if not h or not r:
        return 0.0
    lcs = lcs_length(h, r)
    if lcs == 0:
        return 0.0
    p, rc = lcs / len(h), lcs / len(r)
    return 2 * p * rc / (p + rc)


def rouge_l_scores(hyps: Sequence[str], refs: Sequence[str], tokenizer: str = DEFAULT_TOKENIZER) -> list[float]:
    """Per-sentence ROUGE-L F-measure."""
    _check(hyps, refs)
    return [rouge_l_pair(h, r, tokenizer) for h, r in zip(hyps, refs)]


def rouge_l(hyps: Sequence[str], refs: Sequence[str], tokenizer: str = DEFAULT_TOKENIZER) -> float:
    """Mean ROUGE-L F-measure in [0, 1]."""
    scores = rouge_l_scores(hyps, refs, tokenizer)
    return sum(scores) / len(scores)


def bleu(hyps: Sequence[str], refs: Sequence[str], tokenizer: str = DEFAULT_TOKENIZER) -> float:
    """Corpus BLEU (sacrebleu, lower-cased) in [0, 1]."""
    import sacrebleu

    _check(hyps, refs)
    return sacrebleu.corpus_bleu(list(hyps), [list(refs)], lowercase=True,
                                 tokenize=_BLEU_TOKENIZER[check_tokenizer(tokenizer)]).score / 100.0


def token_prf_scores(hyp: str, ref: str, tokenizer: str = DEFAULT_TOKENIZER) -> tuple[float, float, float]:
    """Token (precision, recall, F1) of one reconstruction against its reference."""
    h, r = Counter(tokenize(hyp, tokenizer)), Counter(tokenize(ref, tokenizer))
    matched = sum((h & r).values())
    p = matched / sum(h.values()) if h else 0.0
    rc = matched / sum(r.values()) if r else 0.0
    f = 2 * p * rc / (p + rc) if p + rc else 0.0
    return p, rc, f


def token_prf(hyps: Sequence[str], refs: Sequence[str], tokenizer: str = DEFAULT_TOKENIZER) -> dict[str, float]:
    """Mean token precision, recall and F1 over sentences."""
    _check(hyps, refs)
    rows = [token_prf_scores(h, r, tokenizer) for h, r in zip(hyps, refs)]
    n = len(rows)
    return {"token_precision": sum(r[0] for r in rows) / n,
            "token_recall": sum(r[1] for r in rows) / n,
            "token_f1": sum(r[2] for r in rows) / n}


def distinct_rate(hyps: Sequence[str]) -> float:
    """Share of distinct reconstructions (1.0: every output differs; 1/n: one sentence for all)."""
    if not hyps:
        raise ValueError("no reconstructions")
    return len({" ".join(h.split()).lower() for h in hyps}) / len(hyps)
