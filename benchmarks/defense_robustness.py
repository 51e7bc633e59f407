"""Robustness and generalization of Eguard against the strongest attacker that knows it (the seed's Figs. 3-4).

Two questions the Eguard paper answers with its Figs. 3 and 4, asked again with the attackers of
``defense_frontier_table.py`` (same WikiQA splits, same two shipped-decoder kits, same utilities):

* **robustness** (Fig. 3): the store keeps the projected vectors after one more cheap transform
  (Gaussian or uniform noise, truncation, PCA, int8 quantization). Each row is the fitted
  pipeline ``projection -> perturbation`` (:class:`~vecleak.defenses.DefensePipeline`, fitted
  once on the defender's rows), and the attacker queries that whole pipeline: does the
  perturbation add privacy, and what does it cost? ``none+P`` rows are the perturbation alone;
* **generalization** (Fig. 4): a projection trained on one task (SST-2 or SNLI) is scored on
  every task: SST-2, SNLI, STSb and retrieval, each corrected for chance (``*_kept``).

``cut``: the share of the undefended token F1 above chance removed; ``cut_vs_base``: the share
of the unperturbed row's token F1 above chance that the perturbation removes on top.

    python benchmarks/defense_robustness.py --victim minilm --out benchmarks/results
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from common import DefenseBench, add_wikiqa_split_options, markdown_table, write_json
from vecleak.defenses import DefensePipeline
from vecleak.errors import run_script
from vecleak.frontier.sweep import Candidate, build
from vecleak.recipes.eguard import EguardConfig, train_eguard

PERTURBATIONS = ("gaussian:sigma=0.05", "uniform:sigma=0.05", "truncate:n_dims=192", "pca:n_components=64",
                 "quantize:mode=int8")
#: trained defenses: label -> EguardConfig changes (as in defense_frontier_table.py)
EGUARD = {"eguard-paper": {}, "eguard-neighbour": {"neighbour_weight": 1.0}}
COLUMNS = ["defense", "trained_on", "perturbation", "token_f1", "chance", "cut", "cut_vs_base", "attacker",
           "recall_at_10", "stsb_pairs_recall", "msrp_pairs_recall", "sst2_kept", "snli_kept", "stsb_kept"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_wikiqa_split_options(ap)
    ap.add_argument("--eguard", nargs="*", default=list(EGUARD), choices=list(EGUARD))
    ap.add_argument("--perturb", nargs="*", default=list(PERTURBATIONS),
                    help="perturbations after each projection (defense:param=value)")
    ap.add_argument("--robust-task", default="sst2", help="task the projections of the robustness rows train on")
    ap.add_argument("--other-tasks", nargs="*", default=["snli"], help="more training tasks (generalization rows)")
    ap.add_argument("--snli-limit", type=int, nargs=2, default=[3000, 2000], metavar=("TRAIN", "TEST"))
    ap.add_argument("--resume", action="store_true", help="keep the rows already in the results file")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    tag = f"defense_robustness_{args.victim}"
    done = {}
    if args.resume and (out / f"{tag}.json").is_file():
        done = {r["row"]: r for r in json.loads((out / f"{tag}.json").read_text(encoding="utf-8"))["rows"]}

    bench = DefenseBench(args)
    test, corpus = bench.test, bench.corpus
    dim = bench.X_test.shape[1]

    # (row key, defense label, trained-on task, perturbation or None)
    plan = [("none", "none", "", None)] + [(f"none+{p}", "none", "", p) for p in args.perturb]
    for label in args.eguard:
        plan.append((f"{label}@{args.robust_task}", label, args.robust_task, None))
        plan += [(f"{label}@{args.robust_task}+{p}", label, args.robust_task, p) for p in args.perturb]
        plan += [(f"{label}@{t}", label, t, None) for t in args.other_tasks]

    trained: dict[tuple[str, str], object] = {}
    rows = []
    for key, label, task, perturb in plan:
        if key in done:
            rows.append(done[key])
            continue
        base = None
        if label != "none":
            if (label, task) not in trained:
                t0 = time.monotonic()
                trained[(label, task)] = train_eguard(bench.victim, EguardConfig(task=task, **EGUARD[label]),
                                                      cache_dir=args.cache)
                print(f"{label}@{task}: trained in {time.monotonic() - t0:.0f} s", flush=True)
            base = trained[(label, task)]
        steps = [s for s in (base, build(Candidate.parse(perturb), seed=1, dim=dim) if perturb else None) if s is not None]
        defense = None if not steps else steps[0] if len(steps) == 1 else DefensePipeline(steps)
        t0 = time.monotonic()
        point = bench.measure(Candidate(label, label), defense)
        d = point.to_dict()
        d.pop("reconstructions", None)
        d.update({"row": key, "defense": label, "trained_on": task, "perturbation": perturb or "",
                  "chance": d["chance"]["token_f1"], "attacker": d["attacker"]["token_f1"],
                  "seconds": round(time.monotonic() - t0, 1)})
        rows.append(d)
        by_key = {r["row"]: r for r in rows}
        undefended = by_key["none"]
        parent = by_key.get(key.split("+")[0]) if perturb else None
        d["cut"] = 1 - (d["token_f1"] - d["chance"]) / (undefended["token_f1"] - undefended["chance"])
        if parent is not None and parent["token_f1"] > parent["chance"]:   # else nothing above chance is left to cut
            d["cut_vs_base"] = 1 - (d["token_f1"] - d["chance"]) / (parent["token_f1"] - parent["chance"])
        print({k: d.get(k) for k in COLUMNS}, flush=True)
        write_json(out / f"{tag}.json", {"rows": rows, "settings": vars(args)})   # a checkpoint per row

    first = rows[0]
    text = (f"# Eguard's robustness and generalization against the strongest attacker that knows it: {args.victim}\n\n"
            f"{bench.attackers()}, attacking the whole pipeline. "
            "Rows `D@T+P`: projection D trained on task T, then perturbation P, fitted once on the defender's "
            f"{len(corpus)} WikiQA rows. chance: the best attacker's outputs against shuffled references; cut: share "
            "of the undefended token F1 above chance removed; cut_vs_base: share of the unperturbed row's removed "
            f"by the perturbation. recall_at_10: raw neighbours among {len(test) + len(corpus)} WikiQA rows (chance "
            f"{first['chance_recall_at_10']:.4f}); *_pairs_recall: STSb pairs rated >= 4 / MSRP paraphrases as "
            "retrieval; *_kept: share of the undefended gain over chance kept on SST-2 / SNLI accuracy and STSb "
            "Spearman (the generalization rows: a projection trained on one task, scored on the others).\n\n"
            + markdown_table(rows, COLUMNS) + "\n")
    (out / f"{tag}.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    run_script(main)
