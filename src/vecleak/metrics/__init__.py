"""Attack metrics: text overlap (ROUGE-L, BLEU, token P/R/F1) and embedding cosine, fractions in [0, 1]."""

from __future__ import annotations

from collections.abc import Sequence

from vecleak.metrics.text import bleu, rouge_l, rouge_l_scores, token_prf, token_prf_scores, tokenize
from vecleak.metrics.vector import cosine_rows, mean_cosine

TEXT_METRICS_NOTE = (
    "rouge_l: rouge-score rougeL F-measure (lower-cased alphanumeric tokens, no stemming), mean over sentences; "
    "bleu: sacrebleu corpus BLEU, 13a tokens, lower-cased, /100; token_*: multiset overlap of the rouge tokens, "
    "precision over reconstruction tokens, recall over reference tokens, mean over sentences"
)


def text_metrics(reconstructions: Sequence[str], references: Sequence[str]) -> dict[str, float]:
    """ROUGE-L, BLEU and token precision / recall / F1 of reconstructions against references."""
    out = {"rouge_l": rouge_l(reconstructions, references), "bleu": bleu(reconstructions, references)}
    out.update(token_prf(reconstructions, references))
    return out


__all__ = [
    "TEXT_METRICS_NOTE", "bleu", "cosine_rows", "mean_cosine", "rouge_l", "rouge_l_scores", "text_metrics",
    "token_prf", "token_prf_scores", "tokenize",
]
