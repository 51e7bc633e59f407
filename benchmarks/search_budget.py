"""Quality of the ``search`` attacker against its query budget, beside chance.

Known encoder: the store's encoder is the decoder's own (MiniLM with ``default``, or
use-multilingual with ``multilingual``); budget 0 is the plain known-encoder decode (greedy).
Black box: the victim encoder is only queried; the attacker holds MiniLM and ``default`` and
``--shots`` leaked pairs; budget 0 is the few-shot row (ALGEN, greedy).

Targets are sentences no shipped decoder was trained on (``--corpus``: WikiQA test sentences,
the doctor-written questions of medical_question_pairs, Multi30k German / French captions,
WikiSplit test for the multilingual decoder) or WikiQA passages of 80-200 words. Every score
sits beside its chance level (the same outputs against shuffled references). Writes
``OUT.md`` / ``OUT.json`` and, with matplotlib, ``OUT.png`` (quality against queries).

    .venv/bin/python benchmarks/search_budget.py --corpus wikiqa --budgets 0 100 500 2000 --n 200
"""

from __future__ import annotations

import argparse
import csv
import json
import shlex
import time
from pathlib import Path

import numpy as np

from common import (SHARED, markdown_table, multi30k_sentences, sample, stsb_sentences, wikiqa_passages,
                    wikiqa_sentences, wikisplit_test_sentences, write_json)
from vecleak.errors import run_script

#: Sentences the search was tuned on (never scored here): WikiQA, seed 123.
DEV_SEED = 123


def medical_questions() -> list[str]:
    """The doctor-written questions of medical_question_pairs (a domain no decoder saw)."""
    path = SHARED / "medical_question_pairs" / "mqp.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    return list(dict.fromkeys(q.strip() for r in rows for q in r[1:3] if len(q.split()) >= 4))


def targets(corpus: str, n: int, seed: int) -> list[str]:
    """``n`` target texts of ``corpus`` (WikiQA without the tuning sentences)."""
    if corpus == "wikiqa":
        dev = set(sample(wikiqa_sentences(), 3000, seed=DEV_SEED)[:200])
        return sample([s for s in wikiqa_sentences() if s not in dev], n, seed)
    if corpus == "medical":
        return sample(medical_questions(), n, seed)
    if corpus == "wikisplit":
        return sample(wikisplit_test_sentences(), n, seed)
    if corpus == "wikiqa-passages":
        return sample(wikiqa_passages(splits=("test",)), n, seed)
    if corpus.startswith("multi30k-"):
        return sample(multi30k_sentences(corpus.split("-", 1)[1], "test"), n, seed)
    if corpus.startswith("stsb-"):          # the test split of a domain the multilingual decoder trained on
        return sample(stsb_sentences(corpus.split("-", 1)[1], "test"), n, seed)
    raise SystemExit(f"unknown --corpus {corpus}")


