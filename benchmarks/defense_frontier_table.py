"""Every defense against the strongest attacker that knows it, beside every utility a store user cares about.

For each victim, each defense of the grid is fitted once, on the defender's own vectors (the
2,000 WikiQA store rows that are neither targets nor leaked), and that one fitted object is
measured (:func:`vecleak.frontier.sweep.measure`, the code the audit and ``vecleak frontier`` run):

* leakage: :func:`vecleak.frontier.strongest_attack` over two attacker kits, each few-shot
  (1,000 leaked WikiQA pairs) and with query access (2,000 of its own Tatoeba texts, disjoint
  from the defender's rows): the decoder trained for the victim's own encoder
  (``known-encoder``) and the other shipped decoder behind its own encoder; targets: 200 WikiQA
  test sentences. ``cut``: the share of the undefended token F1 above chance that is removed;
* retrieval: recall@10 / nDCG@10 of the targets' raw neighbours among 2,200 WikiQA rows
  (:func:`~vecleak.utility.retrieval.neighbour_retrieval`), and labelled pairs used as
  retrieval (:func:`~vecleak.utility.retrieval.pair_retrieval`: STSb test pairs rated >= 4,
  MSRP test paraphrases; each query finds its partner among all partners);
* tasks: SST-2 and SNLI accuracy, STSb Spearman (:func:`vecleak.utility.evaluate_utility` with
  ``refit=False``), each with its chance level; ``*_kept`` is the share of the undefended gain
  over chance that survives, ``(score - chance) / (undefended - chance)``.

    python benchmarks/defense_frontier_table.py --victim minilm --out benchmarks/results
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from common import DefenseBench, add_wikiqa_split_options, markdown_table, write_json
from vecleak.errors import run_script
from vecleak.frontier.sweep import Candidate
from vecleak.recipes.eguard import EguardConfig, train_eguard

GRID = ("gaussian:sigma=0.02", "gaussian:sigma=0.05", "gaussian:sigma=0.1", "purmech:epsilon=12",
        "purmech:epsilon=50", "lapmech:epsilon=12", "pca:n_components=16", "pca:n_components=64",
        "quantize:mode=int8", "quantize:mode=binary", "rotation", "shuffle")
#: trained defenses: label -> EguardConfig changes (the paper's recipe, and with the neighbour term)
EGUARD = {"eguard-paper": {}, "eguard-neighbour": {"neighbour_weight": 1.0}}
COLUMNS = ["defense", "token_f1", "chance", "cut", "attacker", "recall_at_10", "ndcg_at_10", "stsb_pairs_recall",
           "msrp_pairs_recall", "sst2", "sst2_kept", "snli", "snli_kept", "stsb", "stsb_kept"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_wikiqa_split_options(ap)
    ap.add_argument("--defenses", nargs="+", default=list(GRID))
    ap.add_argument("--eguard", nargs="*", default=list(EGUARD), choices=list(EGUARD))
    ap.add_argument("--snli-limit", type=int, nargs=2, default=[3000, 2000], metavar=("TRAIN", "TEST"))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    bench = DefenseBench(args)
    test, corpus = bench.test, bench.corpus

    candidates = [(Candidate("none", "none"), None), *((Candidate.parse(c), None) for c in args.defenses)]
    for label in args.eguard:
        t0 = time.monotonic()
        trained = train_eguard(bench.victim, EguardConfig(**EGUARD[label]), cache_dir=args.cache)
        print(f"{label}: trained in {time.monotonic() - t0:.0f} s", flush=True)
        candidates.append((Candidate(label, label), trained))

    rows = []
    for cand, trained in candidates:
        t0 = time.monotonic()
        point = bench.measure(cand, trained)
        if point is None:
            continue
        d = point.to_dict()
        d.pop("reconstructions", None)
        d.update({"defense": cand.name if trained is not None else point.label(),
                  "chance": d["chance"]["token_f1"], "attacker": d["attacker"]["token_f1"],
                  "seconds": round(time.monotonic() - t0, 1)})
        base = rows[0] if rows else d
        d["cut"] = 1 - (d["token_f1"] - d["chance"]) / (base["token_f1"] - base["chance"])
        rows.append(d)
        print({k: d.get(k) for k in COLUMNS}, flush=True)

    out = Path(args.out)
    tag = f"defense_frontier_table_{args.victim}"
    write_json(out / f"{tag}.json", {"rows": rows, "settings": vars(args)})
    first = rows[0]
    text = (f"# Defenses against the strongest attacker that knows them: {args.victim}\n\n"
            f"{bench.attackers()}. chance: the best attacker's outputs against "
            "shuffled references; cut: share of the undefended token F1 above chance removed. recall_at_10 / "
            f"ndcg_at_10: raw neighbours among {len(test) + len(corpus)} WikiQA rows (chance "
            f"{first['chance_recall_at_10']:.4f}); *_pairs_recall: recall@10 of each pair's partner (STSb test "
            f"pairs rated >= 4, chance {first['stsb_pairs_chance']:.4f}; MSRP test paraphrases, chance "
            f"{first['msrp_pairs_chance']:.4f}); sst2 / snli / stsb: accuracy / accuracy / Spearman (chance "
            f"{first['sst2_chance']:.3f} / {first['snli_chance']:.3f} / 0), *_kept: share of the undefended gain "
            f"over chance kept. Every defense fitted once on the defender's {len(corpus)} WikiQA store rows.\n\n"
            + markdown_table(rows, COLUMNS) + "\n")
    (out / f"{tag}.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    run_script(main)
