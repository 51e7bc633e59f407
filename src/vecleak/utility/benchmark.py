"""What a defense costs downstream: a task's score on defended embeddings against the undefended score.

The server stores defended vectors, so a downstream user only ever sees those: the defense is
fitted (when it has ``fit``) on the task's train embeddings, then applied to every embedding
the task uses (train and test, both sides of pairs, questions and answers), and the task's head
or similarity rule runs on the result exactly as it does on the undefended vectors.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from vecleak.configs import UtilityConfig
from vecleak.encoders.base import Encoder
from vecleak.encoders.cache import encode_cached
from vecleak.errors import DimensionMismatchError, InputError, NonFiniteError
from vecleak.metrics.vector import cosine_rows
from vecleak.utility.heads import LogisticHead
from vecleak.utility.scores import (
    accuracy, best_threshold, majority_accuracy, pearson, random_mrr, ranking_scores, spearman,
)
from vecleak.utility.tasks import Limit, Split, TaskData, load_task
from vecleak.utility.transform import VectorTransform

_U = UtilityConfig()

#: Task kinds that learn from the train split (a head or a threshold).
TRAINED_KINDS = ("classify", "classify-pair", "threshold-pair")


class _Vectors:
    """Embeddings of a split's distinct texts, looked up by text: ``E (m, d)``."""

    def __init__(self, texts: list[str], E: np.ndarray) -> None:
        self.row = {t: i for i, t in enumerate(texts)}
        self.E = E

    def of(self, texts: list[str]) -> np.ndarray:
        return self.E[[self.row[t] for t in texts]]

    def replaced(self, E: np.ndarray) -> _Vectors:
        out = _Vectors([], E)
        out.row = self.row
        return out


def evaluate_utility(encoder: Encoder, task: str | TaskData, *, defense: VectorTransform | None = None,
                     cache_dir: str | os.PathLike[str] | None = None, seed: int = _U.seed,
                     limit: Limit = _U.limit, lang: str = _U.lang, data_dir: str | os.PathLike[str] | None = None,
                     refit: bool = True) -> dict[str, Any]:
    """Score ``task`` on ``encoder``'s embeddings with and without ``defense``.

    Args:
        encoder: the victim encoder; each distinct text is embedded once (and cached in
            ``cache_dir`` when given), for both runs.
        task: a name from :data:`vecleak.utility.tasks.TASKS` or a :class:`TaskData`.
        defense: any object with ``transform(E) -> E'`` and optionally ``fit(E)``; ``fit`` is
            called on the given object (it is changed, as in scikit-learn). None: no defense.
        refit: fit ``defense`` on the task's train vectors first (default). False: use it as it
            was fitted elsewhere (on a store's own vectors, say), so privacy and utility are
            measured on one fitted object.
        cache_dir: a folder for :func:`vecleak.encoders.cache.encode_cached`.
        seed: the head's held-out draw.
        limit, lang, data_dir: passed to :func:`load_task` when ``task`` is a name.

    Returns:
        ``{"task", "metric", "score", "undefended_score", "chance_score", "relative_utility",
        "utility_above_chance", "extra", "n_train", "n_test", "lang", "encoder", "defense",
        "seed", "source"}``. ``score`` is on defended vectors (equal to ``undefended_score``
        without a defense); ``chance_score`` is what vectors carrying nothing score (the
        train-majority class for classifiers and thresholds, 0 Spearman, a random ranking's
        expected MRR); ``relative_utility`` is the raw ratio ``score / undefended`` (None when
        the undefended score is not positive) and ``utility_above_chance`` the share of the
        undefended gain over chance that survives, ``(score - chance) / (undefended - chance)``
        (None when the undefended score is not above chance): read this one. ``extra`` holds the
        task's other numbers (``map`` for wikiqa, the chosen ``l2`` or ``threshold``, ...), the
        undefended ones prefixed ``undefended_``. ``n_train`` counts the examples a head or
        threshold learned from (0 for untrained tasks); ``n_test`` the scored examples
        (questions with a correct answer, for wikiqa).

    Example:
        >>> from vecleak.encoders import load_encoder
        >>> r = evaluate_utility(load_encoder("minilm"), "stsb", limit=200)  # doctest: +SKIP
        >>> r["metric"], r["relative_utility"]  # doctest: +SKIP
        ('spearman', 1.0)
    """
    if isinstance(task, TaskData):
        if limit is not None or lang != "en" or data_dir is not None:
            raise InputError("limit, lang and data_dir apply to a task name; pass them to load_task instead")
        data = task
    else:
        data = load_task(task, limit=limit, lang=lang, data_dir=data_dir)
    if defense is not None and not callable(getattr(defense, "transform", None)):
        raise InputError(f"the defense {type(defense).__name__} has no transform(E) method")
    fit = getattr(defense, "fit", None) if defense is not None and refit else None
    trained = data.spec.kind in TRAINED_KINDS
    if len(data.test) == 0 or (trained and len(data.train) == 0):
        raise InputError(f"task '{data.name}' has an empty {'test' if len(data.test) == 0 else 'train'} split; "
                         "raise the limit")

    def embed(split: Split) -> _Vectors:
        texts = split.all_texts()
        return _Vectors(texts, encode_cached(encoder, texts, cache_dir))

    if callable(fit) and len(data.train) == 0:
        raise InputError(f"the defense has fit() but task '{data.name}' has no train rows to fit it on; "
                         "raise the train limit")
    train = embed(data.train) if trained or callable(fit) else None
    test = embed(data.test)
    undefended, undefended_extra = _score(data, train, test, seed)
    chance = chance_score(data)
    score, extra = undefended, dict(undefended_extra)
    if defense is not None:
        if callable(fit):
            fit(train.E.copy())  # untrained tasks (stsb, wikiqa) have a train split for this alone
            extra_fit = {"n_defense_fit": len(train.E)}
        else:
            extra_fit = {}
        d_train = train.replaced(_defend(defense, train.E)) if train is not None else None
        d_test = test.replaced(_defend(defense, test.E))
        if d_train is not None and d_train.E.shape[1] != d_test.E.shape[1]:
            raise DimensionMismatchError(f"the defense gave {d_train.E.shape[1]}-d train vectors but "
                                         f"{d_test.E.shape[1]}-d test vectors; it must map every row alike")
        score, extra = _score(data, d_train, d_test, seed)
        extra.update(extra_fit)
    extra.update({f"undefended_{k}": v for k, v in undefended_extra.items()})
    return {
        "task": data.name,
        "metric": data.metric,
        "score": score,
        "undefended_score": undefended,
        "chance_score": chance,
        "relative_utility": score / undefended if undefended > 0 else None,   # None: no baseline to divide by
        "utility_above_chance": (score - chance) / (undefended - chance) if undefended > chance else None,
        "extra": extra,
        "n_train": len(data.train) if trained else 0,
        "n_test": extra.get("n_queries", len(data.test)),
        "lang": data.lang,
        "encoder": encoder.spec(),
        "defense": None if defense is None else (defense.spec() if hasattr(defense, "spec") else type(defense).__name__),
        "seed": seed,
        "source": data.source,
    }


