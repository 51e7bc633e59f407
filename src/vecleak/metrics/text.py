"""Text-overlap metrics between reconstructions and references, as fractions in [0, 1].

Tokenization is stated per metric:

- ROUGE-L: ``rouge-score``'s default tokenizer (lower-cased, split on non-alphanumerics,
  no stemming); the mean of per-sentence F-measures.
- BLEU: ``sacrebleu`` corpus BLEU with its ``13a`` tokenizer, lower-cased (the shipped
  decoder's vocabulary is uncased), divided by 100.
- Token precision / recall / F1: the same tokens as ROUGE-L, as multisets (clipped counts);
  precision = matched / reconstruction tokens, recall = matched / reference tokens; mean over
  sentences. Recall answers "how much of the private text leaked".
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

_TOKEN = re.compile(r"[a-z0-9]+")


def tokenize(text: str) -> list[str]:
    """Lower-case alphanumeric tokens (the ROUGE tokenization, without stemming)."""
    return _TOKEN.findall(text.lower())


def _check(hyps: Sequence[str], refs: Sequence[str]) -> None:
    if len(hyps) != len(refs):
        raise ValueError(f"{len(hyps)} reconstructions but {len(refs)} references")
    if not refs:
        raise ValueError("no sentences to score")


def rouge_l_scores(hyps: Sequence[str], refs: Sequence[str]) -> list[float]:
    """Per-sentence ROUGE-L F-measure."""
    from rouge_score import rouge_scorer

    _check(hyps, refs)
    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)
    return [scorer.score(r, h)["rougeL"].fmeasure for h, r in zip(hyps, refs)]


def rouge_l(hyps: Sequence[str], refs: Sequence[str]) -> float:
    """Mean ROUGE-L F-measure in [0, 1]."""
    scores = rouge_l_scores(hyps, refs)
    return sum(scores) / len(scores)


def bleu(hyps: Sequence[str], refs: Sequence[str]) -> float:
    """Corpus BLEU (sacrebleu, 13a, lower-cased) in [0, 1]."""
    import sacrebleu

    _check(hyps, refs)
    return sacrebleu.corpus_bleu(list(hyps), [list(refs)], lowercase=True, tokenize="13a").score / 100.0


def token_prf_scores(hyp: str, ref: str) -> tuple[float, float, float]:
    """Token (precision, recall, F1) of one reconstruction against its reference."""
    h, r = Counter(tokenize(hyp)), Counter(tokenize(ref))
    matched = sum((h & r).values())
    p = matched / sum(h.values()) if h else 0.0
    rc = matched / sum(r.values()) if r else 0.0
    f = 2 * p * rc / (p + rc) if p + rc else 0.0
    return p, rc, f


def token_prf(hyps: Sequence[str], refs: Sequence[str]) -> dict[str, float]:
    """Mean token precision, recall and F1 over sentences."""
    _check(hyps, refs)
    rows = [token_prf_scores(h, r) for h, r in zip(hyps, refs)]
    n = len(rows)
    return {"token_precision": sum(r[0] for r in rows) / n,
            "token_recall": sum(r[1] for r in rows) / n,
            "token_f1": sum(r[2] for r in rows) / n}
