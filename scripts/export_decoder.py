"""Copy a trained decoder into the package as the shipped default, weights in float16.

    python scripts/export_decoder.py runs/default-decoder src/vecleak/decoders/pretrained/minilm-bert-causal
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import torch

from vecleak.decoders import InversionDecoder


def main() -> None:
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    src, dst = Path(sys.argv[1]), Path(sys.argv[2])
    decoder = InversionDecoder.load(src)
    decoder.save(dst, dtype=torch.float16)
    for extra in ("log.jsonl",):
        if (src / extra).is_file():
            shutil.copy(src / extra, dst / "training_log.jsonl")
    size = sum(p.stat().st_size for p in dst.iterdir()) / 2**20
    print(f"exported {src} -> {dst} ({size:.1f} MiB)")


if __name__ == "__main__":
    main()