def main() -> None:
    import torch

    from vecleak.attacks import Knowledge, QueryOracle, load_attack
    from vecleak.decoders.shipped import load_decoder
    from vecleak.encoders.registry import load_encoder
    from vecleak.attacks.scoring import add_exposure
    from vecleak.metrics import chance_metrics, distinct_rate, text_metrics

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--setting", choices=("known", "black-box"), default="known")
    ap.add_argument("--victim", default="minilm", help="the store's encoder")
    ap.add_argument("--decoder", default="default", help="known: the store encoder's decoder; black box: the "
                                                         "attacker's own")
    ap.add_argument("--language", default=None, help="language a multilingual decoder writes")
    ap.add_argument("--corpus", default="wikiqa")
    ap.add_argument("--budgets", type=int, nargs="+", default=[0, 100, 500, 2000])
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--shots", type=int, default=100, help="black box: leaked pairs")
    ap.add_argument("--params", default="{}", help='search parameters as JSON ({"segments": "auto"}: the '
                                                   "audit's rule, from the records' length)")
    ap.add_argument("--words", default="auto", help="word reader proposing the search's word edits: auto (the "
                                                    "one shipped for the decoder's encoder), a folder, or none")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    texts = targets(args.corpus, args.n, args.seed)
    victim = load_encoder(args.victim)
    decoder = load_decoder(args.decoder)
    langs = [args.language] * len(texts) if decoder.languages else None
    stored = victim.encode(texts)
    params = json.loads(args.params)
    if params.get("segments") == "auto":          # the audit's rule: one text per 40 words of the median record
        from vecleak.attacks.search import segments_for

        params["segments"] = segments_for(texts)
    if args.setting == "known":
        knowledge = Knowledge(decoder=decoder, attacker=victim, known_decoder=decoder, known_encoder=victim)
    else:
        attacker = load_encoder(decoder.encoder_spec["name"])
        pool = [s for s in wikiqa_sentences() if s not in set(texts)]
        leaked = sample(pool, args.shots, args.seed + 1)
        knowledge = Knowledge(decoder=decoder, attacker=attacker, leaked_vectors=victim.encode(leaked),
                              leaked_texts=leaked)
    if args.words != "none":
        from vecleak.classifiers.shipped import load_word_reader

        params["words"] = load_word_reader(args.words, knowledge.known_encoder or knowledge.attacker,
                                           cache=".vecleak-cache")
    rows = []
    for budget in args.budgets:
        t0 = time.monotonic()
        if budget == 0:
            name = "known-encoder" if args.setting == "known" else "fewshot"
            result = load_attack(name).attack(stored, knowledge, languages=langs)
            queries = 0.0
        else:
            knowledge.oracle = QueryOracle.of(victim, bf16=args.setting == "known")   # an API answers exactly
            result = load_attack("search", budget=budget, **params).attack(stored, knowledge, languages=langs)
            queries = result.queries_per_record
        seconds = time.monotonic() - t0
        got = text_metrics(result.texts, texts)
        got["chance"] = chance = chance_metrics(result.texts, texts)
        add_exposure(got, result.texts, texts, langs)            # content-word recall, and its chance level
        recall, chance_recall = got["content_recall"], chance["content_recall"]
        cos = float(np.mean(np.einsum("ij,ij->i", victim.encode([t or "." for t in result.texts]), stored)))
        row = {"budget": budget, "queries/record": round(queries, 1), "s/record": round(seconds / len(texts), 2),
               "token_f1": round(got["token_f1"], 3), "chance_f1": round(chance["token_f1"], 3),
               "rouge_l": round(got["rouge_l"], 3), "chance_rouge_l": round(chance["rouge_l"], 3),
               "bleu": round(got["bleu"], 3), "content_recall": round(recall, 3),
               "chance_content_recall": round(chance_recall, 3), "cosine": round(cos, 3),
               "distinct": round(distinct_rate(result.texts), 3)}
        rows.append(row)
        print(json.dumps(row), flush=True)
    out = Path(args.out)
    cols = list(rows[0])
    title = (f"# search vs budget: {args.setting}, victim {args.victim}, decoder {args.decoder}, {args.corpus}, "
             f"{len(texts)} records\n\n")
    cmd = "    .venv/bin/python benchmarks/search_budget.py " + " ".join(
        f"--{k.replace('_', '-')} {' '.join(map(str, v)) if isinstance(v, list) else shlex.quote(str(v))}"
        for k, v in vars(args).items() if v is not None)
    note = ("\nchance: the same outputs against shuffled references; content_recall: share of the reference's "
            "content words (no stop words) found; cosine: victim encoder, output vs. stored vector.\n")
    out.with_suffix(".md").write_text(title + markdown_table(rows, cols) + note + "\n" + cmd + "\n", encoding="utf-8")
    write_json(out.with_suffix(".json"), {"args": {k: v for k, v in vars(args).items()}, "rows": rows})
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    fig, ax = plt.subplots(figsize=(5, 3.4))
    q = [max(r["queries/record"], 1) for r in rows]
    ax.plot(q, [r["token_f1"] for r in rows], "o-", label="token F1")
    ax.plot(q, [r["rouge_l"] for r in rows], "s-", label="ROUGE-L")
    ax.plot(q, [r["chance_f1"] for r in rows], ":", color="grey", label="chance (token F1)")
    ax.set_xscale("log")
    ax.set_xlabel("encoder queries per record (0 plotted at 1)")
    ax.set_ylim(0, 1)
    ax.set_title(f"search, {args.setting}, {args.corpus}", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out.with_suffix(".png"), dpi=120)


if __name__ == "__main__":
    run_script(main)
