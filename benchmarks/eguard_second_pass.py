"""Eguard, second pass: each suspected cause of its weak protection tested on its own, judged by
the strongest attacker that knows the projection, against the utilities a store cares about.

Ladder of settings (each row changes one thing from the row it names; ``paper`` is the
paper's recipe and vecleak's default): ``paper``; ``latent-use`` (the global MI term about a
sentence encoder of the defender's, use-multilingual, instead of the bag-of-words latent);
``critic-x4`` (MINE / CLUB four times wider, three critic updates per projector update);
``long`` (3,000 steps instead of 800; the loss curve is in the JSON); ``multitask``
(SST-2 + the neighbour-keeping retrieval term, weight 1); and ``alpha-K`` rows of the MI
weight. Each trained projection ``g_p`` is then scored, on data it never saw:

* leakage: :func:`vecleak.frontier.strongest_attack` with two attacker kits: the decoder
  trained for the victim's own encoder behind a ridge (``known-encoder``; few-shot from 1,000
  leaked pairs, and ``query``: 2,000 of its own Tatoeba texts sent through encoder + ``g_p``),
  and the multilingual decoder (use-multilingual space) the same two ways; targets: 200 WikiQA
  sentences (``--split test``; ``dev`` gives other WikiQA sentences, for choosing settings);
* retrieval: recall@10 / nDCG@10 of the targets' neighbours among 2,000 WikiQA sentences,
  projected vs raw (:func:`vecleak.utility.retrieval.neighbour_retrieval`);
* SST-2 accuracy and STSb Spearman from :func:`vecleak.utility.evaluate_utility`, with their
  chance levels and the share of the undefended gain above chance that survives.

    python benchmarks/eguard_second_pass.py --victim minilm --out benchmarks/results
    python benchmarks/eguard_second_pass.py --rows paper alpha-3 alpha-10 --split dev
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from common import markdown_table, sample, wikiqa_sentences, write_json
from vecleak.data.corpora import AUX_CORPUS
from vecleak.data.records import read_texts
from vecleak.decoders import load_decoder
from vecleak.encoders import encode_cached, load_encoder
from vecleak.frontier.strongest import AttackerKit, strongest_attack
from vecleak.recipes.eguard import EguardConfig, train_eguard
from vecleak.utility import evaluate_utility
from vecleak.utility.retrieval import neighbour_retrieval

#: name: (base row, changes to EguardConfig)
LADDER: dict[str, tuple[str | None, dict]] = {
    "paper": (None, {}),
    "latent-use": ("paper", {"latent": "use-multilingual"}),
    "critic-x4": ("paper", {"critic_hidden": 1024, "critic_steps": 3}),
    "long": ("paper", {"steps": 3000}),
    "multitask": ("paper", {"neighbour_weight": 1.0}),
    "alpha-3": ("paper", {"alpha": 3.0}),
    "alpha-10": ("paper", {"alpha": 10.0}),
}
COLUMNS = ["row", "token_f1", "chance_f1", "f1_cut", "attacker", "rouge_l", "content_recall", "recall_at_10",
           "ndcg_at_10", "sst2", "sst2_above_chance", "stsb", "stsb_above_chance", "train_s"]


def settings_of(row: str) -> dict:
    base, change = LADDER[row]
    return {**(settings_of(base) if base else {}), **change}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--victim", default="minilm")
    ap.add_argument("--rows", nargs="+", default=list(LADDER), choices=list(LADDER))
    ap.add_argument("--split", choices=("dev", "test"), default="test")
    ap.add_argument("--n-targets", type=int, default=200)
    ap.add_argument("--shots", type=int, default=1000)
    ap.add_argument("--corpus-size", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--cache", default=".vecleak-cache")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results"))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    victim = load_encoder(args.victim)

    sentences = sample(wikiqa_sentences(), 2 * args.n_targets + args.shots + args.corpus_size, seed=0)
    dev, test = sentences[:args.n_targets], sentences[args.n_targets:2 * args.n_targets]
    rest = sentences[2 * args.n_targets:]
    leaked, corpus = rest[:args.shots], rest[args.shots:]
    targets = dev if args.split == "dev" else test
    aux = read_texts(AUX_CORPUS)
    emb = lambda enc, texts: encode_cached(enc, texts, args.cache)  # noqa: E731
    X_targets, X_corpus, X_leak, X_aux = (emb(victim, t) for t in (targets, corpus, leaked, aux))

    kits = []
    for name, label in (("default", "known-encoder"), ("multilingual", "multilingual")):
        decoder = load_decoder(name)
        attacker = victim if decoder.encoder_spec == victim.spec() else load_encoder(decoder.encoder_spec["name"])
        kits.append(AttackerKit(decoder, attacker, X_leak, leaked, emb(attacker, leaked), X_aux, emb(attacker, aux),
                                label=label))
    reference_targets = [emb(kit.attacker, targets) for kit in kits]

    out = Path(args.out)
    tag = f"eguard_second_pass_{args.victim}_{args.split}"
    rows, log = [], {}
    baseline = None
    for row in ["none", *args.rows]:
        t0 = time.monotonic()
        if row == "none":
            from vecleak.defenses import load_defense

            defense, train_s = load_defense("none"), None
        else:
            config = EguardConfig(**settings_of(row))
            defense = train_eguard(victim, config, cache_dir=args.cache)
            train_s = defense.info["train_seconds"]
            log[row] = {"settings": settings_of(row), "log": defense.info["log"]}
        leak = strongest_attack(defense, kits, X_targets, targets, None, reference_targets)
        corpus_raw = np.concatenate([X_targets, X_corpus])
        retrieval = neighbour_retrieval(corpus_raw, defense.transform(corpus_raw),
                                        queries=np.arange(len(X_targets)))
        util = {task: evaluate_utility(victim, task, defense=defense, cache_dir=args.cache) for task in ("sst2", "stsb")}
        record = {"row": row, "token_f1": leak["token_f1"], "chance_f1": leak["chance"]["token_f1"],
                  "attacker": leak["attacker"]["token_f1"], "rouge_l": leak["rouge_l"],
                  "content_recall": leak["content_recall"], "by_attacker": leak["attackers"],
                  **{k: retrieval[k] for k in ("recall_at_10", "ndcg_at_10", "chance_recall_at_10")},
                  **{t: u["score"] for t, u in util.items()},
                  **{f"{t}_chance": u["chance_score"] for t, u in util.items()},
                  **{f"{t}_above_chance": u["utility_above_chance"] for t, u in util.items()},
                  "train_s": train_s, "seconds": round(time.monotonic() - t0, 1)}
        if baseline is None:
            baseline = record
        record["f1_cut"] = 1 - (record["token_f1"] - record["chance_f1"]) / (baseline["token_f1"] - baseline["chance_f1"])
        rows.append(record)
        print(json.dumps({k: record[k] for k in COLUMNS if k in record}), flush=True)
        write_json(out / f"{tag}.json", {"victim": args.victim, "split": args.split, "rows": rows, "curves": log})
    header = (f"# Eguard second pass: {args.victim}, WikiQA {args.split} targets ({args.n_targets}), strongest "
              f"attacker of {len(kits)} kits x (few-shot {args.shots} pairs, query {len(aux)} aux texts)\n\n"
              "token_f1: the strongest attacker's (greedy); chance_f1: its outputs against shuffled references; "
              "f1_cut: share of the undefended token F1 above chance removed; recall_at_10 / ndcg_at_10: projected "
              f"vs raw neighbours among {len(corpus_raw)} WikiQA sentences (chance "
              f"{rows[0]['chance_recall_at_10']:.4f}); sst2 / stsb: accuracy / Spearman (chance "
              f"{rows[0]['sst2_chance']:.3f} / 0), *_above_chance: share of the undefended gain over chance kept.\n\n")
    (out / f"{tag}.md").write_text(header + markdown_table(rows, COLUMNS), encoding="utf-8")
    print(markdown_table(rows, COLUMNS))


if __name__ == "__main__":
    main()
