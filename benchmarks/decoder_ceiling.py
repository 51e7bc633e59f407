"""Own-space ceiling of a decoder: decode the attacker's own vectors of held-out sentences.

No alignment: every test sentence x is embedded with the decoder's encoder A and A(x) is
decoded, with plain beam search and with the embedding-guided rerank over all beam
hypotheses, for a range of beam widths. Test: 200 held-out STSb test sentences per language
(the same English ones as ``algen_shots.py``; the same rows in every language). Prints
ROUGE-L, BLEU, token F1 (Unicode tokens) with their chance level (the outputs against shuffled
references), the distinct-output rate, cosine and sentences/s.

    python benchmarks/decoder_ceiling.py --beams 4 8 16 32 64 [--decoder DIR] [--out benchmarks/results/decoder_ceiling]
    python benchmarks/decoder_ceiling.py --decoder multilingual --langs eng deu fra nld spa ita por --beams 1 4 \
        --out benchmarks/results/decoder_ceiling_multilingual
    python benchmarks/decoder_ceiling.py --decoder runs/ml6 --split dev --n-test 150 ...   # choose a checkpoint
"""

from __future__ import annotations

import argparse
import time

import torch

from common import markdown_table, sample, stsb_sentences, wikiqa_sentences, write_json
from vecleak.align import Ridge
from vecleak.decoders import load_decoder, rerank
from vecleak.encoders import encode_cached, load_encoder
from vecleak.errors import run_script
from vecleak.recipes.algen import ALGENAttack, Inversion

COLUMNS = ["lang", "beams", "rerank", "rouge_l", "chance_rouge_l", "token_f1", "chance_token_f1", "bleu",
           "distinct_rate", "cosine", "sentences_per_s"]
#: ISO 639-3 -> STSb file code.
STSB_CODES = {"eng": "en", "deu": "de", "fra": "fr", "nld": "nl", "spa": "es", "ita": "it", "por": "pt"}


def held_out(lang: str, n_test: int, corpus: str = "stsb", split: str = "test") -> list[str]:
    """The held-out sentences of one language: the same ``n_test`` rows of STSb ``split`` (test,
    or dev for choosing between checkpoints) in every language (or WikiQA answers, English only)."""
    if corpus == "wikiqa":
        return sample(wikiqa_sentences(), n_test, seed=0)
    english = stsb_sentences("en", split)
    picked = [english.index(t) for t in sample(english, n_test, seed=0)]
    sentences = stsb_sentences(STSB_CODES[lang], split)
    return [sentences[i] for i in picked if i < len(sentences)]


def ceiling_rows(decoder, attacker, langs: list[str], beams_list: list[int], *, n_test: int, corpus: str = "stsb",
                 split: str = "test", cache: str = ".vecleak-cache") -> list[dict]:
    """One row per language x beam width (x rerank): the decoder's own-space scores and speed."""
    rows = []
    for lang in langs:
        test = held_out(lang, n_test, corpus, split)
        y = encode_cached(attacker, test, cache)
        language = lang if decoder.languages else None
        scorer = ALGENAttack(decoder, attacker, aligner=Ridge(alpha=0), language=language)
        for beams in beams_list:
            t0 = time.monotonic()
            candidates = decoder.generate(y, num_beams=beams, num_candidates=beams, batch_size=256,
                                          languages=language)
            beam_secs = time.monotonic() - t0
            variants = [(False, [c[0] for c in candidates], beam_secs)]
            if beams > 1:
                reranked, _ = rerank(candidates, y, attacker)
                variants.append((True, reranked, time.monotonic() - t0))
            for use_rerank, texts, secs in variants:
                m = scorer.evaluate(Inversion(texts, y), test, y)
                rows.append({"lang": lang, "beams": beams, "rerank": use_rerank, **m,
                             "chance_rouge_l": m["chance"]["rouge_l"], "chance_token_f1": m["chance"]["token_f1"],
                             "sentences_per_s": len(test) / secs, "example": [test[0], texts[0]]})
                print({k: v for k, v in rows[-1].items() if k != "chance"}, flush=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--decoder", default="default")
    ap.add_argument("--beams", nargs="+", type=int, default=[4, 8, 16, 32, 64])
    ap.add_argument("--langs", nargs="+", default=["eng"], choices=list(STSB_CODES))
    ap.add_argument("--n-test", type=int, default=200)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--cache", default=".vecleak-cache")
    ap.add_argument("--out", default="benchmarks/results/decoder_ceiling")
    ap.add_argument("--corpus", choices=("stsb", "wikiqa"), default="stsb",
                    help="held-out test text: STSb test (every language) or WikiQA answers (English only)")
    ap.add_argument("--split", choices=("test", "dev"), default="test",
                    help="STSb split: dev to choose between checkpoints before any test row is decoded")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    if args.corpus == "wikiqa" and args.langs != ["eng"]:
        raise SystemExit("--corpus wikiqa is English only: use --langs eng")
    if args.corpus == "wikiqa" and args.split != "test":
        raise SystemExit("--split applies to STSb only: drop it with --corpus wikiqa")
    decoder = load_decoder(args.decoder)
    rows = ceiling_rows(decoder, load_encoder(decoder.encoder_spec["name"]), args.langs, args.beams, n_test=args.n_test,
                        corpus=args.corpus, split=args.split, cache=args.cache)
    write_json(f"{args.out}.json", {"decoder": args.decoder, "n_test": args.n_test, "split": args.split,
                                    "threads": args.threads,
                                    "tokenizer": "unicode", "rows": rows})
    table = markdown_table(rows, COLUMNS)
    with open(f"{args.out}.md", "w", encoding="utf-8") as fh:
        corpus = f"STSb {args.split}" if args.corpus == "stsb" else "WikiQA answer"
        fh.write(f"# Own-space ceiling of decoder '{args.decoder}' ({args.n_test} {corpus} sentences per language, "
                 f"{args.threads} CPU threads, Unicode tokens; chance: the same outputs against shuffled "
                 f"references)\n\n" + table)
    print(table)


if __name__ == "__main__":
    run_script(main)
