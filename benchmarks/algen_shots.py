"""ALGEN with the shipped decoder: metrics against the number of leaked pairs.

Test: 200 held-out STSb English test sentences; leaked pairs: STSb English train sentences.
``--corpus wikiqa`` / ``wikisplit`` measures a second English domain instead: test sentences and
leaked pairs are disjoint random rows of WikiQA's answer sentences (no shipped decoder was
trained on them) or of WikiSplit's test file (held out by the multilingual and English-only
decoders; the MiniLM ``default`` decoder's corpus had WikiSplit rows). ``--corpus multi30k``
measures image captions in the ``--attack-language`` (eng, deu or fra): test sentences from
Multi30k's test_2016 + val, leaked pairs from its train split (German and French captions are in
no shipped decoder's corpus). Also the decoder's own-space ceiling (decoding the attacker's own
vectors) and generation speed.

    python benchmarks/algen_shots.py --out benchmarks/results/algen_shots
    python benchmarks/algen_shots.py --decoder multilingual --attack-language eng --victims minilm smollm2 \
        --corpus wikisplit --shots 100 1000 --beams 1 --out benchmarks/results/algen_shots_multilingual_wikisplit
    python benchmarks/algen_shots.py --decoder gemma3-multilingual --attack-language deu --corpus multi30k \
        --victims use-multilingual smollm2 minilm --shots 10 100 1000 --beams 1 \
        --out benchmarks/results/algen_shots_gemma3_multi30k_deu
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from common import (markdown_table, multi30k_sentences, sample, stsb_sentences, wikiqa_sentences,
                    wikisplit_test_sentences, write_json)
from vecleak.align import Ridge
from vecleak.decoders import load_decoder
from vecleak.encoders import encode_cached, load_encoder
from vecleak.errors import InputError, run_script
from vecleak.recipes.algen import ALGENAttack, Inversion

COLUMNS = ["victim", "shots", "rerank", "alpha", "rouge_l", "chance_rouge_l", "bleu", "token_f1", "chance_token_f1",
           "token_recall", "distinct_rate", "cosine", "aligned_cosine"]


def test_and_leaked(corpus: str, n_test: int, n_leaked: int, language: str | None = None) -> tuple[list[str], list[str]]:
    """Held-out test sentences and disjoint leaked-pair texts of one corpus (English, or Multi30k's
    ``language``)."""
    if corpus == "stsb":
        return sample(stsb_sentences("en", "test"), n_test, seed=0), sample(stsb_sentences("en", "train"), n_leaked, seed=1)
    if corpus == "multi30k":
        return (sample(multi30k_sentences(language or "eng", "test"), n_test, seed=0),
                sample(multi30k_sentences(language or "eng", "train"), n_leaked, seed=1))
    rows = sample(wikiqa_sentences() if corpus == "wikiqa" else wikisplit_test_sentences(), n_test + n_leaked, seed=0)
    return rows[:n_test], rows[n_test:]


def with_chance(m: dict) -> dict:
    return {**m, "chance_rouge_l": m["chance"]["rouge_l"], "chance_token_f1": m["chance"]["token_f1"]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--decoder", default="default")
    ap.add_argument("--victims", nargs="+", default=["use-multilingual", "minilm"])
    ap.add_argument("--shots", nargs="+", type=int, default=[1, 10, 100, 1000])
    ap.add_argument("--n-test", type=int, default=200)
    ap.add_argument("--beams", type=int, default=4)
    ap.add_argument("--corpus", choices=("stsb", "wikiqa", "wikisplit", "multi30k"), default="stsb")
    ap.add_argument("--attack-language", default=None, help="language to decode into (a multilingual decoder)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--cache", default=".vecleak-cache")
    ap.add_argument("--out", default="benchmarks/results/algen_shots")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    decoder = load_decoder(args.decoder)
    language = args.attack_language or (decoder.languages[0] if len(decoder.languages or []) == 1 else None)
    if args.corpus != "multi30k" and language not in (None, "eng"):
        raise InputError(f"--corpus {args.corpus} is English; --attack-language {language} needs --corpus multi30k")
    test, leaked = test_and_leaked(args.corpus, args.n_test, max(args.shots), language)
    attacker = load_encoder(decoder.encoder_spec["name"])
    y_test = encode_cached(attacker, test, args.cache)
    y_leak = encode_cached(attacker, leaked, args.cache)
    rows = []
    rerank_options = (False, True) if args.beams > 1 else (False,)   # one beam: nothing to rerank

    # Own-space ceiling: decode A(x) directly, no alignment.
    for rerank in rerank_options:
        attack = ALGENAttack(decoder, attacker, aligner=Ridge(alpha=0), num_beams=args.beams, rerank=rerank,
                             language=language)
        t0 = time.monotonic()
        if rerank:
            from vecleak.decoders import rerank as rerank_fn

            cands = decoder.generate(y_test, num_beams=args.beams, num_candidates=args.beams, languages=language)
            texts, _ = rerank_fn(cands, y_test, attacker)
        else:
            texts = [c[0] for c in decoder.generate(y_test, num_beams=args.beams, languages=language)]
        secs = time.monotonic() - t0
        m = with_chance(attack.evaluate(Inversion(texts, y_test), test, y_test))
        rows.append({"victim": "(own space)", "shots": "-", "rerank": rerank, "alpha": "-", **m,
                     "sentences_per_s": len(test) / secs})
        print(rows[-1], flush=True)
    t0 = time.monotonic()
    decoder.generate(y_test[:64], num_beams=1, languages=language)
    greedy_speed = 64 / (time.monotonic() - t0)

    for victim_name in args.victims:
        victim = load_encoder(victim_name)
        x_test = encode_cached(victim, test, args.cache)
        x_leak = encode_cached(victim, leaked, args.cache)
        for shots in args.shots:
            alpha = "auto" if shots >= 2 else 0.0
            for rerank in rerank_options:
                attack = ALGENAttack(decoder, attacker, aligner=Ridge(alpha=alpha), num_beams=args.beams,
                                     rerank=rerank, language=language)
                attack.fit(x_leak[:shots], leaked[:shots], y_leak[:shots])
                inv = attack.invert(x_test)
                m = with_chance(attack.evaluate(inv, test, y_test))
                rows.append({"victim": victim_name, "shots": shots, "rerank": rerank,
                             "alpha": float(attack.aligner.alpha_), **m})
                print(rows[-1], flush=True)
    write_json(f"{args.out}.json", {"rows": rows, "greedy_sentences_per_s": greedy_speed, "decoder": args.decoder,
                                    "corpus": args.corpus, "language": language,
                                    "beams": args.beams, "n_test": len(test)})
    table = markdown_table(rows, COLUMNS)
    with open(f"{args.out}.md", "w", encoding="utf-8") as fh:
        fh.write(f"# ALGEN vs leaked pairs: decoder '{args.decoder}', {len(test)} {args.corpus} test sentences"
                 + (f" ({language})" if language else "") + " (chance: the same outputs against shuffled references)\n\n")
        fh.write(table + f"\ngreedy generation: {greedy_speed:.1f} sentences/s; beam {args.beams}"
                 + (f" + rerank: {rows[1]['sentences_per_s']:.1f}" if args.beams > 1 else f": {rows[0]['sentences_per_s']:.1f}")
                 + f" sentences/s ({args.threads} CPU threads)\n")
    print(table)
    if args.beams > 1:
        print(f"ratio own-space ROUGE-L rerank/no-rerank: {rows[1]['rouge_l'] / max(rows[0]['rouge_l'], 1e-9):.2f}")


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    run_script(main)
