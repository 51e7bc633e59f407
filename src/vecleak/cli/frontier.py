"""``vecleak frontier``: every defense family's strength against retrieval utility, for one victim.

It embeds ``--texts`` with the victim encoder and prices the defenses exactly as
``vecleak audit`` does on a store (the same :mod:`vecleak.frontier` code), so the output folder
is an audit of those texts: ``audit.json`` (its ``defenses`` are the frontier, ``pareto`` marks
the Pareto set) and ``report.html``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from vecleak.cli.options import CACHE, Counts, one_count, shots_option, usable_cache
from vecleak.configs import FRONTIER_DEFAULTS, AuditConfig

_A = FRONTIER_DEFAULTS


def frontier(
    victim: Annotated[str, typer.Option(help="The victim encoder (minilm, use-multilingual, st:PATH, ...).")],
    texts: Annotated[Path, typer.Option(help="The texts to embed and attack (.txt, .jsonl with text and lang).")],
    out: Annotated[Path, typer.Option(help="Folder for audit.json and report.html.")],
    defense: Annotated[Optional[list[str]], typer.Option(help="Settings to sweep, name:key=value (repeat; default: "
                                                              "every family from light to strong).")] = None,
    sample: Annotated[int, typer.Option(help="Texts attacked (the rest are the leak pool and retrieval "
                                             "corpus).")] = _A.sample,
    shots: Annotated[Counts, shots_option("Leaked pairs of the few-shot attacker (one count).")] = Counts(_A.shots),
    defense_sample: Annotated[int, typer.Option(help="Texts each defense's attackers decode.")] = _A.defense_sample,
    min_recall: Annotated[float, typer.Option(help="recall@10 a recommended defense must keep.")] = _A.min_recall,
    seed: Annotated[int, typer.Option(help="Seed of the sample and of random defenses.")] = _A.seed,
) -> None:
    """Sweep defenses: strongest-attacker token F1 against retrieval recall@10, one curve per family."""
    from rich.table import Table

    from vecleak.audit import run_audit
    from vecleak.audit.run import check_config
    from vecleak.cli.output import OUTPUT, console as make_console, emit
    from vecleak.data.atomic import check_output_dir
    from vecleak.data.records import read_records
    from vecleak.encoders import encode_cached, load_encoder
    from vecleak.stores.files import ArrayStore

    check_output_dir(out, kind="audit")
    config = AuditConfig(sample=sample, shots=(one_count(shots),), encoder=victim, defense_sample=defense_sample,
                         defenses=tuple(defense) if defense else _A.defenses, min_recall=min_recall, seed=seed,
                         search_sample=_A.search_sample)
    check_config(config)                    # an unknown --defense fails before the encoder loads
    records = read_records(texts)
    cache = usable_cache(CACHE)
    encoder = load_encoder(victim)
    vectors = encode_cached(encoder, [r.text for r in records], cache)
    store = ArrayStore(vectors, [r.text for r in records], [r.lang for r in records])
    result = run_audit(store, config, out=out, show_progress=not (OUTPUT["quiet"] or OUTPUT["json"]))
    table = Table(title=f"privacy-utility frontier of {victim} ({result['sample_size']} texts attacked)",
                  title_justify="left")
    for col in ("defense", "strongest token F1 (chance)", "cut", "recall@10", "nDCG@10", "Pareto"):
        table.add_column(col, justify="left" if col == "defense" else "right")
    for d in result["defenses"]:
        table.add_row(d["label"], f"{d['token_f1']:.3f} ({d['chance']['token_f1']:.3f})",
                      f"{d['token_f1_reduction']:.0%}", f"{d['recall_at_10']:.3f}", f"{d['ndcg_at_10']:.3f}",
                      "★" if d["pareto"] else "")
    console = make_console()
    console.print(table)
    console.print(f"report: {out / 'report.html'}")
    emit({"defenses": result["defenses"], "recommendation": result["recommendation"]})