def chance_score(data: TaskData) -> float:
    """The task's metric for vectors that carry nothing: the train-majority class (classify and
    threshold tasks), Spearman 0 (similarity), a random ranking's expected MRR (ranking)."""
    kind = data.spec.kind
    if kind in TRAINED_KINDS:
        return majority_accuracy(data.train.labels, data.test.labels)
    if kind == "similarity":
        return 0.0
    return random_mrr(data.test.labels, data.test.groups)


def _defend(defense: VectorTransform, E: np.ndarray) -> np.ndarray:
    out = np.asarray(defense.transform(E.copy()))  # a copy: an in-place defense must not touch the cache
    if out.ndim != 2 or len(out) != len(E):
        raise InputError(f"{type(defense).__name__}.transform turned {E.shape} vectors into {out.shape}; "
                         "it must return one row per input row")
    if not np.isfinite(out).all():
        raise NonFiniteError(f"{type(defense).__name__}.transform returned NaN or infinity")
    return out


def _score(data: TaskData, train: _Vectors | None, test: _Vectors, seed: int) -> tuple[float, dict[str, Any]]:
    """The task's metric on these vectors, and its other numbers."""
    kind, tr, te = data.spec.kind, data.train, data.test
    if kind in ("classify", "classify-pair"):
        feats = _pair_features if kind == "classify-pair" else (lambda v, s: v.of(s.texts))
        head = LogisticHead(seed=seed).fit(feats(train, tr), tr.labels)
        return accuracy(head.predict(feats(test, te)), te.labels), {"l2": head.l2_}
    if kind == "threshold-pair":
        t = best_threshold(cosine_rows(train.of(tr.texts), train.of(tr.texts_b)), tr.labels)
        pred = (cosine_rows(test.of(te.texts), test.of(te.texts_b)) >= t).astype(np.int64)
        tp = int((pred & te.labels).sum())
        f1 = 2 * tp / max(int(pred.sum() + te.labels.sum()), 1)
        return accuracy(pred, te.labels), {"threshold": t, "f1": f1}
    sims = cosine_rows(test.of(te.texts), test.of(te.texts_b))
    if kind == "similarity":
        return spearman(sims, te.labels), {"pearson": pearson(sims, te.labels)}
    r = ranking_scores(sims, te.labels, te.groups)
    return r["mrr"], {"map": r["map"], "n_queries": r["n_queries"], "n_candidates": len(te)}


def _pair_features(vectors: _Vectors, split: Split) -> np.ndarray:
    """``[u, v, |u - v|, u * v]``: ``(n, 4d)`` for the pairs of ``split``."""
    u, v = vectors.of(split.texts), vectors.of(split.texts_b)
    return np.hstack([u, v, np.abs(u - v), u * v])
