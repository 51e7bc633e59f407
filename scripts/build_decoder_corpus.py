"""Build the English training corpus of the shipped default decoder from ../shared/data.

Only sources whose licenses allow shipping a model trained on them are used (SNLI,
STS-benchmark train split, Tatoeba, WikiSplit); Multi30k/Flickr30k captions, the medical
question pairs, MSRP and WikiQA are left out. Every STSb dev and test sentence is removed
from training: dev gives the validation set, test stays untouched for benchmarks.

from vecleak.errors import run_script

    python scripts/build_decoder_corpus.py --data ../shared/data --out corpus
writes corpus/train.txt and corpus/valid.txt (500 STSb-dev sentences).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import random
from pathlib import Path

SHIPPABLE = {"snli_dev_test", "stsb_en", "tatoeba_eng(LASER)", "wikisplit_complex", "wikisplit_split"}


def stsb_sentences(path: Path) -> list[str]:
    with open(path, encoding="utf-8", newline="") as fh:
        return [s.strip() for row in csv.reader(fh) for s in row[:2] if s.strip()]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--out", default="corpus")
    ap.add_argument("--valid-size", type=int, default=500)
    ap.add_argument("--max-words", type=int, default=40, help="drop longer sentences")
    args = ap.parse_args()
    data, out = Path(args.data), Path(args.out)
    held_out = set()
    for split in ("dev", "test"):
        held_out.update(stsb_sentences(data / "stsb_multi_mt" / f"stsb-en-{split}.csv"))
    texts, seen = [], set()
    with gzip.open(data / "english_pool" / "english_pool.tsv.gz", "rt", encoding="utf-8") as fh:
        next(fh)
        for line in fh:
            source, _, text = line.rstrip("\n").partition("\t")
            text = " ".join(text.split())
            if source in SHIPPABLE and text and text not in held_out and text not in seen \
                    and len(text.split()) <= args.max_words:
                seen.add(text)
                texts.append(text)
    random.Random(0).shuffle(texts)
    dev = sorted(set(stsb_sentences(data / "stsb_multi_mt" / "stsb-en-dev.csv")))
    random.Random(1).shuffle(dev)
    out.mkdir(parents=True, exist_ok=True)
    (out / "train.txt").write_text("\n".join(texts) + "\n", encoding="utf-8")
    (out / "valid.txt").write_text("\n".join(dev[:args.valid_size]) + "\n", encoding="utf-8")
    print(f"train: {len(texts)} sentences, valid: {min(len(dev), args.valid_size)} -> {out}")


if __name__ == "__main__":
    run_script(main)
