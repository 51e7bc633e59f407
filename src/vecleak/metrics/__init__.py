"""Attack metrics: text overlap (ROUGE-L, BLEU, token P/R/F1) and embedding cosine, fractions in [0, 1]."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from vecleak.metrics.text import (
    DEFAULT_TOKENIZER, TOKENIZERS, bleu, check_tokenizer, distinct_rate, lcs_length, rouge_l, rouge_l_scores,
    token_prf, token_prf_scores, tokenize, tokenizer_note,
)
from vecleak.metrics.vector import cosine_rows, mean_cosine

#: The metric names every attack result carries at its top level (and inside ``chance``).
CORE_METRICS = ("rouge_l", "bleu", "token_f1", "token_recall", "token_precision")


def text_metrics(reconstructions: Sequence[str], references: Sequence[str], *,
                 tokenizer: str = DEFAULT_TOKENIZER) -> dict[str, float]:
    """ROUGE-L, BLEU and token precision / recall / F1 of reconstructions against references."""
    out = {"rouge_l": rouge_l(reconstructions, references, tokenizer),
           "bleu": bleu(reconstructions, references, tokenizer)}
    out.update(token_prf(reconstructions, references, tokenizer))
    return out


def shuffled_references(references: Sequence[str], *, seed: int = 0) -> list[str]:
    """The references in a seeded order in which no item keeps its place (a derangement)."""
    n = len(references)
    if n < 2:
        return list(references)
    perm = np.random.default_rng(seed).permutation(n)
    out = [""] * n
    for i in range(n):
        out[perm[i]] = references[perm[(i + 1) % n]]
    return out


def chance_metrics(reconstructions: Sequence[str], references: Sequence[str], *, seed: int = 0,
                   tokenizer: str = DEFAULT_TOKENIZER) -> dict[str, float]:
    """The metrics of the same reconstructions against shuffled references: what an attack
    scores from generic, text-independent output (a decoder that writes one frequent sentence
    for every vector scores as much here as against the true references)."""
    return text_metrics(reconstructions, shuffled_references(references, seed=seed), tokenizer=tokenizer)


__all__ = [
    "CORE_METRICS", "DEFAULT_TOKENIZER", "TOKENIZERS", "bleu", "chance_metrics", "check_tokenizer", "cosine_rows",
    "distinct_rate", "lcs_length", "mean_cosine", "rouge_l", "rouge_l_scores", "shuffled_references",
    "text_metrics", "token_prf", "token_prf_scores", "tokenize", "tokenizer_note",
]
