"""Utility benchmark: what a defense costs on downstream tasks (classification, similarity, retrieval).

Layering: this package may use ``errors``, ``data``, ``encoders`` and ``metrics``; a defense is
any :class:`VectorTransform`, so nothing here imports ``vecleak.defenses``.
"""

from __future__ import annotations

from vecleak.utility.benchmark import evaluate_utility
from vecleak.utility.detok import detokenize
from vecleak.utility.heads import LogisticHead
from vecleak.utility.scores import accuracy, best_threshold, pearson, ranking_scores, spearman
from vecleak.utility.tasks import STSB_LANGS, TASKS, Split, TaskData, TaskSpec, load_task
from vecleak.utility.transform import FunctionTransform, VectorTransform

__all__ = [
    "STSB_LANGS", "TASKS", "FunctionTransform", "LogisticHead", "Split", "TaskData", "TaskSpec",
    "VectorTransform", "accuracy", "best_threshold", "detokenize", "evaluate_utility", "load_task",
    "pearson", "ranking_scores", "spearman",
]
