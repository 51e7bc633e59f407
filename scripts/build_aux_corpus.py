"""Build the adaptive attacker's default auxiliary corpus: 2,000 English Tatoeba sentences.

    python scripts/build_aux_corpus.py [../shared/data]

Reads the English sides of LASER's Tatoeba test sets (CC BY 2.0 FR text), de-duplicates,
drops sentences shorter than 4 words, shuffles with a fixed seed and writes
src/vecleak/data/aux/tatoeba_en.txt.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from vecleak.errors import run_script

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    shared = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / ".." / "shared" / "data"
    seen: dict[str, None] = {}
    for path in sorted((shared / "laser_tatoeba").glob("tatoeba.*-eng.eng")):
        for line in path.read_text(encoding="utf-8").splitlines():
            line = " ".join(line.split())
            if len(line.split()) >= 4:
                seen.setdefault(line, None)
    texts = list(seen)
    random.Random(0).shuffle(texts)
    out = ROOT / "src" / "vecleak" / "data" / "aux" / "tatoeba_en.txt"
    out.write_text("\n".join(texts[:2000]) + "\n", encoding="utf-8")
    print(f"wrote {out} ({min(2000, len(texts))} of {len(texts)} sentences)")


if __name__ == "__main__":
    run_script(main)
