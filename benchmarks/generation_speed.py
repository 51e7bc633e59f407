"""Decoding throughput: sentences per second of a shipped decoder, greedy and beam search.

Decodes the attacker's own vectors of 200 STSb test sentences (English, or each given
language for a language-conditioned decoder) and prints sentences/s per beam width, with
the thread count: the median of ``--repeats`` timed runs and the best. Run it on an otherwise
idle machine.

    python benchmarks/generation_speed.py --decoder default --beams 1 4 --threads 2
    python benchmarks/generation_speed.py --decoder multilingual --lang deu --beams 1 4
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from common import markdown_table, sample, stsb_sentences, write_json
from vecleak.decoders import load_decoder
from vecleak.encoders import encode_cached, load_encoder
from vecleak.errors import run_script

STSB_CODES = {"eng": "en", "deu": "de", "fra": "fr", "nld": "nl", "spa": "es", "ita": "it", "por": "pt"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--decoder", default="default")
    ap.add_argument("--lang", default="eng", choices=list(STSB_CODES))
    ap.add_argument("--beams", nargs="+", type=int, default=[1, 4])
    ap.add_argument("--n-test", type=int, default=200)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=64, help="hypotheses per forward pass")
    ap.add_argument("--repeats", type=int, default=3, help="timed runs per beam width (median and best reported: "
                                                            "a shared 2-core machine varies by ±20% run to run)")
    ap.add_argument("--cache", default=".vecleak-cache")
    ap.add_argument("--out", default=None, help="write OUT.json and OUT.md")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    decoder = load_decoder(args.decoder)
    attacker = load_encoder(decoder.encoder_spec["name"])
    texts = sample(stsb_sentences(STSB_CODES[args.lang], "test"), args.n_test, seed=0)
    y = encode_cached(attacker, texts, args.cache)
    language = args.lang if decoder.languages else None
    decoder.generate(y[:8], languages=language)          # warm-up
    rows = []
    for beams in args.beams:
        times = []
        for _ in range(args.repeats):
            t0 = time.monotonic()
            decoder.generate(y, num_beams=beams, batch_size=args.batch_size, languages=language)
            times.append(time.monotonic() - t0)
        secs = statistics.median(times)
        rows.append({"decoder": args.decoder, "lang": args.lang, "beams": beams, "threads": args.threads,
                     "batch_size": args.batch_size, "sentences_per_s": len(texts) / secs,
                     "best_sentences_per_s": len(texts) / min(times), "seconds": secs, "repeats": args.repeats})
        print(rows[-1], flush=True)
    table = markdown_table(rows, ["decoder", "lang", "beams", "threads", "batch_size", "sentences_per_s", "best_sentences_per_s", "seconds"])
    print(table)
    if args.out:
        write_json(f"{args.out}.json", {"rows": rows, "n_test": len(texts)})
        with open(f"{args.out}.md", "w", encoding="utf-8") as fh:
            fh.write(f"# Decoding throughput ({len(texts)} STSb test sentences)\n\n" + table)


if __name__ == "__main__":
    run_script(main)
