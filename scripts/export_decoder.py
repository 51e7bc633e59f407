"""Copy a trained decoder into the package as the shipped default, weights in float16.

    python scripts/export_decoder.py runs/default-decoder src/vecleak/decoders/pretrained/minilm-bert-causal
    python scripts/export_decoder.py runs/ml-decoder src/vecleak/decoders/pretrained/use-multilingual-bert-causal \
        --with corpus-ml/SOURCES.md
    python scripts/export_decoder.py runs/decoder-v3 src/vecleak/decoders/pretrained/minilm-bert-causal \\
        --after src/vecleak/decoders/pretrained/minilm-bert-causal/training_log.jsonl

``--after LOG``: the run continued an earlier one (``train-decoder --init``); the shipped
``training_log.jsonl`` then holds LOG's lines followed by the new run's, each line with its
``phase`` and the steps and seconds counted from the very first run (``total_step``,
``total_elapsed_s``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from vecleak.data.atomic import atomic_write_text
from vecleak.decoders import InversionDecoder
from vecleak.errors import run_script


def combined_log(previous: list[dict], new: list[dict]) -> list[dict]:
    """Previous phases' lines, then the new run's (its step-0 evaluation repeats the last one: dropped)."""
    out = [dict(line) for line in previous]
    for line in out:
        line.setdefault("phase", 1)
        line.setdefault("total_step", line["step"])
        line.setdefault("total_elapsed_s", line["elapsed_s"])
    last = out[-1] if out else {"phase": 0, "total_step": 0, "total_elapsed_s": 0.0}
    for line in new:
        if line["step"] == 0 and out:
            continue
        out.append({**line, "phase": last["phase"] + 1, "total_step": last["total_step"] + line["step"],
                    "total_elapsed_s": last["total_elapsed_s"] + line["elapsed_s"]})
    return out


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--after", help="training log of the run this one continued")
    ap.add_argument("--with", dest="extra", action="append", default=[],
                    help="a file to copy beside the weights (e.g. the corpus's SOURCES.md); repeatable")
    args = ap.parse_args()
    src, dst = Path(args.src), Path(args.dst)
    previous = read_jsonl(Path(args.after)) if args.after else []  # read before dst is overwritten
    decoder = InversionDecoder.load(src)
    decoder.save(dst, dtype=torch.float16)
    new = read_jsonl(src / "log.jsonl") if (src / "log.jsonl").is_file() else []
    lines = combined_log(previous, new) if args.after else new
    if lines:
        atomic_write_text(dst / "training_log.jsonl", "".join(json.dumps(x) + "\n" for x in lines))
    for extra in args.extra:
        atomic_write_text(dst / Path(extra).name, Path(extra).read_text(encoding="utf-8"))
    size = sum(p.stat().st_size for p in dst.iterdir()) / 2**20
    print(f"exported {src} -> {dst} ({size:.1f} MiB)")


if __name__ == "__main__":
    run_script(main)
