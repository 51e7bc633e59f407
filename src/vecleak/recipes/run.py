"""File-level ALGEN attack and scoring: what ``vecleak attack`` / ``demo`` / ``eval`` run."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from vecleak.align.ridge import Ridge
from vecleak.decoders.pretrained import load_decoder
from vecleak.encoders.registry import load_encoder
from vecleak.errors import InputError
from vecleak.metrics import TEXT_METRICS_NOTE, cosine_rows, text_metrics
from vecleak.recipes.algen import ALGENAttack
from vecleak.recipes.io import attacker_for, load_leaked_pairs, load_victim_set, write_results

METRIC_KEYS = ("rouge_l", "bleu", "token_f1", "token_recall", "cosine")


def attack_files(*, victim: str, train: str | os.PathLike[str], test: str | os.PathLike[str], shots: int,
                 out: str | os.PathLike[str], decoder: str = "default", alpha: float | str = "auto",
                 beams: int = 4, rerank: bool = False, column: str = "text") -> tuple[dict[str, Any], list[dict]]:
    """Run ALGEN from files and write ``out/results.json`` + ``out/reconstructions.jsonl``.

    Returns the results and the per-item rows. Every input is read and checked before
    any model runs, and nothing is written unless the whole attack succeeds.
    """
    t0 = time.monotonic()
    dec = load_decoder(decoder)
    victim_enc = load_encoder(victim)
    leaked = load_leaked_pairs(train, victim_enc, shots, column=column)
    targets = load_victim_set(test, victim_enc, column=column)
    attacker = attacker_for(dec, victim_enc)
    attack = ALGENAttack(dec, attacker, aligner=Ridge(alpha=alpha), num_beams=beams, rerank=rerank)
    attack.fit(leaked.vectors, leaked.texts)
    inversion = attack.invert(targets.vectors)
    results: dict[str, Any] = {}
    rows = [{"reconstruction": r} for r in inversion.reconstructions]
    if targets.texts is not None:
        results.update(attack.evaluate(inversion, targets.texts))
        for row, ref in zip(rows, targets.texts):
            row["reference"] = ref
    results["n_test"] = len(rows)
    results["settings"] = {
        "victim_encoder": victim_enc.spec(), "shots": shots, "train": str(train), "test": str(test),
        **attack.settings(), "seconds": round(time.monotonic() - t0, 1),
    }
    write_results(out, results, rows)
    return results, rows


def evaluate_file(path: str | os.PathLike[str], *, encoder: str | None = None) -> dict[str, Any]:
    """Metrics of a ``reconstructions.jsonl`` (``reference`` and ``reconstruction`` per line)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file; give a reconstructions.jsonl")
    hyps, refs = [], []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                hyps.append(str(obj["reconstruction"]))
                refs.append(str(obj["reference"]))
            except (json.JSONDecodeError, KeyError, TypeError):
                raise InputError(f"{path}:{lineno}: need a JSON object with 'reference' and 'reconstruction'") from None
    if not refs:
        raise InputError(f"{path}: no lines to score")
    results: dict[str, Any] = text_metrics(hyps, refs)
    if encoder is not None:
        enc = load_encoder(encoder)
        results["cosine"] = float(cosine_rows(enc.encode([h or "." for h in hyps]), enc.encode(refs)).mean())
    results["n_test"] = len(refs)
    results["settings"] = {"input": str(path), "metrics_note": TEXT_METRICS_NOTE,
                           "cosine_encoder": encoder}
    return results
