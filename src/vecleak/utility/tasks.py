"""Downstream tasks for the utility benchmark: what a defense costs a user of the embeddings.

=========  =====================================  ==============================  ===========
name       task                                   train -> test                   metric
=========  =====================================  ==============================  ===========
sst2       sentiment of one sentence              GLUE train phrases -> GLUE dev  accuracy
snli       entailment / neutral / contradiction   SNLI dev -> SNLI test           accuracy
msrp       paraphrase or not, cosine threshold    MSRP train -> MSRP test         accuracy
stsb       cosine vs gold similarity, 7 langs     (no training) -> STSb test      spearman
wikiqa     answer-sentence ranking by cosine      (no training) -> WikiQA test    mrr (+ map)
=========  =====================================  ==============================  ===========

The first four ship with the package (``vecleak/data/utility``, seeded subsets, detokenized;
see the README there). WikiQA's license (Microsoft Research Data License, no license file
came with the copy) does not let it ship: pass ``data_dir`` to a folder in the castorini
``WikiQA/`` layout (``{train,dev,test}/{a.toks,b.toks,id.txt,sim.txt}``). The same layout
works for ``msrp`` to use all of MSRP instead of the shipped subset.

Example:
    >>> data = load_task("sst2", limit=(600, 200))
    >>> len(data.train), len(data.test), data.metric
    (600, 200, 'accuracy')
"""

from __future__ import annotations

import csv
import difflib
import gzip
import io
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from vecleak.configs import UtilityConfig
from vecleak.errors import ConfigError, InputError
from vecleak.utility.detok import detokenize


@dataclass(frozen=True)
class TaskSpec:
    """What a task is: how it is scored and where its data comes from."""

    name: str
    kind: str  # "classify" | "classify-pair" | "threshold-pair" | "similarity" | "ranking"
    metric: str  # "accuracy" | "spearman" | "mrr"
    description: str
    shipped: bool = True


TASKS: dict[str, TaskSpec] = {t.name: t for t in (
    TaskSpec("sst2", "classify", "accuracy",
             "SST-2 sentiment: logistic head on one embedding; train GLUE train phrases (6,000 shipped), "
             "test the 872 GLUE dev sentences"),
    TaskSpec("snli", "classify-pair", "accuracy",
             "SNLI 3-way inference: logistic head on [u, v, |u-v|, u*v]; train on SNLI dev (SNLI train is "
             "not available; 6,000 pairs shipped), test on SNLI test (5,000 pairs shipped)"),
    TaskSpec("msrp", "threshold-pair", "accuracy",
             "MSRP paraphrase: cosine(u, v) >= threshold, the threshold tuned on train (2,000 pairs shipped); "
             "test on all 1,725 MSRP test pairs"),
    TaskSpec("stsb", "similarity", "spearman",
             "STS benchmark: Spearman between cosine and gold scores on the 1,379 test pairs, in one of "
             "en de fr nl es it pt; no training (1,000 train pairs only for fitting a defense)"),
    TaskSpec("wikiqa", "ranking", "mrr",
             "WikiQA answer selection: rank each question's candidates by cosine; MRR and MAP over questions "
             "with a correct answer; no training. Not shipped: needs data_dir", shipped=False),
)}

STSB_LANGS = ("en", "de", "fr", "nl", "es", "it", "pt")
SNLI_CLASSES = ("entailment", "neutral", "contradiction")


@dataclass(frozen=True)
class Split:
    """One split of a task; row i is one example.

    Attributes:
        texts: ``(n,)`` the sentence, the first side of a pair, or the question.
        labels: ``(n,)`` int class ids (classification, 0/1 paraphrase or relevance) or float gold scores.
        texts_b: ``(n,)`` the second side of each pair, or the candidate answer; None for one-text tasks.
        groups: ``(n,)`` int query id of each row for ranking tasks; None otherwise.
    """

    texts: list[str]
    labels: np.ndarray
    texts_b: list[str] | None = None
    groups: np.ndarray | None = None

    def __post_init__(self) -> None:
        n = len(self.texts)
        for what, col in (("labels", self.labels), ("second texts", self.texts_b), ("groups", self.groups)):
            if col is not None and len(col) != n:
                raise InputError(f"a task split has {n} texts but {len(col)} {what}; give one per text")

    def __len__(self) -> int:
        return len(self.texts)

    def all_texts(self) -> list[str]:
        """Every text the split embeds (both sides), each once, in first-seen order."""
        return list(dict.fromkeys(self.texts + (self.texts_b or [])))


@dataclass(frozen=True)
class TaskData:
    """A task's spec and its train and test splits (train may be empty: used only to fit a defense)."""

    spec: TaskSpec
    train: Split
    test: Split
    classes: tuple[str, ...] = ()
    lang: str = UtilityConfig.lang
    source: str = ""

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def metric(self) -> str:
        return self.spec.metric


Limit = int | tuple[int | None, int | None] | None


