"""Shared helpers for the benchmark scripts: STSb sentence splits and result tables."""

from __future__ import annotations

import csv
import json
import os
import random
from pathlib import Path

import numpy as np

SHARED = Path(os.environ.get("VECLEAK_SHARED_DATA", Path(__file__).resolve().parents[1] / ".." / "shared" / "data"))
STSB = SHARED / "stsb_multi_mt"


def stsb_sentences(lang: str, split: str) -> list[str]:
    """Unique sentences of one STSb split, in file order."""
    path = STSB / f"stsb-{lang}-{split}.csv"
    if not path.is_file():
        raise SystemExit(f"{path} not found: set VECLEAK_SHARED_DATA to the shared data folder")
    seen: dict[str, None] = {}
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.reader(fh):
            for s in row[:2]:
                s = " ".join(s.split())
                if s:
                    seen.setdefault(s, None)
    return list(seen)


def sample(items: list[str], n: int, seed: int) -> list[str]:
    items = list(items)
    random.Random(seed).shuffle(items)
    return items[:n]


def write_json(path: str | os.PathLike[str], obj) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(obj, indent=2) + "\n", encoding="utf-8")


def markdown_table(rows: list[dict], columns: list[str]) -> str:
    head = "| " + " | ".join(columns) + " |\n|" + "---|" * len(columns) + "\n"

    def fmt(v) -> str:
        if isinstance(v, float):
            return f"{v:.3f}" if v == 0 or abs(v) >= 0.001 else f"{v:.0e}"     # η = 0.0001 is not 0.000
        if isinstance(v, (list, tuple)) and all(isinstance(x, float) for x in v):
            return "[" + ", ".join(f"{x:.3f}" for x in v) + "]"
        return str(v)

    return head + "".join("| " + " | ".join(fmt(r.get(c, "")) for c in columns) + " |\n" for r in rows)


def wikiqa_sentences(min_words: int = 4) -> list[str]:
    """WikiQA answer sentences (Wikipedia, lower-cased as distributed), de-tokenized and de-duplicated:
    an English domain no shipped decoder was trained on."""
    from vecleak.utility.detok import detokenize

    out: list[str] = []
    for split in ("train", "dev", "test"):
        path = SHARED / "wikiqa" / split / "b.toks"
        if not path.is_file():
            raise SystemExit(f"{path} not found: set VECLEAK_SHARED_DATA to the shared data folder")
        out += [detokenize(x.strip()) for x in path.read_text(encoding="utf-8").splitlines()]
    return [t for t in dict.fromkeys(out) if len(t.split()) >= min_words]


def wikisplit_test_sentences(min_words: int = 4) -> list[str]:
    """WikiSplit's ``test`` file (Wikipedia; its long sentences and their splits), de-tokenized and
    de-duplicated: the English domain the multilingual and English-only decoders hold out."""
    from vecleak.utility.detok import wikisplit_sentences

    path = SHARED / "wikisplit" / "test.tsv"
    if not path.is_file():
        raise SystemExit(f"{path} not found: set VECLEAK_SHARED_DATA to the shared data folder")
    return [t for t in dict.fromkeys(wikisplit_sentences(path.read_text(encoding="utf-8")))
            if len(t.split()) >= min_words]


MULTI30K_LANGUAGES = {"eng": "en", "deu": "de", "fra": "fr"}


def multi30k_sentences(lang: str, split: str) -> list[str]:
    """Multi30k task-1 image captions (Flickr30k) in ``eng`` / ``deu`` / ``fra``, de-duplicated:
    ``test`` = test_2016_flickr + val (2,014 lines), ``train`` = train (29,000). German and French
    captions are in no shipped decoder's corpus; English Flickr30k captions are (SNLI premises)."""
    import gzip

    if lang not in MULTI30K_LANGUAGES:
        raise SystemExit(f"Multi30k has {', '.join(MULTI30K_LANGUAGES)}, not '{lang}': pick one of those")
    code = MULTI30K_LANGUAGES[lang]
    files = ("test_2016_flickr", "val") if split == "test" else ("train",)
    out: list[str] = []
    for name in files:
        path = SHARED / "multi30k" / f"{name}.{code}.gz"
        if not path.is_file():
            raise SystemExit(f"{path} not found: set VECLEAK_SHARED_DATA to the shared data folder")
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            out += [" ".join(line.split()) for line in fh]
    return [t for t in dict.fromkeys(out) if t]


