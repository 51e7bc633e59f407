"""Decoding throughput, local vs. Ray Data workers (the audit's --backend ray), same outputs.

    .venv/bin/python benchmarks/decode_backends.py --decoder multilingual --n 400 --workers 2

Embeds ``--n`` shipped Tatoeba sentences with the decoder's encoder, decodes them greedily here
(torch with all threads) and on Ray (``--workers`` actors of one thread each, start-up
included and also reported apart), checks that the reconstructions are identical, and prints
sentences per second and the ratio.
"""

from __future__ import annotations

import argparse
import time

from vecleak.errors import run_script


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--decoder", default="multilingual")
    ap.add_argument("--n", type=int, default=400)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--beams", type=int, default=1)
    args = ap.parse_args()
    from vecleak.data.corpora import AUX_CORPUS
    from vecleak.data.records import read_texts
    from vecleak.decoders.ray_generate import RayDecoder
    from vecleak.decoders.shipped import load_decoder
    from vecleak.encoders import load_encoder
    from vecleak.ray_runtime import ray_runtime

    decoder = load_decoder(args.decoder)
    vectors = load_encoder(decoder.encoder_spec["name"]).encode(read_texts(AUX_CORPUS)[:args.n])
    langs = "eng" if decoder.languages else None
    t0 = time.monotonic()
    local = decoder.generate(vectors, num_beams=args.beams, languages=langs)
    t_local = time.monotonic() - t0
    t0 = time.monotonic()
    ray_runtime()
    t_start = time.monotonic() - t0
    remote = RayDecoder(decoder, num_workers=args.workers)
    t0 = time.monotonic()
    out = remote.generate(vectors, num_beams=args.beams, languages=langs)
    t_ray = time.monotonic() - t0
    print(f"| backend | sentences/s | seconds |\n|---|---|---|\n| local | {args.n / t_local:.1f} | {t_local:.1f} |\n"
          f"| ray, {args.workers} workers | {args.n / t_ray:.1f} | {t_ray:.1f} (+ {t_start:.1f} s Ray start) |")
    print(f"ray / local throughput: {t_local / t_ray:.2f}; identical reconstructions: {out == local}")


if __name__ == "__main__":
    run_script(main)
