"""Eguard vs. identity, ablations and baselines: attack leakage and utility, one table.

For each victim and training task, each row trains (or builds) a defense, then measures:

* token-set attack (adaptive, multi-label; Song & Raghunathan 2020): trained on defended vectors
  of 2,400 SST-2 train phrases the defense never saw (a tenth held out for its threshold),
  scored by token F1 / recall on the 872 SST-2 test sentences; ``chance_f1``: the same attacker
  fed the mean defended vector (one text-independent guess);
* few-shot ALGEN with the shipped decoder: 100 leaked STSb-en train pairs, 100 STSb-en test
  sentences (as in ``defense_table.py``);
* aux ALGEN, the strong adaptive attacker of the Eguard paper: it queries the defended encoder
  with 2,000 STSb-en train sentences of its own (the test distribution), fits the ridge map from
  defended vectors to its encoder's space on all of them, and decodes with the shipped decoder
  (greedy): token F1 / recall, BLEU, ROUGE-L, cosine on the same 100 STSb-en test sentences;
* utility: SST-2 accuracy, SNLI accuracy and STSb-en Spearman relative to the undefended
  encoder (the task a defense was not trained on measures how it generalizes).

``--perturb`` adds, for every row, rows with the defended vectors then perturbed (robustness,
the paper's Fig. 3): ``gaussian-S`` / ``uniform-S`` (per-coordinate σ = S), ``truncate-N``,
``pca-N``, ``int8``; those rows skip the token-set and few-shot attackers.

    python benchmarks/eguard_table.py --victims minilm --rows none eguard fgsm freelb mse cosine \
        --perturb gaussian-0.05 uniform-0.05 truncate-192 pca-64 int8 --resume
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from common import markdown_table, sample, stsb_sentences, write_json
from vecleak.decoders import load_decoder
from vecleak.defenses import DefensePipeline, load_defense
from vecleak.encoders import encode_cached, load_encoder
from vecleak.errors import run_script
from vecleak.metrics import token_prf
from vecleak.recipes.defense_eval import attack_defended, token_set_attack
from vecleak.recipes.eguard import EguardConfig, prepare, train_eguard
from vecleak.utility import evaluate_utility
from vecleak.utility.tasks import load_task

ROWS = {  # label -> (defense name or None for a trained one, EguardConfig overrides)
    "none": ("none", {}),
    "eguard": (None, {}),
    "eguard-mlp": (None, {"architecture": "mlp"}),
    "eguard-alpha10": (None, {"alpha": 10.0}),
    "adversarial": (None, {"privacy": "adversarial"}),
    "fgsm": (None, {"privacy": "fgsm"}),
    "freelb": (None, {"privacy": "freelb"}),
    "mse": (None, {"privacy": "mse"}),
    "cosine": (None, {"privacy": "cosine"}),
    "task-only": (None, {"privacy": "none", "beta": 0.0}),
    "purmech-12": ("purmech", {"epsilon": 12.0}),
    "gaussian-0.1": ("gaussian", {"sigma": 0.1}),
}
COLUMNS = ["victim", "task", "defense", "ts_token_f1", "chance_f1", "aux_token_f1", "aux_token_recall", "aux_bleu",
           "aux_rouge_l", "aux_cosine", "algen_rouge_l", "algen_token_f1", "sst2_rel", "snli_rel", "stsb_rel",
           "train_s", "overhead_ms"]
AUX_PAIRS = 2000


def perturbation(spec: str):
    """``gaussian-0.05`` / ``uniform-0.05`` / ``truncate-192`` / ``pca-64`` / ``int8`` -> a seeded defense."""
    name, _, value = spec.partition("-")
    if name in ("gaussian", "uniform"):
        return load_defense(name, sigma=float(value), seed=1)
    if name == "truncate":
        return load_defense("truncate", n_dims=int(value))
    if name == "pca":
        return load_defense("pca", n_components=int(value))
    if name == "int8":
        return load_defense("quantize", mode="int8")
    raise SystemExit(f"unknown perturbation '{spec}'")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--victims", nargs="+", default=["minilm"])
    ap.add_argument("--tasks", nargs="+", default=["sst2"])
    ap.add_argument("--rows", nargs="+", default=["none", "eguard", "eguard-mlp", "adversarial", "mse"],
                    choices=sorted(ROWS))
    ap.add_argument("--perturb", nargs="*", default=[], help="robustness: perturbations applied after each defense")
    ap.add_argument("--perturb-rows", nargs="*", default=None, help="rows to perturb (default: all --rows)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=800)
    ap.add_argument("--cache", default=".vecleak-cache")
    ap.add_argument("--save-defenses", default="runs/eguard")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results"))
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--merge", nargs="*", default=[], help="eguard_table.json files of runs made in parallel: "
                    "their rows join this table")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    done_path = out / "eguard_table.json"
    rows = json.loads(done_path.read_text()) if args.resume and done_path.is_file() else []
    for other in args.merge:
        rows += json.loads(Path(other).read_text())
    rows = list({(r["victim"], r["task"], r["defense"]): r for r in rows}.values())
    done = {(r["victim"], r["task"], r["defense"]) for r in rows}
    sst = load_task("sst2")
    aux, test = sst.train.texts[3000:5400], sst.test.texts          # Eguard trains on the first 3,000
    leaked = sample(stsb_sentences("en", "train"), 100, seed=1)
    algen_test = sample(stsb_sentences("en", "test"), 100, seed=0)
    decoder = load_decoder("default")
    attacker = load_encoder(decoder.encoder_spec["name"])
    Y_leak = encode_cached(attacker, leaked, args.cache)
    Y_test = encode_cached(attacker, algen_test, args.cache)
    aux_pairs = sample(stsb_sentences("en", "train"), AUX_PAIRS, seed=2)
    Y_aux_pairs = encode_cached(attacker, aux_pairs, args.cache)
    t0 = time.monotonic()
    for victim_name in args.victims:
        victim = load_encoder(victim_name)
        X_aux, X_test = encode_cached(victim, aux, args.cache), encode_cached(victim, test, args.cache)
        X_leak, X_algen = encode_cached(victim, leaked, args.cache), encode_cached(victim, algen_test, args.cache)
        X_aux_pairs = encode_cached(victim, aux_pairs, args.cache)
        for task in args.tasks:
            data = None   # the task's vectors, latents and keyword pairs: prepared once, shared by the trained rows
            perturbed = [(r, p) for r in (args.perturb_rows or args.rows) for p in args.perturb]
            for label, perturb in [(r, None) for r in args.rows] + perturbed:
                shown = label if perturb is None else f"{label}+{perturb}"
                if (victim_name, task, shown) in done:
                    continue
                name, params = ROWS[label]
                row = {"victim": victim_name, "task": task, "defense": shown}
                saved = Path(args.save_defenses) / f"{victim_name}-{task}-{label}"
                if name is None and (saved / "defense.json").is_file():
                    defense = load_defense(str(saved))                      # trained earlier in this table
                    if perturb is None:
                        row.update(train_s=defense.info["train_seconds"], overhead_ms=defense.info["overhead_ms_per_batch"])
                elif name is None:
                    cfg = EguardConfig(task=task, steps=args.steps, **params)
                    if data is None:
                        data, _ = prepare(victim, cfg, cache_dir=args.cache)
                    defense = train_eguard(victim, cfg, data=data)
                    defense.save(saved)
                    row.update(train_s=defense.info["train_seconds"], overhead_ms=defense.info["overhead_ms_per_batch"])
                else:
                    eps = params.get("epsilon")
                    defense = load_defense(name, epsilon=eps, seed=0, **{k: v for k, v in params.items()
                                                                          if k != "epsilon"})
                if perturb is not None:  # perturbed rows face the strong attacker only
                    defense = DefensePipeline([defense, perturbation(perturb)])
                else:
                    guesses, model = token_set_attack(defense, X_aux=X_aux, aux_texts=aux, X_test=X_test)
                    m = token_prf(guesses, test)
                    # chance: the attacker's guess for the mean defended vector, i.e. knowing nothing of the text
                    chance = model.predict(defense.transform(X_aux).mean(0, keepdims=True))[0]
                    row.update(ts_token_f1=m["token_f1"], ts_token_recall=m["token_recall"],
                               chance_f1=token_prf([chance] * len(test), test)["token_f1"])
                    attack, inv, _ = attack_defended(defense, decoder=decoder, victim=victim, attacker=attacker,
                                                     X_leak=X_leak, leaked_texts=leaked, X_test=X_algen, beams=1,
                                                     Y_leak=Y_leak, X_defender=X_aux)
                    a = attack.evaluate(inv, algen_test, Y_test)
                    row.update(algen_rouge_l=a["rouge_l"], algen_token_f1=a["token_f1"])
                attack, inv, _ = attack_defended(defense, decoder=decoder, victim=victim, attacker=attacker,
                                                 X_leak=X_aux_pairs, leaked_texts=aux_pairs, X_test=X_algen, beams=1,
                                                 Y_leak=Y_aux_pairs, X_defender=X_aux)
                a = attack.evaluate(inv, algen_test, Y_test)
                row.update({f"aux_{k}": a[k] for k in ("token_f1", "token_recall", "bleu", "rouge_l", "cosine")})
                for t in ("sst2", "snli", "stsb"):
                    row[f"{t}_rel"] = evaluate_utility(victim, t, defense=defense, cache_dir=args.cache)["relative_utility"]
                rows.append(row)
                print({k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()},
                      f"({time.monotonic() - t0:.0f} s)", flush=True)
                write_json(done_path, rows)
    write_json(done_path, rows)
    md = ("# Eguard: leakage and utility (MiniLM / use-multilingual)\n\n"
          "ts_*: adaptive token-set attacker on SST-2 test sentences; chance_f1: its text-independent guess; "
          "aux_*: ALGEN fitted on 2,000 (defended vector, text) pairs the attacker made itself (greedy); "
          "algen_*: few-shot ALGEN (100 STSb pairs, greedy); *_rel: defended / undefended utility; "
          "A+B: defense A, then perturbation B.\n\n"
          + markdown_table(rows, COLUMNS))
    (out / "eguard_table.md").write_text(md, encoding="utf-8")
    print(md)


if __name__ == "__main__":
    run_script(main)
