"""The ``bag-of-words`` attacker: which words a vector holds, precision against recall, beside chance.

The shipped MiniLM word reader (``words-minilm``) reads MiniLM vectors of text it was not trained
on, directly (known encoder) or behind a ridge alignment from another encoder's space (``--victim
use-multilingual --shots 1000``: the attacker holds MiniLM and leaked pairs). Scored on distinct
words: ``word_*`` over every word of the reference that the reader's vocabulary holds, and
``content_recall`` over the reference's content words (all of them, in or out of the
vocabulary: what a data owner loses). Chance: the same predicted sets against shuffled
references. A row per threshold, and the reader's calibrated one marked.

    .venv/bin/python benchmarks/bag_of_words.py --corpus wikiqa --n 200 --out benchmarks/results/bag_of_words_wikiqa
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from common import markdown_table, sample, wikiqa_sentences, write_json
from search_budget import targets
from vecleak.errors import run_script

THRESHOLDS = (0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5)
#: Rows that keep each vector's k most probable words instead (a long record's words are less
#: probable one by one, so a threshold calibrated on sentences reads few of them). 100 and 200 are
#: no attack (precision collapses): their recall is a ceiling on any choice among the reader's
#: best words, an encoder-verified one included.
TOP_K = (10, 20, 40, 100, 200)


def scores(predicted: list[set[str]], references: list[str], vocabulary: set[str]) -> dict[str, float]:
    """Micro word precision / recall / F1 over distinct words, and mean content-word recall."""
    from vecleak.metrics.exposure import content_words
    from vecleak.metrics.text import tokenize

    hit = pred = gold = 0
    content = []
    for words, ref in zip(predicted, references):
        ref_words = set(tokenize(ref)) & vocabulary
        hit, pred, gold = hit + len(words & ref_words), pred + len(words), gold + len(ref_words)
        cw = content_words(ref, "eng")
        if cw:
            content.append(len(cw & words) / len(cw))
    p = hit / pred if pred else 0.0
    r = hit / gold if gold else 0.0
    return {"word_precision": p, "word_recall": r, "word_f1": 2 * p * r / (p + r) if p + r else 0.0,
            "content_recall": float(np.mean(content)) if content else 0.0, "words_per_record": pred / len(references)}


def main() -> None:
    import torch

    from vecleak.align.ridge import Ridge
    from vecleak.classifiers.shipped import load_word_reader
    from vecleak.encoders.base import l2_normalize
    from vecleak.encoders.registry import load_encoder
    from vecleak.metrics import shuffled_references

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default="wikiqa", choices=("wikiqa", "medical", "wikiqa-passages"))
    ap.add_argument("--victim", default="minilm", help="the store's encoder (not MiniLM: read through a ridge)")
    ap.add_argument("--shots", type=int, default=1000, help="leaked pairs of the alignment (victim != minilm)")
    ap.add_argument("--reader", default="auto", help="the word reader: auto (the shipped words-minilm) or a folder")
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    texts = targets(args.corpus, args.n, args.seed)
    minilm = load_encoder("minilm")
    reader = load_word_reader(args.reader, minilm, cache=".vecleak-cache")
    if args.victim == "minilm":
        read = minilm.encode(texts)
        setting = "known encoder (MiniLM vectors read directly)"
    else:
        victim = load_encoder(args.victim)
        pool = [s for s in wikiqa_sentences() if s not in set(texts)]
        leaked = sample(pool, args.shots, args.seed + 1)
        ridge = Ridge(alpha="auto").fit(victim.encode(leaked), minilm.encode(leaked))
        read = l2_normalize(ridge.transform(victim.encode(texts)))
        setting = f"{args.victim} vectors through a ridge fitted on {args.shots} leaked pairs"
    probs = reader.predict_proba(read)
    vocabulary = set(reader.words)
    shuffled = shuffled_references(texts, seed=args.seed)
    rows = []
    for th in sorted({*THRESHOLDS, reader.threshold}):
        predicted = [{reader.words[j] for j in np.flatnonzero(p > th)} for p in probs]
        got, chance = scores(predicted, texts, vocabulary), scores(predicted, shuffled, vocabulary)
        rows.append({"threshold": th, "calibrated": "yes" if th == reader.threshold else "",
                     **{k: round(v, 3) for k, v in got.items()},
                     "chance_precision": round(chance["word_precision"], 3),
                     "chance_recall": round(chance["word_recall"], 3),
                     "chance_content_recall": round(chance["content_recall"], 3)})
        print(rows[-1], flush=True)
    for k in TOP_K:
        predicted = [{reader.words[j] for j in np.argsort(-p)[:k]} for p in probs]
        got, chance = scores(predicted, texts, vocabulary), scores(predicted, shuffled, vocabulary)
        rows.append({"threshold": f"top {k}", "calibrated": "",
                     **{key: round(v, 3) for key, v in got.items()},
                     "chance_precision": round(chance["word_precision"], 3),
                     "chance_recall": round(chance["word_recall"], 3),
                     "chance_content_recall": round(chance["content_recall"], 3)})
        print(rows[-1], flush=True)
    best = max((r for r in rows if r["word_precision"] >= 0.5), key=lambda r: r["word_recall"], default=None)
    out = Path(args.out)
    title = f"# bag-of-words (words-minilm): {setting}, {args.corpus}, {len(texts)} records\n\n"
    note = ("\nword_*: distinct words of each reference that the reader's vocabulary holds (micro-averaged); "
            "content_recall: share of each reference's content words (any word but function words) predicted; "
            "chance: the same predictions against shuffled references. "
            + (f"Best recall at precision >= 0.50: {best['word_recall']:.3f} (threshold {best['threshold']})."
               if best else "No threshold reaches precision 0.50.") + "\n")
    cmd = ("\n    .venv/bin/python benchmarks/bag_of_words.py --corpus {c} --victim {v} --n {n} --out {o}\n"
           .format(c=args.corpus, v=args.victim, n=args.n, o=args.out))
    out.with_suffix(".md").write_text(title + markdown_table(rows, list(rows[0])) + note + cmd, encoding="utf-8")
    write_json(out.with_suffix(".json"), {"args": vars(args), "setting": setting, "rows": rows,
                                          "best_recall_at_precision_0.5": best})


if __name__ == "__main__":
    run_script(main)