def wikiqa_splits(n_targets: int, shots: int, corpus_size: int, seed: int = 0) -> dict[str, list[str]]:
    """Disjoint WikiQA splits shared by the defense benchmarks: ``dev`` and ``test`` targets
    (``n_targets`` each), ``leaked`` pairs (``shots``) and the rest of a store (``corpus``)."""
    s = sample(wikiqa_sentences(), 2 * n_targets + shots + corpus_size, seed=seed)
    return {"dev": s[:n_targets], "test": s[n_targets:2 * n_targets],
            "leaked": s[2 * n_targets:2 * n_targets + shots], "corpus": s[2 * n_targets + shots:]}


def add_wikiqa_split_options(ap) -> None:
    """The ``--victim --n-targets --shots --corpus-size --threads --cache --out`` options of those benchmarks."""
    ap.add_argument("--victim", default="minilm")
    ap.add_argument("--n-targets", type=int, default=200)
    ap.add_argument("--shots", type=int, default=1000)
    ap.add_argument("--corpus-size", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--cache", default=".vecleak-cache")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results"))


def shipped_attacker_kits(victim, leaked: list[str], X_leak, aux: list[str], X_aux, emb) -> list:
    """One :class:`~vecleak.frontier.strongest.AttackerKit` per shipped decoder (``default``,
    ``multilingual``), each behind its own encoder: ``known-encoder`` when that encoder is the
    victim's, else ``<encoder>-decoder``. ``X_leak`` / ``X_aux``: the victim's vectors of
    ``leaked`` / ``aux``; ``emb(encoder, texts)`` embeds (cached)."""
    from vecleak.decoders import load_decoder
    from vecleak.encoders import load_encoder
    from vecleak.frontier.strongest import AttackerKit

    kits = []
    for name in ("default", "multilingual"):
        decoder = load_decoder(name)
        own = decoder.encoder_spec == victim.spec()
        attacker = victim if own else load_encoder(decoder.encoder_spec["name"])
        kits.append(AttackerKit(decoder, attacker, X_leak, leaked, emb(attacker, leaked), X_aux, emb(attacker, aux),
                                label="known-encoder" if own else f"{decoder.encoder_spec['name']}-decoder"))
    return kits


