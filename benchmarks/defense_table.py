"""Privacy vs. utility of every defense: ALGEN on defended vectors and downstream utility, one table.

Attack: 100 leaked STSb-en train pairs, 100 STSb-en test sentences, the shipped decoder
(greedy), few-shot attacker (``--adaptive`` adds the adaptive attacker for the rows named
there). Utility: SST-2 accuracy and STSb-en Spearman, relative to the undefended encoder.

    python benchmarks/defense_table.py --victims minilm use-multilingual --out benchmarks/results
"""

from __future__ import annotations

import argparse
import copy
import json
import time
from pathlib import Path

import torch

from common import markdown_table, sample, stsb_sentences, write_json
from vecleak.data.records import read_texts
from vecleak.decoders import load_decoder
from vecleak.defenses import DEFAULT_EPSILONS, load_defense
from vecleak.encoders import encode_cached, load_encoder
from vecleak.data.corpora import AUX_CORPUS, DEFENDER_CORPUS
from vecleak.errors import run_script
from vecleak.recipes.defense_eval import attack_defended, guess_level
from vecleak.utility import evaluate_utility

GRID = ([("none", None, {})]
        + [(name, eps, {}) for name in ("purmech", "lapmech", "dp-gaussian") for eps in DEFAULT_EPSILONS]
        + [("gaussian", None, {"sigma": 0.05}), ("gaussian", None, {"sigma": 0.1}), ("rotation", None, {}),
           ("shuffle", None, {}), ("pca", None, {"n_components": 64}), ("quantize", None, {"mode": "int8"}),
           ("quantize", None, {"mode": "binary"})])
COLUMNS = ["victim", "defense", "attacker", "rouge_l", "bleu", "token_f1", "token_recall", "cosine",
           "aligned_cosine", "sst2_rel", "stsb_rel"]


def label(name: str, eps: float | None, params: dict) -> str:
    extra = [f"ε={eps:g}"] if eps is not None else []
    extra += [f"{k}={v}" for k, v in params.items()]
    return name + (f" ({', '.join(extra)})" if extra else "")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--victims", nargs="+", default=["minilm", "use-multilingual"])
    ap.add_argument("--shots", type=int, default=100)
    ap.add_argument("--n-test", type=int, default=100)
    ap.add_argument("--beams", type=int, default=1)
    ap.add_argument("--adaptive", nargs="*", default=["none", "purmech (ε=12)", "gaussian (sigma=0.1)"],
                    help="rows (labels) that also get the adaptive attacker")
    ap.add_argument("--aux-size", type=int, default=1000)
    ap.add_argument("--adapt-steps", type=int, default=60)
    ap.add_argument("--no-utility", action="store_true")
    ap.add_argument("--cache", default=".vecleak-cache")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results"))
    ap.add_argument("--resume", action="store_true", help="keep the rows already in OUT/defense_table.json")
    args = ap.parse_args()
    torch.set_num_threads(2)
    out = Path(args.out)
    leaked = sample(stsb_sentences("en", "train"), args.shots, seed=1)
    test = sample(stsb_sentences("en", "test"), args.n_test, seed=0)
    aux = read_texts(AUX_CORPUS)[: args.aux_size]
    defender = read_texts(DEFENDER_CORPUS)
    decoder = load_decoder("default")
    attacker = load_encoder(decoder.encoder_spec["name"])
    Y_leak, Y_test = encode_cached(attacker, leaked, args.cache), encode_cached(attacker, test, args.cache)
    done_path = out / "defense_table.json"
    rows = json.loads(done_path.read_text(encoding="utf-8")) if args.resume and done_path.is_file() else []
    done = {(r["victim"], r["defense"], r["attacker"]) for r in rows}
    t0 = time.monotonic()
    for victim_name in args.victims:
        victim = load_encoder(victim_name)
        X_leak, X_test = encode_cached(victim, leaked, args.cache), encode_cached(victim, test, args.cache)
        X_aux, X_def = encode_cached(victim, aux, args.cache), encode_cached(victim, defender, args.cache)
        for name, eps, params in GRID:
            tag = label(name, eps, params)
            kinds = [k for k in ("fewshot", "adaptive") if k == "fewshot" or tag in args.adaptive]
            kinds = [k for k in kinds if (victim_name, tag, k) not in done]
            if not kinds:
                continue
            utility = {}
            if not args.no_utility:
                for task in ("sst2", "stsb"):
                    utility[f"{task}_rel"] = evaluate_utility(victim, task, defense=load_defense(
                        name, epsilon=eps, seed=0, **params), cache_dir=args.cache)["relative_utility"]
            for kind in kinds:
                dec = copy.deepcopy(decoder) if kind == "adaptive" else decoder
                attack, inv, _ = attack_defended(
                    load_defense(name, epsilon=eps, seed=0, **params), decoder=dec, victim=victim, attacker=attacker,
                    X_leak=X_leak, leaked_texts=leaked, X_test=X_test, kind=kind, aux_texts=aux,
                    adapt_steps=args.adapt_steps, beams=args.beams, Y_leak=Y_leak, X_aux=X_aux, X_defender=X_def)
                m = attack.evaluate(inv, test, Y_test)
                m["chance_rouge_l"] = guess_level(attack, Y_leak, test)["rouge_l"]
                rows.append({"victim": victim_name, "defense": tag, "attacker": kind, **m, **utility})
                print({k: (round(v, 4) if isinstance(v, float) else v) for k, v in rows[-1].items()},
                      f"({time.monotonic() - t0:.0f} s)", flush=True)
                write_json(out / "defense_table.json", rows)
    md = ("# Privacy vs. utility of defenses (STSb-en attack, SST-2 / STSb utility)\n\n"
          f"{args.shots} leaked pairs, {args.n_test} test sentences, beams={args.beams}; sst2_rel / stsb_rel: "
          "defended score / undefended score. chance_rouge_l: one text-independent guess.\n\n"
          + markdown_table(rows, COLUMNS + ["chance_rouge_l"]))
    (out / "defense_table.md").write_text(md, encoding="utf-8")
    plot(rows, out / "defense_privacy_utility.png")
    print(md)


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pts = [r for r in rows if r["attacker"] == "fewshot" and "sst2_rel" in r]
    if not pts:
        return
    fig, ax = plt.subplots(figsize=(7, 5))
    for victim, marker in zip(sorted({r["victim"] for r in pts}), "os^"):
        sel = [r for r in pts if r["victim"] == victim]
        ax.scatter([r["sst2_rel"] for r in sel], [r["rouge_l"] for r in sel], marker=marker, label=victim)
        for r in sel:
            ax.annotate(r["defense"], (r["sst2_rel"], r["rouge_l"]), fontsize=6)
    ax.set_xlabel("utility: SST-2 accuracy / undefended")
    ax.set_ylabel("leakage: ROUGE-L of the few-shot attack")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)


if __name__ == "__main__":
    run_script(main)
