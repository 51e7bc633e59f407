"""Eguard vs. identity, ablations and baselines: attack leakage and utility, one table.

For each victim and training task, each row trains (or builds) a defense, then measures:

* token-set attack (adaptive, multi-label; Song & Raghunathan 2020): trained on defended vectors
  of 2,400 SST-2 train phrases the defense never saw (a tenth held out for its threshold),
  scored by token F1 / recall on the 872 SST-2 test sentences; ``chance_f1``: the same attacker
  fed the mean defended vector (one text-independent guess);
* few-shot ALGEN with the shipped decoder: 100 leaked STSb-en train pairs, 100 STSb-en test
  sentences (as in ``defense_table.py``);
* utility: SST-2 accuracy and STSb-en Spearman relative to the undefended encoder.

    python benchmarks/eguard_table.py --victims minilm --rows none eguard eguard-mlp adversarial mse
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from common import markdown_table, sample, stsb_sentences, write_json
from vecleak.decoders import load_decoder
from vecleak.defenses import load_defense
from vecleak.encoders import encode_cached, load_encoder
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
    "mse": (None, {"privacy": "mse"}),
    "cosine": (None, {"privacy": "cosine"}),
    "task-only": (None, {"privacy": "none", "beta": 0.0}),
    "purmech-12": ("purmech", {"epsilon": 12.0}),
    "gaussian-0.1": ("gaussian", {"sigma": 0.1}),
}
COLUMNS = ["victim", "task", "defense", "ts_token_f1", "ts_token_recall", "chance_f1", "algen_rouge_l",
           "algen_token_f1", "sst2_rel", "stsb_rel", "train_s", "overhead_ms"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--victims", nargs="+", default=["minilm"])
    ap.add_argument("--tasks", nargs="+", default=["sst2"])
    ap.add_argument("--rows", nargs="+", default=["none", "eguard", "eguard-mlp", "adversarial", "mse"],
                    choices=sorted(ROWS))
    ap.add_argument("--steps", type=int, default=800)
    ap.add_argument("--cache", default=".vecleak-cache")
    ap.add_argument("--save-defenses", default="runs/eguard")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results"))
    ap.add_argument("--resume", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(2)
    out = Path(args.out)
    done_path = out / "eguard_table.json"
    rows = json.loads(done_path.read_text()) if args.resume and done_path.is_file() else []
    done = {(r["victim"], r["task"], r["defense"]) for r in rows}
    sst = load_task("sst2")
    aux, test = sst.train.texts[3000:5400], sst.test.texts          # Eguard trains on the first 3,000
    leaked = sample(stsb_sentences("en", "train"), 100, seed=1)
    algen_test = sample(stsb_sentences("en", "test"), 100, seed=0)
    decoder = load_decoder("default")
    attacker = load_encoder(decoder.encoder_spec["name"])
    Y_leak = encode_cached(attacker, leaked, args.cache)
    Y_test = encode_cached(attacker, algen_test, args.cache)
    t0 = time.monotonic()
    for victim_name in args.victims:
        victim = load_encoder(victim_name)
        X_aux, X_test = encode_cached(victim, aux, args.cache), encode_cached(victim, test, args.cache)
        X_leak, X_algen = encode_cached(victim, leaked, args.cache), encode_cached(victim, algen_test, args.cache)
        for task in args.tasks:
            data = None   # the task's vectors, latents and keyword pairs: prepared once, shared by the trained rows
            for label in args.rows:
                if (victim_name, task, label) in done:
                    continue
                name, params = ROWS[label]
                row = {"victim": victim_name, "task": task, "defense": label}
                if name is None:
                    cfg = EguardConfig(task=task, steps=args.steps, **params)
                    if data is None:
                        data, _ = prepare(victim, cfg, cache_dir=args.cache)
                    defense = train_eguard(victim, cfg, data=data)
                    defense.save(Path(args.save_defenses) / f"{victim_name}-{task}-{label}")
                    row.update(train_s=defense.info["train_seconds"], overhead_ms=defense.info["overhead_ms_per_batch"])
                else:
                    eps = params.get("epsilon")
                    defense = load_defense(name, epsilon=eps, seed=0, **{k: v for k, v in params.items()
                                                                          if k != "epsilon"})
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
                for t in ("sst2", "stsb"):
                    row[f"{t}_rel"] = evaluate_utility(victim, t, defense=defense, cache_dir=args.cache)["relative_utility"]
                rows.append(row)
                print({k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()},
                      f"({time.monotonic() - t0:.0f} s)", flush=True)
                write_json(done_path, rows)
    md = ("# Eguard: leakage and utility (MiniLM / use-multilingual)\n\n"
          "ts_*: adaptive token-set attacker on SST-2 test sentences; chance_f1: its text-independent guess; "
          "algen_*: few-shot ALGEN (100 STSb pairs, greedy); *_rel: defended / undefended utility.\n\n"
          + markdown_table(rows, COLUMNS))
    (out / "eguard_table.md").write_text(md, encoding="utf-8")
    print(md)


if __name__ == "__main__":
    main()
