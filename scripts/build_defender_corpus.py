"""Build ``vecleak/data/aux/defender_snli.txt``: the defender's own text, disjoint from the attacker's.

A defense that learns (PCA, Eguard's autoencoder) is fitted by the defender on text of its own.
The attacker's auxiliary corpus is Tatoeba (``tatoeba_en.txt``); the defender's is 2,000
distinct SNLI premises (at least 4 words, shuffled with seed 0) from the shipped SNLI dev
subset (``vecleak/data/utility/snli-train.tsv.gz``), so the two share no sentence.

    .venv/bin/python scripts/build_defender_corpus.py
"""

from __future__ import annotations

import gzip
import random
from pathlib import Path

from vecleak.errors import run_script

DATA = Path(__file__).resolve().parents[1] / "src" / "vecleak" / "data"


def main() -> None:
    with gzip.open(DATA / "utility" / "snli-train.tsv.gz", "rt", encoding="utf-8") as fh:
        premises = [line.split("\t")[0].strip() for line in fh if line.strip()]
    attacker = set((DATA / "aux" / "tatoeba_en.txt").read_text(encoding="utf-8").splitlines())
    texts = [t for t in dict.fromkeys(premises) if len(t.split()) >= 4 and t not in attacker]
    random.Random(0).shuffle(texts)
    (DATA / "aux" / "defender_snli.txt").write_text("\n".join(texts[:2000]) + "\n", encoding="utf-8")
    print(f"wrote {min(2000, len(texts))} sentences")


if __name__ == "__main__":
    run_script(main)
