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


#: Per-sentence metrics (the ones with a mean over sentences), for bootstrap intervals and per-row output.
SENTENCE_METRICS = ("rouge_l", "token_f1", "token_recall", "token_precision")


def sentence_scores(reconstructions: Sequence[str], references: Sequence[str], *,
                    tokenizer: str = DEFAULT_TOKENIZER) -> dict[str, list[float]]:
    """Each sentence's ROUGE-L and token P/R/F1: ``{metric: n scores}``."""
    rouge = rouge_l_scores(reconstructions, references, tokenizer)
    prf = [token_prf_scores(h, r, tokenizer) for h, r in zip(reconstructions, references)]
    return {"rouge_l": rouge, "token_precision": [x[0] for x in prf], "token_recall": [x[1] for x in prf],
            "token_f1": [x[2] for x in prf]}


def bootstrap_ci(groups: Sequence[Sequence[float]], *, n_boot: int = 1000, level: float = 0.95,
                 seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean over groups of the per-group means.

    One group: the usual interval of a mean over sentences. Several (one per language): each
    resample draws sentences within every group, so the interval is that of a macro average.
    """
    rng = np.random.default_rng(seed)
    arrays = [np.asarray(g, dtype=np.float64) for g in groups]
    if not arrays or any(len(a) == 0 for a in arrays):
        raise ValueError("bootstrap needs at least one score in every group")
    stats = np.zeros(n_boot)
    for a in arrays:
        stats += a[rng.integers(0, len(a), size=(n_boot, len(a)))].mean(1)
    stats /= len(arrays)
    tail = (1 - level) / 2
    return float(np.quantile(stats, tail)), float(np.quantile(stats, 1 - tail))


def shuffled_references(references: Sequence[str], *, seed: int = 0,
                        groups: Sequence[str | None] | None = None) -> list[str]:
    """The references in a seeded order in which no item keeps its place (a derangement).

    ``groups`` (e.g. each row's language): shuffle only within a group, so a German output is
    scored against another German reference, not against French (which would share no word and
    put chance too low). A group of one keeps its item.
    """
    n = len(references)
    rng = np.random.default_rng(seed)
    members: dict[str | None, list[int]] = {}
    for i, g in enumerate(groups if groups is not None else [None] * n):
        members.setdefault(g, []).append(i)
    out = list(references)
    for rows in members.values():
        if len(rows) < 2:
            continue
        perm = [rows[k] for k in rng.permutation(len(rows))]
        for k in range(len(perm)):
            out[perm[k]] = references[perm[(k + 1) % len(perm)]]
    return out


def chance_metrics(reconstructions: Sequence[str], references: Sequence[str], *, seed: int = 0,
                   tokenizer: str = DEFAULT_TOKENIZER, groups: Sequence[str | None] | None = None) -> dict[str, float]:
    """The metrics of the same reconstructions against shuffled references: what an attack
    scores from generic, text-independent output (a decoder that writes one frequent sentence
    for every vector scores as much here as against the true references). ``groups``: shuffle
    within each group (each row's language), see :func:`shuffled_references`."""
    return text_metrics(reconstructions, shuffled_references(references, seed=seed, groups=groups),
                        tokenizer=tokenizer)


__all__ = [
    "CORE_METRICS", "SENTENCE_METRICS", "bootstrap_ci", "sentence_scores", "DEFAULT_TOKENIZER", "TOKENIZERS", "bleu", "chance_metrics", "check_tokenizer", "cosine_rows",
    "distinct_rate", "lcs_length", "mean_cosine", "rouge_l", "rouge_l_scores", "shuffled_references",
    "text_metrics", "token_prf", "token_prf_scores", "tokenize", "tokenizer_note",
]
