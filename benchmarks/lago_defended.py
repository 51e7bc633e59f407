"""Cross-lingual attacks on defended vectors: ALGEN+λ and LAGO on deu/fra/spa under PurMech / LapMech.

Same setting as ``lago_experiment.py`` (MiniLM victim, the shipped multilingual decoder decoding
each language in its own language, 7 STSb languages as graph nodes, 100 leaked pairs per
language), except that every victim vector, leaked and target, is stored defended; the attacker
aligns defended vectors. LAGO's ε and η are the ones the undefended dev sweep chose at the same
leaked-pair count (``--dev-choice``: ``lago_experiment`` result files), never tuned on defended
test rows. Every score sits beside its chance level (the same outputs against shuffled references).

    python benchmarks/lago_defended.py --dev-choice benchmarks/results/lago_experiment_ml5-minilm.json \
        --out benchmarks/results
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from common import markdown_table, write_json
from lago_experiment import Experiment, nearest_shots
from vecleak.align import LAGO, Ridge
from vecleak.defenses import DEFAULT_EPSILONS, load_defense
from vecleak.errors import run_script
from vecleak.graphs.graph import build_graph
from vecleak.recipes.algen import ALGENAttack

ATTACKED = ["deu", "fra", "spa"]
METHODS = {"algen+lambda": None, "lago-ieq (asjp)": ("ieq", "asjp"), "lago-tv (syntax)": ("tv", "syntax")}


def dev_choice(paths: list[str], variant: str, shots: int, default: float) -> float:
    """The ε / η the undefended dev sweep chose for ``variant`` (``"lago-ieq/asjp"``) at the
    leaked-pair count nearest ``shots``; ``default`` when no file swept it."""
    best: dict[str, float] = {}
    for path in paths:
        best.update(json.loads(Path(path).read_text(encoding="utf-8")).get("best", {}))
    counts = [int(k.rsplit("@", 1)[1]) for k in best if k.startswith(variant + "@")]
    return best[f"{variant}@{nearest_shots(shots, counts)}"] if counts else default


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--decoder", default="multilingual")
    ap.add_argument("--victim", default="minilm")
    ap.add_argument("--dev-choice", nargs="*", default=[],
                    help="lago_experiment result JSONs whose dev-chosen ε / η to use (else --epsilon-ieq / --eta)")
    ap.add_argument("--shots", type=int, default=100)
    ap.add_argument("--n-test", type=int, default=100)
    ap.add_argument("--lam", type=float, default=0.01)
    ap.add_argument("--epsilon-ieq", type=float, default=0.1, help="LAGO IEQ constraint (the dev sweep's choice)")
    ap.add_argument("--eta", type=float, default=0.01, help="LAGO TV weight (the dev sweep's choice for syntax)")
    ap.add_argument("--iterations", type=int, default=500)
    ap.add_argument("--cache", default=".vecleak-cache")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results"))
    ap.add_argument("--resume", action="store_true", help="keep the rows already in OUT/lago_defended.json")
    args = ap.parse_args()
    torch.set_num_threads(2)
    exp = Experiment(argparse.Namespace(decoder=args.decoder, victim=args.victim, shots=[args.shots], sweep_shots=[],
                                        n_test=args.n_test, n_dev=1, attack_language=None, cache=args.cache, beams=1,
                                        lam=args.lam, iterations=args.iterations))
    epsilon = dev_choice(args.dev_choice, "lago-ieq/asjp", args.shots, args.epsilon_ieq)
    eta = dev_choice(args.dev_choice, "lago-tv/syntax", args.shots, args.eta)
    print(f"LAGO-IEQ ε = {epsilon:g}, LAGO-TV η = {eta:g}", flush=True)
    nodes = list(exp.leaked)
    grid = [("none", None)] + [(name, eps) for name in ("purmech", "lapmech") for eps in DEFAULT_EPSILONS]
    done_path = Path(args.out) / "lago_defended.json"
    rows = json.loads(done_path.read_text()) if args.resume and done_path.is_file() else []
    rows = [r for r in rows if (r.get("decoder"), r.get("victim")) == (args.decoder, args.victim)]
    done = {(r["defense"], r["epsilon"], r["method"]) for r in rows}
    t0 = time.monotonic()
    for name, eps in grid:
        defense = load_defense(name, epsilon=eps, seed=0)
        X = {lang: defense.transform(exp.leaked[lang][1][: args.shots]) for lang in nodes}
        Y = {lang: exp.leaked[lang][2][: args.shots] for lang in nodes}
        for method, spec in METHODS.items():
            if (name, eps if eps is not None else "-", method) in done:
                continue
            if spec is None:
                aligners = {lang: Ridge(alpha=args.lam).fit(X[lang], Y[lang]) for lang in ATTACKED}
            else:
                kind, metric = spec
                # TV's subgradient step is in units of 1 / |x|^2: LapMech's outputs have norm ~ d / ε, not 1
                scale = max(1.0, float(np.mean([np.mean(np.sum(x ** 2, 1)) for x in X.values()])))
                lago = LAGO(kind, edges=build_graph(nodes, metric=metric).edges, box_epsilon=epsilon,
                            eta=eta, step=0.01 / scale, lam=args.lam, iterations=args.iterations).fit(X, Y)
                aligners = {lang: lago.for_language(lang) for lang in ATTACKED}
            per = {}
            for lang in ATTACKED:
                texts, X_test, Y_test = exp.test[lang]
                attack = ALGENAttack(exp.decoder, exp.attacker, aligner=aligners[lang], num_beams=1,
                                     language=lang if exp.decoder.languages else None)
                m = attack.evaluate(attack.invert(defense.transform(X_test)), texts, Y_test)
                per[lang] = {k: m[k] for k in ("rouge_l", "bleu", "token_f1", "aligned_cosine", "distinct_rate")}
                per[lang]["chance_rouge_l"] = m["chance"]["rouge_l"]
            row = {"defense": name, "epsilon": eps if eps is not None else "-", "method": method,
                   "decoder": args.decoder, "victim": args.victim,
                   **{f"rouge_l_{lang}": per[lang]["rouge_l"] for lang in ATTACKED},
                   **{k: float(np.mean([p[k] for p in per.values()]))
                      for k in ("rouge_l", "chance_rouge_l", "token_f1", "distinct_rate", "aligned_cosine")}}
            rows.append(row)
            print({k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()},
                  f"({time.monotonic() - t0:.0f} s)", flush=True)
            write_json(done_path, rows)
    cols = ["defense", "epsilon", "method", *[f"rouge_l_{lang}" for lang in ATTACKED], "rouge_l", "chance_rouge_l",
            "token_f1", "distinct_rate", "aligned_cosine"]
    md = (f"# Cross-lingual attacks on LDP-defended vectors ({args.victim} victim, decoder {args.decoder}, "
          f"deu/fra/spa, {args.shots} shots, {args.n_test} test sentences, greedy; "
          f"LAGO-IEQ ε = {epsilon:g}, LAGO-TV η = {eta:g} from the undefended dev sweep)\n\n"
          + markdown_table(rows, cols))
    (Path(args.out) / "lago_defended.md").write_text(md, encoding="utf-8")
    print(md)


if __name__ == "__main__":
    run_script(main)
