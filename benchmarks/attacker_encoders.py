"""Which attacker encoder receives a victim's vectors best? A decoder-free comparison.

An inversion attack maps victim vectors into the attacker encoder A's space (ALGEN ridge,
α by leave-one-out) and decodes there. Before any decoder is trained, the map itself can be
judged: align the victim vectors of 200 held-out STSb-en test sentences and rank those 200
sentences' own A-embeddings by cosine. ``top1`` (the aligned vector is closest to its own
sentence) and ``mrr`` do not depend on how A's space is shaped, so they compare across A, unlike
the aligned cosine. Victim = attacker rows are the own-space reference (top1 = 1).

    python benchmarks/attacker_encoders.py --encoders minilm use-multilingual smollm2 --shots 100 1000
    python benchmarks/attacker_encoders.py --encoders minilm use-multilingual smollm2 gemma3 --lang de

``--lang`` (an STSb code: en de fr nl es it pt) takes the sentences of that language's STSb
translation, so a multilingual attacker space can be judged where an English-centred victim is weak.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from common import markdown_table, sample, stsb_sentences, write_json
from vecleak.align import Ridge
from vecleak.encoders import encode_cached, load_encoder
from vecleak.errors import run_script

COLUMNS = ["victim", "attacker", "dim", "shots", "top1", "mrr", "aligned_cosine"]


def ranks(aligned: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """1-based rank of row i's own target among all targets, by cosine: ``(n,)``."""
    a = aligned / np.linalg.norm(aligned, axis=1, keepdims=True)
    t = targets / np.linalg.norm(targets, axis=1, keepdims=True)
    sims = a @ t.T
    return 1 + (sims > np.diag(sims)[:, None]).sum(1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--encoders", nargs="+", default=["minilm", "use-multilingual", "smollm2"])
    ap.add_argument("--shots", nargs="+", type=int, default=[100, 1000])
    ap.add_argument("--n-test", type=int, default=200)
    ap.add_argument("--lang", default="en", help="STSb language code of the sentences (en de fr nl es it pt)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--cache", default=".vecleak-cache")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results"))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    test = sample(stsb_sentences(args.lang, "test"), args.n_test, seed=0)
    leaked = sample(stsb_sentences(args.lang, "train"), max(args.shots), seed=1)
    vecs = {}
    for name in args.encoders:
        enc = load_encoder(name)
        vecs[name] = (np.asarray(encode_cached(enc, leaked, args.cache)), np.asarray(encode_cached(enc, test, args.cache)))
    rows = []
    for victim in args.encoders:
        for attacker in args.encoders:
            for b in args.shots:
                X, Y = vecs[victim][0][:b], vecs[attacker][0][:b]
                aligned = Ridge(alpha="auto").fit(X, Y).transform(vecs[victim][1])
                target = vecs[attacker][1]
                r = ranks(aligned, target)
                cos = (aligned * target).sum(1) / np.linalg.norm(aligned, axis=1) / np.linalg.norm(target, axis=1)
                rows.append({"victim": victim, "attacker": attacker, "dim": target.shape[1], "shots": b,
                             "top1": float((r == 1).mean()), "mrr": float((1 / r).mean()),
                             "aligned_cosine": float(cos.mean())})
                print(rows[-1], flush=True)
    out = Path(args.out)
    tag = "attacker_encoders" if args.lang == "en" else f"attacker_encoders_{args.lang}"
    write_json(out / f"{tag}.json", rows)
    md = ("# Attacker encoders: how well a victim's vectors align into each attacker space\n\n"
          f"Ridge (α by LOO) on STSb-{args.lang} train pairs; top1 / mrr: rank of the true sentence among "
          f"{args.n_test} STSb-{args.lang} test sentences by cosine in the attacker's space.\n\n"
          + markdown_table(rows, COLUMNS))
    (out / f"{tag}.md").write_text(md, encoding="utf-8")
    print(md)


if __name__ == "__main__":
    run_script(main)
