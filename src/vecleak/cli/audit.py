"""``vecleak audit``: the command over :func:`vecleak.audit.run_audit` (options read from AuditConfig).

Exit codes: 0 done; 2 bad input (one line, nothing written); 130 interrupted; and
:data:`FAIL_EXIT_CODE` (3) when ``--fail-on LEVEL`` is given and the verdict reaches it, so a
CI job fails on a leaking store as it fails on a vulnerable dependency.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from vecleak.cli.options import Counts, shots_option
from vecleak.configs import DEFENSE_SETS, SEARCH_SAMPLE, SEARCH_SEGMENT_WORDS, AuditConfig
from vecleak.stores.registry import store_usage

_A = AuditConfig()
#: The exit code of an audit whose verdict reaches ``--fail-on``.
FAIL_EXIT_CODE = 3


def audit(
    out: Annotated[Path, typer.Option(help="Folder for report.html, audit.json and reconstructions.jsonl.")],
    store: Annotated[Optional[str], typer.Option(help=f"{store_usage(' or ')}. Read only.")] = None,
    collection: Annotated[Optional[str], typer.Option(help="Chroma or Qdrant collection, or LanceDB table.")] = None,
    table: Annotated[Optional[str], typer.Option(help="PostgreSQL table (schema.table allowed).")] = None,
    vector_column: Annotated[Optional[str], typer.Option(help="Vector column (default: embedding in PostgreSQL, "
                                                              "vector in LanceDB).")] = None,
    text_column: Annotated[Optional[str], typer.Option(help="Text column (default: text).")] = None,
    id_column: Annotated[Optional[str], typer.Option(help="Id column (default: id).")] = None,
    vectors: Annotated[Optional[Path], typer.Option(help="Exported vectors (.npy, .jsonl, .parquet) instead of "
                                                         "--store.")] = None,
    texts: Annotated[Optional[Path], typer.Option(help="Texts of --vectors or of a FAISS index, one per vector "
                                                       "(.txt, .jsonl with text and lang).")] = None,
    encoder: Annotated[str, typer.Option(help="auto (identify by re-embedding), an encoder name, or none "
                                              "(black box).")] = _A.encoder,
    sample: Annotated[int, typer.Option(help="Audited rows, drawn with --seed.")] = _A.sample,
    shots: Annotated[Counts, shots_option("Leaked-pair levels of the few-shot attacker, comma-separated.")]
        = Counts(_A.shots),
    defenses: Annotated[str, typer.Option(help=f"The defense sweep: {' | '.join(DEFENSE_SETS)} (quick: "
                                               f"{len(DEFENSE_SETS['quick'])} settings, full: "
                                               f"{len(DEFENSE_SETS['full'])}), or name:key=value specs, "
                                               "comma-separated.")] = "quick",
    defense: Annotated[Optional[list[str]], typer.Option(help="One defense setting to price, name:key=value "
                                                              "(repeat; replaces --defenses).")] = None,
    defense_sample: Annotated[int, typer.Option(help="Audited rows the defense sweep attacks.")] = _A.defense_sample,
    min_recall: Annotated[float, typer.Option(help="recall@10 a recommended defense must keep.")] = _A.min_recall,
    beams: Annotated[int, typer.Option(help="Beam width of every decode (1 = greedy).")] = _A.beams,
    language: Annotated[str, typer.Option(help="Language of rows without a 'lang' field (ISO 639-3).")]
        = _A.language,
    aux_size: Annotated[int, typer.Option(help="Auxiliary texts the query-access attacker sends through the "
                                               "encoder.")] = _A.aux_size,
    backend: Annotated[str, typer.Option(help="Where decoding runs: local, or ray (Ray Data workers; "
                                              "ray.init(address=...) via RAY_ADDRESS for a cluster).")] = _A.backend,
    attacker_decoder: Annotated[str, typer.Option(help="The few-shot and query attackers' decoder: a shipped name "
                                                       "or a folder; auto: the best shipped one whose encoder is "
                                                       "not the store's.")] = _A.attacker_decoder,
    search_sample: Annotated[Optional[int], typer.Option(help="Audited rows the search row attacks (default: "
                                                              f"{SEARCH_SAMPLE} when the encoder answers queries; 0: "
                                                              "no search row).")] = _A.search_sample,
    search_budget: Annotated[int, typer.Option(help="Encoder queries per record of the search row.")]
        = _A.search_budget,
    search_segments: Annotated[Optional[int], typer.Option(help="Texts the search writes one after another per "
                                                                "record (default: from the records' median length, "
                                                                f"one per {SEARCH_SEGMENT_WORDS} words; 1 for "
                                                                "sentences).")] = _A.search_segments,
    query_encoder: Annotated[Optional[str], typer.Option(help="An encoder the attacker can query but not read "
                                                              "(the store's model behind an API): the black-box "
                                                              "search's oracle when --encoder is not known.")]
        = _A.query_encoder,
    ids: Annotated[Optional[str], typer.Option(help="Audit these store ids instead of a sample: comma-separated, "
                                                    "or @FILE with one id per line.")] = None,
    where: Annotated[Optional[list[str]], typer.Option(help="Audit only rows whose metadata holds key=value "
                                                            "(repeat; --sample of them).")] = None,
    fail_on: Annotated[Optional[str], typer.Option(help="Exit with code 3 when the verdict reaches this level: "
                                                        "moderate or high (for CI).")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the sample and of random defenses.")] = _A.seed,
    resume: Annotated[bool, typer.Option(help="Reuse the embeddings and finished stages of an interrupted "
                                              "audit with the same settings.")] = False,
) -> None:
    """Audit a vector store: how much of its text can be rebuilt, and what each defense costs."""
    from vecleak.audit import run_audit
    from vecleak.audit.run import check_config
    from vecleak.audit.verdict import LEVELS, reaches
    from vecleak.cli.output import OUTPUT, console as make_console, emit
    from vecleak.data.atomic import check_output_dir
    from vecleak.errors import InputError
    from vecleak.stores import FileStore, StoreOptions, open_store

    if (store is None) == (vectors is None):
        raise InputError("give the store to audit with --store URI, or exported data with --vectors FILE --texts FILE")
    if fail_on is not None and fail_on.lower() not in LEVELS[1:]:
        raise InputError(f"--fail-on must be one of {', '.join(LEVELS[1:])}, got '{fail_on}'")
    check_output_dir(out, kind="audit")
    config = AuditConfig(sample=sample, shots=tuple(shots), encoder=encoder, defense_sample=defense_sample,
                         defenses=tuple(defense) if defense else defenses, beams=beams, min_recall=min_recall,
                         language=language, aux_size=aux_size, backend=backend, attacker_decoder=attacker_decoder,
                         seed=seed, search_sample=search_sample, search_budget=search_budget,
                         search_segments=search_segments, query_encoder=query_encoder, ids=_read_ids(ids),
                         where=tuple(where or ()))
    check_config(config)
    options = StoreOptions(collection=collection, table=table, vector_column=vector_column, text_column=text_column,
                           id_column=id_column, texts=texts)
    console = make_console()
    terminal = console.is_terminal and not (OUTPUT["quiet"] or OUTPUT["json"])
    with (open_store(store, options) if store is not None else FileStore(vectors, texts)) as opened:
        result = run_audit(opened, config, out=out, resume=resume, show_progress=terminal, log=console.print,
                           stage_lines=not terminal)
    console.print(verdict_table(result))
    console.print(f"report: {out / 'report.html'}; summary: {out / 'summary.md'}; per-record risk: "
                  f"{out / 'records.jsonl'}")
    emit(result)
    if fail_on is not None and reaches(result["verdict"]["level"], fail_on.lower()):
        console.print(f"verdict {result['verdict']['level']} reaches --fail-on {fail_on.lower()}: exit code "
                      f"{FAIL_EXIT_CODE}")
        raise typer.Exit(FAIL_EXIT_CODE)


def _read_ids(value: str | None) -> tuple[str, ...] | None:
    """``--ids``: comma-separated ids, or ``@FILE`` with one id per line."""
    from vecleak.errors import InputError

    if value is None:
        return None
    if value.startswith("@"):
        path = Path(value[1:])
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as err:
            raise InputError(f"--ids {value}: cannot read {path} ({err.__class__.__name__}); give a UTF-8 text "
                             "file with one id per line") from None
        found = tuple(line.strip() for line in lines if line.strip())
    else:
        found = tuple(v.strip() for v in value.split(",") if v.strip())
    if not found:
        raise InputError(f"--ids {value}: names no id; give comma-separated ids or @FILE")
    return found


def verdict_table(audit: dict):
    """The short verdict: one line per attacker, the recommendation below."""
    from rich.table import Table

    v = audit["verdict"]
    table = Table(title=f"{v['level'].upper()} leakage: {v['sentence']}", title_justify="left")
    for col in ("attacker", "token F1 (chance)", "ROUGE-L (chance)", ">= half words (chance)"):
        table.add_column(col, justify="left" if col == "attacker" else "right")
    for a in audit["attacks"]:
        c = a["chance"]
        table.add_row(a["attacker"], f"{a['token_f1']:.3f} ({c['token_f1']:.3f})",
                      f"{a['rouge_l']:.3f} ({c['rouge_l']:.3f})",
                      f"{a['half_recovered']:.0%} ({c.get('half_recovered', 0):.0%})")
    for r in audit.get("not_run", []):
        table.add_row(f"{r['row']} (not run)", r["why"], "", "")
    rec = audit["recommendation"]
    table.caption = ((v["lower_bound"] + "\n") if v.get("lower_bound") else "") + (f"recommended: {rec['label']} (recall@10 {rec['recall_at_10']:.1%}, token F1 cut "
                     f"{rec['token_f1_reduction']:.0%}): {rec['command']}" if rec.get("defense") else
                     f"no recommendation: {rec['reason']}")
    table.caption_justify = "left"
    return table