def load_task(name: str, *, limit: Limit = None, lang: str = UtilityConfig.lang,
              data_dir: str | os.PathLike[str] | None = None) -> TaskData:
    """Load a task's splits.

    Args:
        name: one of :data:`TASKS`.
        limit: keep the first n rows of every split (an int), or ``(n_train, n_test)``; for
            ``wikiqa`` n counts questions. The shipped files are in seeded random order, so
            the first n rows are a random subset.
        lang: the STSb language (``stsb`` only).
        data_dir: read ``msrp`` or ``wikiqa`` from a folder in the castorini layout instead.
    """
    spec = _spec(name)
    if lang != "en" and spec.name != "stsb":
        raise ConfigError.between("task '{task}' is English only; {lang} applies to stsb", "lang", task=spec.name)
    if lang not in STSB_LANGS:
        raise InputError(f"stsb has no language '{lang}'; use one of {', '.join(STSB_LANGS)}")
    if data_dir is not None and spec.name not in ("msrp", "wikiqa"):
        raise ConfigError.between("task '{task}' reads only its shipped data; {data_dir} applies to msrp and wikiqa",
                                  "data_dir", task=spec.name)
    n_train, n_test = limit if isinstance(limit, tuple) else (limit, limit)
    if any(n is not None and n < 0 for n in (n_train, n_test)):   # 0 is allowed: no train rows
        raise InputError(f"limit must be a number of rows >= 0, got {limit}")

    if spec.name == "wikiqa":
        if data_dir is None:
            raise ConfigError.between("wikiqa does not ship with vecleak (Microsoft Research Data License); give "
                                      "{data_dir}, a folder with {{train,test}}/{{a.toks,b.toks,id.txt,sim.txt}} "
                                      "(castorini WikiQA/)", "data_dir")
        root = Path(data_dir)
        return TaskData(spec, _castorini(root / "train", n_train, groups=True),
                        _castorini(root / "test", n_test, groups=True),
                        source=f"{root} (castorini layout, detokenized)")
    if spec.name == "msrp" and data_dir is not None:
        root = Path(data_dir)
        return TaskData(spec, _castorini(root / "train", n_train), _castorini(root / "test", n_test),
                        classes=("different", "paraphrase"), source=f"{root} (castorini layout, detokenized)")

    prefix = f"stsb-{lang}" if spec.name == "stsb" else spec.name
    train, test = (_shipped(f"{prefix}-{split}.tsv.gz", n) for split, n in (("train", n_train), ("test", n_test)))
    source = f"vecleak/data/utility/{prefix}-{{train,test}}.tsv.gz"
    if spec.name == "sst2":
        return TaskData(spec, _split(train, int), _split(test, int), ("negative", "positive"), source=source)
    if spec.name == "snli":
        return TaskData(spec, _split(train, SNLI_CLASSES.index), _split(test, SNLI_CLASSES.index),
                        SNLI_CLASSES, source=source)
    if spec.name == "msrp":
        return TaskData(spec, _split(train, int), _split(test, int), ("different", "paraphrase"), source=source)
    return TaskData(spec, _split(train, float), _split(test, float), lang=lang, source=source)


def _spec(name: str) -> TaskSpec:
    key = name.strip().lower().replace("-", "")
    if key in TASKS:
        return TASKS[key]
    close = difflib.get_close_matches(key, list(TASKS), n=2, cutoff=0.5)
    hint = f" (did you mean {' or '.join(close)}?)" if close else ""
    raise InputError(f"unknown task '{name}'{hint}; use one of {', '.join(TASKS)}")


def _shipped(filename: str, n: int | None) -> list[list[str]]:
    raw = (resources.files("vecleak.data") / "utility" / filename).read_bytes()
    rows = list(csv.reader(io.StringIO(gzip.decompress(raw).decode("utf-8")), delimiter="\t",
                           quoting=csv.QUOTE_NONE))
    return rows[:n]


def _split(rows: list[list[str]], label) -> Split:
    labels = [label(r[-1]) for r in rows]
    dtype = np.float64 if label is float else np.int64
    return Split([r[0] for r in rows], np.asarray(labels, dtype=dtype),
                 [r[1] for r in rows] if rows and len(rows[0]) == 3 else None)


def _castorini(folder: Path, n: int | None, *, groups: bool = False) -> Split:
    """``a.toks``, ``b.toks``, ``sim.txt`` (and ``id.txt``) line-aligned; n caps rows (questions if groups)."""
    cols = {}
    for f in ("a.toks", "b.toks", "sim.txt") + (("id.txt",) if groups else ()):
        if not (folder / f).is_file():
            raise InputError(f"{folder / f}: no such file; the folder needs a.toks, b.toks, sim.txt and id.txt")
        try:
            cols[f] = (folder / f).read_text(encoding="utf-8").splitlines()
        except UnicodeDecodeError:
            raise InputError(f"{folder / f}: not UTF-8 text; convert it to UTF-8") from None
    sizes = {f: len(c) for f, c in cols.items()}
    if len(set(sizes.values())) != 1:
        raise InputError(f"{folder}: files differ in length ({', '.join(f'{f} {k}' for f, k in sizes.items())}); "
                         "they must be line-aligned")
    try:
        labels = np.asarray([int(float(y)) for y in cols["sim.txt"]], dtype=np.int64)
        ids = np.unique(cols["id.txt"], return_inverse=True)[1] if groups else None
    except ValueError as err:
        raise InputError(f"{folder}: a label in sim.txt is not a number ({err})") from None
    keep = slice(None)
    if n is not None:
        if groups:
            first = list(dict.fromkeys(cols["id.txt"]))[:n]
            keep = np.isin(cols["id.txt"], first)
        else:
            keep = slice(0, n)
    a, b = np.asarray(cols["a.toks"], dtype=object)[keep], np.asarray(cols["b.toks"], dtype=object)[keep]
    return Split([detokenize(t) for t in a], labels[keep], [detokenize(t) for t in b],
                 ids[keep] if groups else None)
