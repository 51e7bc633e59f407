"""Decoder backbones side by side: the same data, the same wall-clock budget, own-space ROUGE-L per language.

Each ``LABEL=RUN`` is a folder written by ``scripts/train_multilingual_decoder.py`` (its
``log.jsonl`` says how far training got in how long). For each, the table gives the steps and
training seconds reached, the trained (saved) weights and their size, the validation loss, and
the own-space greedy ROUGE-L / token F1 of every language on held-out STSb test sentences
(``decoder_ceiling.held_out``: the same rows in every language), each beside its chance level,
with greedy sentences/s.

    python scripts/train_multilingual_decoder.py --corpus corpus-ml --out runs/gemma-35m --backbone hf-causal-lm \
        --trainable-layers 4 --steps 3000 --lr 3e-4 --warmup 200 --eval-every 100 --threads 1 --max-minutes 35
    python scripts/train_multilingual_decoder.py --corpus corpus-ml --out runs/compact-35m \
        --steps 3000 --lr 3e-4 --warmup 200 --eval-every 100 --threads 1 --max-minutes 35
    python benchmarks/backbone_comparison.py compact=runs/compact-35m gemma3=runs/gemma-35m --n-test 50
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from common import markdown_table, write_json
from decoder_ceiling import STSB_CODES, ceiling_rows
from vecleak.decoders import InversionDecoder
from vecleak.encoders import load_encoder
from vecleak.errors import run_script

COLUMNS = ["backbone", "lang", "rouge_l", "chance_rouge_l", "token_f1", "chance_token_f1", "distinct_rate",
           "sentences_per_s"]
SUMMARY = ["backbone", "steps", "train_s", "valid_loss", "trained_weights", "saved_mb", "macro_rouge_l",
           "macro_chance_rouge_l", "sentences_per_s"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", nargs="+", metavar="LABEL=RUN")
    ap.add_argument("--langs", nargs="+", default=list(STSB_CODES), choices=list(STSB_CODES))
    ap.add_argument("--n-test", type=int, default=50)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--cache", default=".vecleak-cache")
    ap.add_argument("--out", default="benchmarks/results/backbone_comparison")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    rows, summary = [], []
    for item in args.runs:
        label, _, run = item.partition("=")
        if not run:
            raise SystemExit(f"'{item}': give LABEL=RUN_FOLDER")
        run = Path(run)
        log = [json.loads(x) for x in (run / "log.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]
        decoder = InversionDecoder.load(run)
        langs = [x for x in args.langs if x in decoder.languages] if decoder.languages else ["eng"]
        got = ceiling_rows(decoder, load_encoder(decoder.encoder_spec["name"]), langs, [1], n_test=args.n_test,
                           cache=args.cache)
        for r in got:
            r["backbone"] = label
        rows += got
        last = log[-1]
        summary.append({
            "backbone": label, "steps": last["step"], "train_s": last["elapsed_s"], "valid_loss": last.get("valid_loss"),
            "trained_weights": sum(v.numel() for k, v in decoder.model.state_dict().items()
                                   if k not in decoder.config.frozen),
            "saved_mb": (run / "model.safetensors").stat().st_size / 1e6,
            "macro_rouge_l": sum(r["rouge_l"] for r in got) / len(got),
            "macro_chance_rouge_l": sum(r["chance_rouge_l"] for r in got) / len(got),
            "sentences_per_s": sum(r["sentences_per_s"] for r in got) / len(got),
            "curve": [{k: x.get(k) for k in ("step", "elapsed_s", "valid_loss", "valid_rouge_l")} for x in log]})
    write_json(f"{args.out}.json", {"n_test": args.n_test, "threads": args.threads, "tokenizer": "unicode",
                                    "summary": summary, "rows": rows})
    text = (f"# Decoder backbones at the same wall-clock budget ({args.n_test} STSb test sentences per language, "
            f"own space, greedy, Unicode tokens, {args.threads} CPU threads; chance: the same outputs against "
            "shuffled references)\n\n" + markdown_table(summary, SUMMARY) + "\n" + markdown_table(rows, COLUMNS))
    Path(f"{args.out}.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    run_script(main)
