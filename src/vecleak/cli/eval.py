"""``vecleak eval``, ``utility`` and ``embed``: score reconstructions, measure what a defense costs
downstream, and embed texts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from vecleak.cli.options import (
    CACHE, Cache, Column, DpEpsilon, OldEpsilon, Params, parse_params, renamed, usable_cache,
)
from vecleak.cli.output import console as _console
from vecleak.cli.output import emit as _emit
from vecleak.configs import AttackConfig, EmbedConfig, UtilityConfig
from vecleak.data.atomic import check_output_dir, check_output_file

_A, _U, _E = AttackConfig(), UtilityConfig(), EmbedConfig()


def eval_cmd(
    reconstructions: Annotated[Path, typer.Argument(help="A reconstructions.jsonl (fields 'reference', "
                                                         "'reconstruction').")],
    out: Annotated[Optional[Path], typer.Option(help="Write results.json here.")] = None,
    encoder: Annotated[Optional[str], typer.Option(help="Also report re-embedded cosine with this encoder.")] = None,
    tokenizer: Annotated[str, typer.Option(help="Metric tokenizer: unicode (default) or "
                                                "rouge-score.")] = _A.tokenizer,
) -> None:
    """Score reconstructions against their references (per language where lines have 'lang')."""
    from vecleak.cli.render import metrics_table
    from vecleak.recipes.io import write_results
    from vecleak.recipes.run import evaluate_file

    if out is not None:
        check_output_dir(out, kind="results")
    results = evaluate_file(reconstructions, encoder=encoder, tokenizer=tokenizer)
    _console().print(metrics_table(results, title=f"{results['n_test']} reconstructions"))
    if out is not None:
        write_results(out, results)
    _emit(results)


def utility(
    out: Annotated[Path, typer.Option(help="Output folder for results.json.")],
    encoder: Annotated[str, typer.Option(help="Encoder whose (defended) embeddings the task uses.")] = _U.encoder,
    task: Annotated[str, typer.Option(help="sst2, snli, msrp, stsb, or wikiqa (needs --data-dir).")] = _U.task,
    defense: Annotated[str, typer.Option(help="Defense name (see evaluate-defense), or 'none'.")] = _A.defense,
    epsilon: DpEpsilon = None,
    old_epsilon: OldEpsilon = None,
    seed: Annotated[int, typer.Option(help="Seed of the defense and of the head's held-out split.")] = _U.seed,
    param: Params = None,
    lang: Annotated[str, typer.Option(help="STSb language (en de fr nl es it pt).")] = _U.lang,
    limit: Annotated[Optional[int], typer.Option(help="Use only the first N examples of each split.")] = None,
    data_dir: Annotated[Optional[Path], typer.Option(help="Read the task from this folder instead of the shipped "
                                                          "copy.")] = None,
    cache: Cache = CACHE,
) -> None:
    """Downstream utility of (defended) embeddings: score, undefended score and their ratio."""
    from vecleak.cli.render import show_utility
    from vecleak.defenses import load_defense
    from vecleak.encoders.registry import load_encoder
    from vecleak.recipes.io import write_results
    from vecleak.utility import evaluate_utility

    check_output_dir(out, kind="results")
    UtilityConfig(encoder=encoder, task=task, lang=lang, seed=seed, limit=limit)
    epsilon = renamed(old_epsilon, epsilon, "--epsilon", "--dp-epsilon")
    mech = load_defense(defense, epsilon=epsilon, seed=seed, **parse_params(param))  # refuses --dp-epsilon for 'none'
    mech = None if defense == "none" else mech
    cache = usable_cache(cache)
    results = evaluate_utility(load_encoder(encoder), task, defense=mech, cache_dir=cache, seed=seed, limit=limit,
                               lang=lang, data_dir=data_dir)
    write_results(out, results)
    show_utility(_console(), results, str(out))
    _emit(results)


def embed(
    in_: Annotated[Path, typer.Option("--in", help="Texts: .txt (one per line), .jsonl ('text'), .csv/.tsv.")],
    out: Annotated[Path, typer.Option(help="Vectors: .npy, or .jsonl (text + embedding per line, the "
                                           "format --train/--test and file:PATH read).")],
    encoder: Annotated[str, typer.Option(help="Encoder (minilm, use-multilingual, smollm2, st:PATH, "
                                              "hf:PATH).")] = _E.encoder,
    column: Column = _E.column,
    cache: Cache = CACHE,
) -> None:
    """Embed texts with an encoder and write the vectors (.npy or .jsonl)."""
    import io
    import json

    import numpy as np

    from vecleak.data.atomic import atomic_write_bytes, atomic_write_text, check_path_name
    from vecleak.data.records import read_records
    from vecleak.data.vectors import check_vectors
    from vecleak.encoders import encode_cached, load_encoder
    from vecleak.errors import InputError

    if out.suffix not in (".npy", ".jsonl"):
        raise InputError(f"--out must end in .npy or .jsonl, got {out.name}")
    check_output_file(out)
    records = read_records(check_path_name(in_, setting="in"), column=column)
    cache = usable_cache(cache)
    enc = load_encoder(encoder)
    vectors = check_vectors(encode_cached(enc, [r.text for r in records], cache),
                            name=f"{enc.name}'s vectors (nothing was written)")
    if out.suffix == ".npy":
        buf = io.BytesIO()
        np.save(buf, vectors, allow_pickle=False)
        atomic_write_bytes(out, buf.getvalue())
    else:
        lines = (json.dumps({"text": r.text, **({"lang": r.lang} if r.lang else {}),
                             "embedding": [round(float(x), 7) for x in v]}, ensure_ascii=False)
                 for r, v in zip(records, vectors))
        atomic_write_text(out, "\n".join(lines) + "\n")
    _console().print(f"wrote {len(vectors)} {enc.dim}-d vectors of {enc.name} "
                     f"(pooling {enc.pooling}, normalized {enc.normalize}) to {out}")