def pair_sets(victim, cache: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Raw ``(queries, partners)`` vectors of STSb test pairs rated >= 4 and MSRP test paraphrases."""
    from vecleak.encoders import encode_cached
    from vecleak.utility.tasks import load_task

    out = {}
    for name, keep in (("stsb", lambda y: y >= 4.0), ("msrp", lambda y: y == 1)):
        test = load_task(name).test
        rows = [i for i, y in enumerate(test.labels) if keep(y)]
        a = [test.texts[i] for i in rows]
        b = [test.texts_b[i] for i in rows]
        out[name] = (encode_cached(victim, a, cache), encode_cached(victim, b, cache))
    return out


def utilities_of(victim, pairs, tasks, cache: str):
    """``fitted defense -> {column: score}``: pair retrieval and the downstream tasks, on that object."""
    from vecleak.utility import evaluate_utility
    from vecleak.utility.retrieval import pair_retrieval

    def measure_utilities(defense) -> dict[str, float]:
        row: dict[str, float] = {}
        for name, (qa, qb) in pairs.items():
            r = pair_retrieval(defense.transform(qa), defense.transform(qb))
            row.update({f"{name}_pairs_recall": r["recall_at_10"], f"{name}_pairs_chance": r["chance_recall_at_10"]})
        for task, data in tasks.items():
            u = evaluate_utility(victim, data, defense=defense, cache_dir=cache, refit=False)
            row.update({task: u["score"], f"{task}_undefended": u["undefended_score"], f"{task}_chance": u["chance_score"],
                        f"{task}_kept": u["utility_above_chance"]})
        return row
    return measure_utilities


class DefenseBench:
    """The setting the defense benchmarks share: the victim's WikiQA splits (``test`` targets,
    ``leaked`` pairs, the defender's ``corpus`` rows), the two shipped-decoder attacker kits with
    query access to the Tatoeba aux texts, and the utilities (pair retrieval, SST-2, SNLI, STSb).

    ``args``: the options of :func:`add_wikiqa_split_options` and ``--snli-limit``.
    """

    def __init__(self, args) -> None:
        from vecleak.data.corpora import AUX_CORPUS
        from vecleak.data.records import read_texts
        from vecleak.encoders import encode_cached, load_encoder
        from vecleak.utility.tasks import load_task

        self.victim = load_encoder(args.victim)
        split = wikiqa_splits(args.n_targets, args.shots, args.corpus_size)
        self.test, self.leaked, self.corpus = split["test"], split["leaked"], split["corpus"]
        emb = lambda enc, texts: encode_cached(enc, texts, args.cache)  # noqa: E731
        self.X_test, X_leak, self.X_corpus = (emb(self.victim, t) for t in (self.test, self.leaked, self.corpus))
        self.aux = read_texts(AUX_CORPUS)
        self.kits = shipped_attacker_kits(self.victim, self.leaked, X_leak, self.aux, emb(self.victim, self.aux), emb)
        self.targets = [emb(kit.attacker, self.test) for kit in self.kits]
        tasks = {"sst2": load_task("sst2"), "snli": load_task("snli", limit=tuple(args.snli_limit)),
                 "stsb": load_task("stsb")}
        self.utilities = utilities_of(self.victim, pair_sets(self.victim, args.cache), tasks, args.cache)

    def measure(self, candidate, defense=None):
        """:func:`vecleak.frontier.sweep.measure` of one candidate (or a defense built elsewhere) in this setting."""
        from vecleak.frontier.sweep import measure

        return measure(candidate, self.kits, vectors=self.X_test, references=self.test,
                       languages=["eng"] * len(self.test), fit_vectors=self.X_corpus, corpus=self.X_corpus,
                       reference_targets=self.targets, utilities=self.utilities, defense=defense)

    def attackers(self) -> str:
        """One line naming the targets and the attackers, for a results header."""
        return (f"{len(self.test)} WikiQA test targets; strongest of {', '.join(k.label for k in self.kits)} "
                f"(few-shot, {len(self.leaked)} leaked pairs; query, {len(self.aux)} aux texts)")


def wikiqa_passages(min_words: int = 80, max_words: int = 200, splits: tuple[str, ...] = ("train", "dev", "test")
                    ) -> list[str]:
    """Passages of 80-200 words: consecutive WikiQA candidate sentences of one question (one
    Wikipedia summary), de-tokenized and joined in order, cut before a sentence would pass
    ``max_words``; a question's sentences give one passage at most. No shipped decoder saw WikiQA."""
    from vecleak.utility.detok import detokenize

    out: list[str] = []
    for split in splits:
        folder = SHARED / "wikiqa" / split
        if not (folder / "b.toks").is_file():
            raise SystemExit(f"{folder / 'b.toks'} not found: set VECLEAK_SHARED_DATA to the shared data folder")
        questions = (folder / "a.toks").read_text(encoding="utf-8").splitlines()
        sentences = (folder / "b.toks").read_text(encoding="utf-8").splitlines()
        groups: dict[str, list[str]] = {}
        for q, s in zip(questions, sentences):
            groups.setdefault(q, []).append(detokenize(s.strip()))
        for group in groups.values():
            words: list[str] = []
            for s in dict.fromkeys(group):
                if len(words) + len(s.split()) > max_words:
                    break
                words += s.split()
            if len(words) >= min_words:
                out.append(" ".join(words))
    return list(dict.fromkeys(out))
