"""Retrieval utility of defended vectors: do a store's nearest neighbours survive the defense?

For a vector store that is the utility that matters. The ground truth of query ``i`` is its
``k`` nearest neighbours by cosine among the *raw* corpus vectors (itself excluded); the
defended system answers with the ``k`` nearest *defended* corpus vectors to the *defended*
query (a stochastic defense draws fresh noise for the query, as it would at query time).

* ``recall_at_k``: share of the true neighbours in the answer, mean over queries;
* ``ndcg_at_k``: binary relevance (a true neighbour is relevant), DCG with ``1 / log2(rank + 1)``,
  divided by the ideal DCG, mean over queries.

Undefended vectors score 1 on both; chance (a random answer) is ``k / (N - 1)`` for recall.

:func:`pair_retrieval` scores labelled pairs instead (STSb pairs rated >= 4, MSRP paraphrases):
query ``i`` must find its partner, corpus row ``i``, among every partner; the truth does not
depend on the raw vectors, so undefended vectors score below 1 and chance is ``k / N``.
"""

from __future__ import annotations

import numpy as np

from vecleak.data.vectors import check_vectors


def _unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, np.float64)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def top_k(queries: np.ndarray, corpus: np.ndarray, k: int, exclude: np.ndarray | None = None,
          block: int = 1024) -> np.ndarray:
    """Indices ``(q, k)`` of the ``k`` corpus rows closest by cosine to each query, best first;
    ``exclude (q,)`` is a corpus index each query may not return (itself)."""
    Q, C = _unit(queries), _unit(corpus)
    out = np.empty((len(Q), k), dtype=np.int64)
    for lo in range(0, len(Q), block):
        sims = Q[lo:lo + block] @ C.T
        if exclude is not None:
            sims[np.arange(len(sims)), exclude[lo:lo + block]] = -np.inf
        part = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(sims, part, 1), axis=1, kind="stable")
        out[lo:lo + block] = np.take_along_axis(part, order, 1)
    return out


def _row_matched(a: np.ndarray, b: np.ndarray, names: tuple[str, str], k: int, hint: str,
                 unit: str) -> tuple[np.ndarray, np.ndarray]:
    """Both arrays checked as vectors, with the same number of rows and more than ``k`` of them."""
    a = check_vectors(a, name=f"{names[0]} vectors", dtype=None)
    b = check_vectors(b, name=f"{names[1]} vectors", dtype=None)
    if len(a) != len(b):
        raise ValueError(f"{len(a)} {names[0]} but {len(b)} {names[1]} vectors; {hint}")
    if len(b) <= k:
        raise ValueError(f"retrieval@{k} needs more than {k} {unit}, got {len(b)}")
    return a, b


def neighbour_retrieval(raw: np.ndarray, defended: np.ndarray, defended_queries: np.ndarray | None = None, *,
                        queries: np.ndarray | None = None, k: int = 10) -> dict[str, float]:
    """Recall@k and nDCG@k of defended retrieval against raw neighbours.

    Args:
        raw: ``(N, d)`` undefended corpus vectors.
        defended: ``(N, d')`` the same rows defended (what the store holds).
        defended_queries: ``(q, d')`` defended query vectors (default: ``defended[queries]``,
            right for deterministic defenses; pass a second draw for a stochastic one).
        queries: ``(q,)`` corpus indices used as queries (default: every row).
        k: neighbours per query.
    """
    raw, defended = _row_matched(raw, defended, ("raw", "defended"), k, "give the same rows", "corpus vectors")
    idx = np.arange(len(raw)) if queries is None else np.asarray(queries, np.int64)
    dq = defended[idx] if defended_queries is None else np.asarray(defended_queries)
    truth = top_k(raw[idx], raw, k, exclude=idx)
    answer = top_k(dq, defended, k, exclude=idx)
    relevant = (answer[:, :, None] == truth[:, None, :]).any(2)            # (q, k)
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    ndcg = (relevant * discounts).sum(1) / discounts.sum()
    return {f"recall_at_{k}": float(relevant.mean()), f"ndcg_at_{k}": float(ndcg.mean()),
            f"chance_recall_at_{k}": k / (len(raw) - 1)}


def pair_retrieval(queries: np.ndarray, partners: np.ndarray, *, k: int = 10) -> dict[str, float]:
    """Recall@k (share of queries whose partner is in the top ``k``) and nDCG@k of labelled pairs.

    Args:
        queries: ``(n, d)`` one side of each pair.
        partners: ``(n, d)`` the other side; row ``i`` is query ``i``'s only relevant item.
        k: answers per query.
    """
    queries, partners = _row_matched(queries, partners, ("query", "partner"), k, "give one partner per query",
                                     "pairs")
    answer = top_k(queries, partners, k)
    hit = answer == np.arange(len(queries))[:, None]                       # (n, k), one True at most
    ndcg = (hit / np.log2(np.arange(2, k + 2))).sum(1)                     # ideal DCG of one relevant item: 1
    return {f"recall_at_{k}": float(hit.any(1).mean()), f"ndcg_at_{k}": float(ndcg.mean()),
            f"chance_recall_at_{k}": k / len(partners)}
