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
  sentences of a test split, and 200 others of a dev split (for choosing settings);
* retrieval: recall@10 / nDCG@10 of the targets' neighbours among 2,000 WikiQA sentences,
  projected vs raw (:func:`vecleak.utility.retrieval.neighbour_retrieval`);
* SST-2 accuracy and STSb Spearman from :func:`vecleak.utility.evaluate_utility` (test), with
  their chance levels and the share of the undefended gain above chance that survives; on dev,
  SST-2 accuracy of a head trained on 2,000 train phrases Eguard never saw, scored on 1,000 others.

The best row is chosen on dev only: the largest dev token-F1 cut among rows that keep dev
recall@10 and dev SST-2 at >= 95% of undefended.

    python benchmarks/eguard_second_pass.py --victim minilm --out benchmarks/results
    python benchmarks/eguard_second_pass.py --victim minilm --rows paper long critic-x4 alpha-10 --seed 1 \
        --out benchmarks/results
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from common import add_wikiqa_split_options, markdown_table, shipped_attacker_kits, wikiqa_splits, write_json
from vecleak.data.corpora import AUX_CORPUS
from vecleak.data.records import read_texts
from vecleak.encoders import encode_cached, load_encoder
from vecleak.errors import run_script
from vecleak.frontier.strongest import strongest_attack
from vecleak.recipes.eguard import EguardConfig, train_eguard
from vecleak.utility import evaluate_utility
from vecleak.utility.heads import LogisticHead
from vecleak.utility.retrieval import neighbour_retrieval
from vecleak.utility.tasks import load_task

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
DEV_COLUMNS = ["row", "dev_token_f1", "dev_chance_f1", "dev_f1_cut", "dev_attacker", "dev_recall_at_10", "dev_sst2"]


def settings_of(row: str, seed: int | None = None) -> dict:
    base, change = LADDER[row]
    return {**(settings_of(base) if base else {}), **change, **({} if seed is None else {"seed": seed})}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_wikiqa_split_options(ap)
    ap.add_argument("--rows", nargs="+", default=list(LADDER), choices=list(LADDER))
    ap.add_argument("--seed", type=int, default=None,
                    help="train every row with this seed instead of EguardConfig's (results get a _seedN suffix)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    victim = load_encoder(args.victim)

    split = wikiqa_splits(args.n_targets, args.shots, args.corpus_size)
    dev, test, leaked, corpus = split["dev"], split["test"], split["leaked"], split["corpus"]
    aux = read_texts(AUX_CORPUS)
    emb = lambda enc, texts: encode_cached(enc, texts, args.cache)  # noqa: E731
    X_corpus, X_leak, X_aux = (emb(victim, t) for t in (corpus, leaked, aux))
    splits = {"dev": (dev, emb(victim, dev)), "test": (test, emb(victim, test))}
    sst2 = load_task("sst2").train
    sst2_dev = (emb(victim, sst2.texts[3000:5000]), np.asarray(sst2.labels[3000:5000]),
                emb(victim, sst2.texts[5000:6000]), np.asarray(sst2.labels[5000:6000]))

    kits = shipped_attacker_kits(victim, leaked, X_leak, aux, X_aux, emb)

    out = Path(args.out)
    tag = f"eguard_second_pass_{args.victim}" + ("" if args.seed is None else f"_seed{args.seed}")
    rows, log = [], {}
    for row in ["none", *args.rows]:
        t0 = time.monotonic()
        if row == "none":
            from vecleak.defenses import load_defense

            defense, train_s = load_defense("none"), None
        else:
            settings = settings_of(row, args.seed)
            defense = train_eguard(victim, EguardConfig(**settings), cache_dir=args.cache)
            train_s = defense.info["train_seconds"]
            log[row] = {"settings": settings, "log": defense.info["log"]}
        record: dict = {"row": row, "train_s": train_s}
        for split, (targets, X_targets) in splits.items():
            pre = "" if split == "test" else "dev_"
            leak = strongest_attack(defense, kits, X_targets, targets, ["eng"] * len(targets),
                                    [emb(kit.attacker, targets) for kit in kits])
            corpus_raw = np.concatenate([X_targets, X_corpus])
            retrieval = neighbour_retrieval(corpus_raw, defense.transform(corpus_raw),
                                            queries=np.arange(len(X_targets)))
            record.update({f"{pre}token_f1": leak["token_f1"], f"{pre}chance_f1": leak["chance"]["token_f1"],
                           f"{pre}attacker": leak["attacker"]["token_f1"], f"{pre}rouge_l": leak["rouge_l"],
                           f"{pre}content_recall": leak["content_recall"], f"{pre}by_attacker": leak["attackers"],
                           **{pre + k: retrieval[k] for k in ("recall_at_10", "ndcg_at_10", "chance_recall_at_10")}})
        X_tr, y_tr, X_dv, y_dv = sst2_dev
        record["dev_sst2"] = LogisticHead().fit(defense.transform(X_tr), y_tr).score(defense.transform(X_dv), y_dv)
        util = {task: evaluate_utility(victim, task, defense=defense, cache_dir=args.cache) for task in ("sst2", "stsb")}
        record.update({**{t: u["score"] for t, u in util.items()},
                       **{f"{t}_chance": u["chance_score"] for t, u in util.items()},
                       **{f"{t}_above_chance": u["utility_above_chance"] for t, u in util.items()},
                       "seconds": round(time.monotonic() - t0, 1)})
        base = rows[0] if rows else record
        for pre in ("dev_", ""):
            record[f"{pre}f1_cut"] = 1 - (record[f"{pre}token_f1"] - record[f"{pre}chance_f1"]) / \
                (base[f"{pre}token_f1"] - base[f"{pre}chance_f1"])
        rows.append(record)
        print(json.dumps({k: record[k] for k in COLUMNS + DEV_COLUMNS if k in record}), flush=True)
        write_json(out / f"{tag}.json", {"victim": args.victim, "rows": rows, "curves": log})
    kept = [r for r in rows[1:] if r["dev_recall_at_10"] >= 0.95 * rows[0]["dev_recall_at_10"]
            and r["dev_sst2"] >= 0.95 * rows[0]["dev_sst2"]]
    best = max(kept, key=lambda r: r["dev_f1_cut"])["row"] if kept else None
    write_json(out / f"{tag}.json", {"victim": args.victim, "rows": rows, "curves": log, "chosen_on_dev": best})
    header = (f"# Eguard second pass: {args.victim}, WikiQA targets ({args.n_targets} test, {args.n_targets} dev), strongest "
              f"attacker of {len(kits)} kits x (few-shot {args.shots} pairs, query {len(aux)} aux texts)\n\n"
              "token_f1: the strongest attacker's (greedy); chance_f1: its outputs against shuffled references; "
              "f1_cut: share of the undefended token F1 above chance removed; recall_at_10 / ndcg_at_10: projected "
              f"vs raw neighbours among {len(corpus_raw)} WikiQA sentences (chance "
              f"{rows[0]['chance_recall_at_10']:.4f}); sst2 / stsb: accuracy / Spearman (chance "
              f"{rows[0]['sst2_chance']:.3f} / 0), *_above_chance: share of the undefended gain over chance kept.\n\n"
              f"Chosen on dev (largest dev F1 cut keeping dev recall@10 and dev SST-2 >= 95%): {best}.\n\n")
    tables = ("## test\n\n" + markdown_table(rows, COLUMNS) + "\n## dev\n\n" + markdown_table(rows, DEV_COLUMNS))
    (out / f"{tag}.md").write_text(header + tables, encoding="utf-8")
    print(tables)


if __name__ == "__main__":
    run_script(main)
