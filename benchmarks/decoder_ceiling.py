"""Own-space ceiling of a decoder: decode the attacker's own vectors of held-out sentences.

No alignment: every test sentence x is embedded with the decoder's encoder A and A(x) is
decoded, with plain beam search and with the embedding-guided rerank over all beam
hypotheses, for a range of beam widths. Test: the same 200 held-out STSb English test
sentences as ``algen_shots.py``. Prints ROUGE-L, BLEU, token F1, cosine and sentences/s.

    python benchmarks/decoder_ceiling.py --beams 4 8 16 32 64 [--decoder DIR] [--out benchmarks/results/decoder_ceiling]
"""

from __future__ import annotations

import argparse
import time

import torch

from common import markdown_table, sample, stsb_sentences, write_json
from vecleak.align import Ridge
from vecleak.decoders import load_decoder, rerank
from vecleak.encoders import encode_cached, load_encoder
from vecleak.recipes.algen import ALGENAttack, Inversion

COLUMNS = ["beams", "rerank", "rouge_l", "bleu", "token_f1", "token_recall", "cosine", "sentences_per_s"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--decoder", default="default")
    ap.add_argument("--beams", nargs="+", type=int, default=[4, 8, 16, 32, 64])
    ap.add_argument("--n-test", type=int, default=200)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--cache", default=".vecleak-cache")
    ap.add_argument("--out", default="benchmarks/results/decoder_ceiling")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    test = sample(stsb_sentences("en", "test"), args.n_test, seed=0)
    decoder = load_decoder(args.decoder)
    attacker = load_encoder(decoder.encoder_spec["name"])
    y = encode_cached(attacker, test, args.cache)
    scorer = ALGENAttack(decoder, attacker, aligner=Ridge(alpha=0))
    rows = []
    for beams in args.beams:
        t0 = time.monotonic()
        candidates = decoder.generate(y, num_beams=beams, num_candidates=beams, batch_size=max(1, 256 // beams))
        beam_secs = time.monotonic() - t0
        reranked, _ = rerank(candidates, y, attacker)
        rerank_secs = time.monotonic() - t0
        for use_rerank, texts, secs in ((False, [c[0] for c in candidates], beam_secs), (True, reranked, rerank_secs)):
            metrics = scorer.evaluate(Inversion(texts, y), test, y)
            rows.append({"beams": beams, "rerank": use_rerank, **metrics, "sentences_per_s": len(test) / secs})
            print(rows[-1], flush=True)
    write_json(f"{args.out}.json", {"decoder": args.decoder, "n_test": len(test), "threads": args.threads,
                                    "rows": rows})
    table = markdown_table(rows, COLUMNS)
    with open(f"{args.out}.md", "w", encoding="utf-8") as fh:
        fh.write(f"# Own-space ceiling of decoder '{args.decoder}' ({len(test)} STSb test sentences, "
                 f"{args.threads} CPU threads)\n\n" + table)
    print(table)


if __name__ == "__main__":
    main()
