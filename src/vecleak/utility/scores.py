"""Scores of the utility tasks, on plain arrays: accuracy, threshold tuning, Spearman, MRR and MAP."""

from __future__ import annotations

import numpy as np
from scipy.stats import pearsonr, spearmanr

from vecleak.errors import InputError


def accuracy(pred: np.ndarray, gold: np.ndarray) -> float:
    """Fraction of ``pred (n,)`` equal to ``gold (n,)``."""
    pred, gold = np.asarray(pred), np.asarray(gold)
    _same_length(pred, gold)
    return float((pred == gold).mean())


def best_threshold(sims: np.ndarray, labels: np.ndarray) -> float:
    """The threshold t that makes ``sims >= t`` agree best with 0/1 ``labels``.

    Candidates are the midpoints between neighbouring distinct similarities, plus one below
    the smallest and one above the largest; ties go to the lowest threshold.
    """
    sims, labels = np.asarray(sims, dtype=np.float64), np.asarray(labels).astype(bool)
    _same_length(sims, labels)
    values = np.unique(sims)
    cands = np.concatenate([[values[0] - 1.0], (values[:-1] + values[1:]) / 2, [values[-1] + 1.0]])
    order = np.argsort(sims, kind="stable")
    s, y = sims[order], labels[order]
    # Rows below the threshold are called 0: correct ones are the negatives below plus positives at/above.
    below = np.searchsorted(s, cands, side="left")
    neg_below = np.concatenate([[0], np.cumsum(~y)])[below]
    pos_above = y.sum() - np.concatenate([[0], np.cumsum(y)])[below]
    return float(cands[int(np.argmax(neg_below + pos_above))])


def spearman(pred: np.ndarray, gold: np.ndarray) -> float:
    """Spearman rank correlation of ``pred (n,)`` and ``gold (n,)`` (ties get average ranks)."""
    pred, gold = np.asarray(pred, dtype=np.float64), np.asarray(gold, dtype=np.float64)
    _same_length(pred, gold)
    return float(spearmanr(pred, gold).statistic)


def pearson(pred: np.ndarray, gold: np.ndarray) -> float:
    """Pearson correlation of ``pred (n,)`` and ``gold (n,)``."""
    pred, gold = np.asarray(pred, dtype=np.float64), np.asarray(gold, dtype=np.float64)
    _same_length(pred, gold)
    return float(pearsonr(pred, gold).statistic)


def ranking_scores(scores: np.ndarray, relevant: np.ndarray, groups: np.ndarray) -> dict[str, float]:
    """MRR and MAP of per-query rankings.

    Each query (rows sharing a ``groups`` id) ranks its rows by ``scores`` high to low, ties
    in row order. Reciprocal rank is 1 / rank of the first relevant row; average precision is
    the mean, over the relevant rows, of precision at their ranks. Queries with no relevant
    row are left out (they have no right answer to find), as in the usual WikiQA evaluation.

    Args:
        scores: ``(n,)`` similarity of each row to its query.
        relevant: ``(n,)`` 0/1 (or bool) relevance.
        groups: ``(n,)`` query id of each row.

    Returns:
        ``{"mrr", "map", "n_queries"}``; mrr and map are NaN when no query has a relevant row.
    """
    scores, groups = np.asarray(scores, dtype=np.float64), np.asarray(groups)
    relevant = np.asarray(relevant).astype(bool)
    _same_length(scores, relevant)
    _same_length(scores, groups)
    rr, ap = [], []
    for g in np.unique(groups):
        rows = np.flatnonzero(groups == g)
        hits = relevant[rows[np.argsort(-scores[rows], kind="stable")]]
        if not hits.any():
            continue
        ranks = np.flatnonzero(hits) + 1  # 1-based ranks of the relevant rows
        rr.append(1.0 / ranks[0])
        ap.append(float(np.mean(np.arange(1, len(ranks) + 1) / ranks)))
    nan = float("nan")
    return {"mrr": float(np.mean(rr)) if rr else nan, "map": float(np.mean(ap)) if ap else nan,
            "n_queries": len(rr)}


def majority_accuracy(train_labels: np.ndarray, test_labels: np.ndarray) -> float:
    """Accuracy on ``test_labels`` of always predicting the most frequent ``train_labels`` class:
    the chance level of a classifier or threshold that learned nothing from the vectors."""
    values, counts = np.unique(np.asarray(train_labels), return_counts=True)
    if len(values) == 0:
        raise InputError("no train labels to take the majority class from")
    return float((np.asarray(test_labels) == values[int(np.argmax(counts))]).mean())


def random_mrr(relevant: np.ndarray, groups: np.ndarray) -> float:
    """Expected MRR of a uniformly random ranking of each query's rows (queries without a
    relevant row left out, as in :func:`ranking_scores`): exactly, for a query of n rows with r
    relevant, ``sum_k (1/k) C(n-k, r-1) / C(n, r)``."""
    from math import comb

    relevant, groups = np.asarray(relevant).astype(bool), np.asarray(groups)
    _same_length(relevant, groups)
    out = []
    for g in np.unique(groups):
        rows = groups == g
        n, r = int(rows.sum()), int(relevant[rows].sum())
        if r:
            out.append(sum(comb(n - k, r - 1) / k for k in range(1, n - r + 2)) / comb(n, r))
    return float(np.mean(out)) if out else float("nan")


def _same_length(a: np.ndarray, b: np.ndarray) -> None:
    if len(a) != len(b):
        raise InputError(f"scores need equal lengths, got {len(a)} and {len(b)}")
