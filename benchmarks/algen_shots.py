"""ALGEN with the shipped decoder: metrics against the number of leaked pairs.

Test: 200 held-out STSb English test sentences; leaked pairs: STSb English train sentences.
Also the decoder's own-space ceiling (decoding the attacker's own vectors) and generation speed.

    python benchmarks/algen_shots.py --out benchmarks/results/algen_shots
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from common import markdown_table, sample, stsb_sentences, write_json
from vecleak.align import Ridge
from vecleak.decoders import load_decoder
from vecleak.encoders import encode_cached, load_encoder
from vecleak.recipes.algen import ALGENAttack, Inversion

COLUMNS = ["victim", "shots", "rerank", "alpha", "rouge_l", "bleu", "token_f1", "token_recall", "cosine",
           "aligned_cosine"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--decoder", default="default")
    ap.add_argument("--victims", nargs="+", default=["use-multilingual", "minilm"])
    ap.add_argument("--shots", nargs="+", type=int, default=[1, 10, 100, 1000])
    ap.add_argument("--n-test", type=int, default=200)
    ap.add_argument("--beams", type=int, default=4)
    ap.add_argument("--cache", default=".vecleak-cache")
    ap.add_argument("--out", default="benchmarks/results/algen_shots")
    args = ap.parse_args()
    torch.set_num_threads(2)

    test = sample(stsb_sentences("en", "test"), args.n_test, seed=0)
    leaked = sample(stsb_sentences("en", "train"), max(args.shots), seed=1)
    decoder = load_decoder(args.decoder)
    attacker = load_encoder(decoder.encoder_spec["name"])
    y_test = encode_cached(attacker, test, args.cache)
    y_leak = encode_cached(attacker, leaked, args.cache)
    rows = []

    # Own-space ceiling: decode A(x) directly, no alignment.
    for rerank in (False, True):
        attack = ALGENAttack(decoder, attacker, aligner=Ridge(alpha=0), num_beams=args.beams, rerank=rerank)
        t0 = time.monotonic()
        if rerank:
            from vecleak.decoders import rerank as rerank_fn

            cands = decoder.generate(y_test, num_beams=args.beams, num_candidates=args.beams)
            texts, _ = rerank_fn(cands, y_test, attacker)
        else:
            texts = [c[0] for c in decoder.generate(y_test, num_beams=args.beams)]
        secs = time.monotonic() - t0
        m = attack.evaluate(Inversion(texts, y_test), test, y_test)
        rows.append({"victim": "(own space)", "shots": "-", "rerank": rerank, "alpha": "-", **m,
                     "sentences_per_s": len(test) / secs})
        print(rows[-1], flush=True)
    t0 = time.monotonic()
    decoder.generate(y_test[:64], num_beams=1)
    greedy_speed = 64 / (time.monotonic() - t0)

    for victim_name in args.victims:
        victim = load_encoder(victim_name)
        x_test = encode_cached(victim, test, args.cache)
        x_leak = encode_cached(victim, leaked, args.cache)
        for shots in args.shots:
            alpha = "auto" if shots >= 2 else 0.0
            for rerank in (False, True):
                attack = ALGENAttack(decoder, attacker, aligner=Ridge(alpha=alpha), num_beams=args.beams,
                                     rerank=rerank)
                attack.fit(x_leak[:shots], leaked[:shots], y_leak[:shots])
                inv = attack.invert(x_test)
                m = attack.evaluate(inv, test, y_test)
                rows.append({"victim": victim_name, "shots": shots, "rerank": rerank,
                             "alpha": float(attack.aligner.alpha_), **m})
                print(rows[-1], flush=True)
    write_json(f"{args.out}.json", {"rows": rows, "greedy_sentences_per_s": greedy_speed,
                                    "beams": args.beams, "n_test": len(test)})
    table = markdown_table(rows, COLUMNS)
    with open(f"{args.out}.md", "w", encoding="utf-8") as fh:
        fh.write(table + f"\ngreedy generation: {greedy_speed:.1f} sentences/s; beam {args.beams}"
                 f" + rerank: {rows[1]['sentences_per_s']:.1f} sentences/s (2 CPU threads)\n")
    print(table)
    print(f"ratio own-space ROUGE-L rerank/no-rerank: {rows[1]['rouge_l'] / max(rows[0]['rouge_l'], 1e-9):.2f}")


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    main()
