"""``vecleak audit``: how much of a vector store's text can be rebuilt, and what stopping it costs.

Stages, each timed, shown with a progress bar and kept for ``--resume``:

1. **sample**: ``sample`` rows drawn with ``seed``, and a disjoint pool of ``max(shots)`` other
   rows the attacker may have leaked (:func:`vecleak.stores.sample_store`);
2. **encoder**: which known encoder reproduces the stored vectors (``auto``), or a check of the
   one named; without one the audit is a black box (few-shot rows only);
3. **attacks**: one row per knowledge level (:mod:`vecleak.audit.levels`), each scored with its
   chance level (the same reconstructions against shuffled references);
4. **defenses**: every candidate fitted once on the pool (never on audited rows) and measured
   by the strongest attacker that knows it and by recall@10 / nDCG@10 of the audited rows'
   neighbours (:mod:`vecleak.frontier`); the least-leaking setting keeping ``min_recall`` is
   recommended with the command that applies it;
5. **report**: ``audit.json`` (every number, ``schema_version``, validated by the JSON Schema
   shipped beside this module), ``report.html``, ``summary.md`` (a ticket's worth) and
   ``records.jsonl`` (each audited record's risk, by store id), written atomically.

The verdict comes first: as soon as the attack rows that need no encoder queries are done, the
output folder holds ``audit.json`` marked ``"complete": false`` with the verdict, ``summary.md``
and ``records.jsonl`` (again after the search row); the defense sweep then completes it. Each
stage is one function of :mod:`vecleak.audit.stages`.

The store is only read. Example::

    with open_store("chroma:./db") as store:
        audit = run_audit(store, AuditConfig(sample=200), out=Path("audit-out"))
    audit["attacks"][0]["token_f1"], audit["recommendation"]["label"]
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

from vecleak.attacks.scoring import score_by_language
from vecleak.audit.cache import StageCache, resume_folder
from vecleak.audit.records import record_risks
from vecleak.audit.stages import (
    QUERY_KINDS, AttackRow, AuditContext, Plan, SampledRows, attack_row, cache_key, choose_attackers, defense_kits,
    draw_sample, embed_rows, find_encoder, plan_levels, price_defense,
)
from vecleak.audit.summary import summary_markdown
from vecleak.audit.verdict import examples, histogram, verdict
from vecleak.configs import DEFAULT_TOKENIZER, AuditConfig
from vecleak.data.atomic import atomic_output_dir, check_output_dir, output_lock
from vecleak.data.corpora import AUX_CORPUS
from vecleak.decoders.catalog import SHIPPED_DECODERS
from vecleak.errors import ConfigError, VecleakError
from vecleak.frontier import Candidate, FrontierPoint, apply_command, pareto_set, recommend
from vecleak.frontier.pareto import MIN_CUT
from vecleak.frontier.sweep import with_baseline
from vecleak.stores.base import VectorStore

#: The version of audit.json's layout (``vecleak/audit/audit.schema.json`` describes it).
SCHEMA_VERSION = "2.0"
#: The JSON Schema of audit.json, shipped with the package.
SCHEMA_PATH = Path(__file__).with_name("audit.schema.json")
#: Records of records.jsonl that audit.json repeats (the worst first).
WORST_RECORDS = 20


class _Stages:
    """Timing and progress of the audit's stages: a progress bar on a terminal, or one line per
    stage (``lines``) where there is none (CI logs); a stage reused by ``--resume`` counts the
    seconds it took when it ran."""

    def __init__(self, total: int, show: bool, lines: Callable[[str], None] | None = None) -> None:
        self.seconds: dict[str, float] = {}
        self.resumed: list[str] = []
        self.verdict_at: float | None = None
        self._lines = lines
        self._t0 = time.monotonic()
        self._progress = None
        if show:
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self._progress = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/"
                                      "{task.total}"), TimeElapsedColumn(), transient=True)
            self._progress.start()
            self._task = self._progress.add_task("audit", total=total)

    @contextmanager
    def stage(self, name: str, label: str) -> Iterator[dict[str, Any]]:
        """Time the block; it may set ``info["seconds"]`` (a resumed stage's own time) and
        ``info["cached"]``."""
        if self._progress is not None:
            self._progress.update(self._task, description=label)
        if self._lines is not None:
            self._lines(f"[{time.monotonic() - self._t0:7.1f} s] {label} ...")
        t0 = time.monotonic()
        info: dict[str, Any] = {}
        yield info
        took = time.monotonic() - t0
        if info.get("cached"):
            self.resumed.append(name)
            took = max(took, float(info.get("seconds") or 0.0))
        self.seconds[name] = round(self.seconds.get(name, 0.0) + took, 2)
        if self._lines is not None:
            self._lines(f"[{time.monotonic() - self._t0:7.1f} s] {label}: {took:.1f} s"
                        + (" (resumed)" if info.get("cached") else ""))
        if self._progress is not None:
            self._progress.advance(self._task)

    def timings(self) -> dict[str, Any]:
        out = {**self.seconds, "total": round(sum(self.seconds.values()), 1),
               "wall": round(time.monotonic() - self._t0, 1), "resumed": list(self.resumed)}
        if self.verdict_at is not None:
            out["verdict_after"] = self.verdict_at
        return out

    def verdict_written(self) -> None:
        """Note when the first verdict was written (seconds of stages so far: the data owner's wait)."""
        if self.verdict_at is None:
            self.verdict_at = round(sum(self.seconds.values()), 1)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()


def check_config(config: AuditConfig) -> list[Candidate]:
    """Refuse settings no audit can run with (before any store or model opens); the parsed defenses."""
    config.check()
    if config.encoder == "none" and config.search_sample and config.query_encoder is None:
        raise ConfigError.between("{search_sample} asks for a search row, which queries the store's encoder: with "
                                  "{encoder} none give an encoder the attacker can query with {query_encoder}, or drop "
                                  "{search_sample}", "search_sample", "encoder", "query_encoder", owner="AuditConfig")
    candidates = [Candidate.parse(s) for s in config.defenses]
    for candidate in candidates:            # an unknown name or parameter fails here, not after the attacks
        candidate.check()
    if config.attacker_decoder != "auto" and config.attacker_decoder not in SHIPPED_DECODERS \
            and not (Path(config.attacker_decoder) / "config.json").is_file():
        raise ConfigError("attacker_decoder", f"'{config.attacker_decoder}' is neither a shipped decoder "
                          f"({', '.join(SHIPPED_DECODERS)}) nor a decoder folder; use auto or one of those", "AuditConfig")
    return candidates


def run_audit(store: VectorStore, config: AuditConfig | None = None, *, out: str | Path, resume: bool = False,
              show_progress: bool = False, log: Callable[[str], None] | None = None,
              stage_lines: bool = False) -> dict[str, Any]:
    """Audit ``store`` (read-only) and write ``out/audit.json``, ``report.html``, ``summary.md``
    and ``records.jsonl``; returns the audit.

    ``resume``: reuse the embeddings and finished stages of an interrupted run with the same
    settings. ``log``: where notes and the early verdict go; ``stage_lines``: also one line per
    stage there (for logs without a terminal). A second audit into the same ``out`` while this
    one runs is refused (an :class:`InputError`).
    """
    config = config or AuditConfig()
    out = check_output_dir(Path(out), kind="audit")
    candidates = check_config(config)
    with output_lock(out):
        return _run_locked(store, config, candidates, out=out, resume=resume, show_progress=show_progress, log=log,
                           stage_lines=stage_lines)


def _run_locked(store: VectorStore, config: AuditConfig, candidates: list[Candidate], *, out: Path, resume: bool,
                show_progress: bool, log: Callable[[str], None] | None, stage_lines: bool) -> dict[str, Any]:
    cache = StageCache(resume_folder(out))
    if not resume:
        cache.clear()
    elif log and cache.folder.is_dir():
        log(f"resuming from {cache.folder}")
    say = log or (lambda _msg: None)
    stages = _Stages(total=5 + len(config.shots) + 3 + len(candidates), show=show_progress,
                     lines=say if stage_lines and log else None)
    try:
        audit = _audit(store, config, candidates, cache, stages, say, out)
    except VecleakError:
        cache.clear()           # a user mistake is not resumable: leave nothing behind
        raise
    finally:
        stages.close()
    with stages.stage("report", "writing the report"):
        audit["timings"] = stages.timings()
        _write(out, audit, html=True)
    audit["timings"] = stages.timings()
    cache.clear()
    audit.pop("_rows", None)
    audit.pop("_records", None)
    return audit


def _write(out: Path, audit: dict[str, Any], *, html: bool) -> None:
    """The output folder, replaced whole: audit.json, summary.md, records.jsonl,
    reconstructions.jsonl and (at the end) report.html."""
    from vecleak.reports.audit_html import render_audit

    public = {k: v for k, v in audit.items() if not k.startswith("_")}
    with atomic_output_dir(out, kind="audit") as tmp:
        (tmp / "audit.json").write_text(json.dumps(public, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        (tmp / "summary.md").write_text(summary_markdown(public), encoding="utf-8")
        (tmp / "records.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in audit["_records"]), encoding="utf-8")
        (tmp / "reconstructions.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in audit["_rows"]), encoding="utf-8")
        if html:
            (tmp / "report.html").write_text(render_audit(public), encoding="utf-8")


def _audit(store: VectorStore, config: AuditConfig, candidates: list[Candidate], cache: StageCache,
           stages: _Stages, say: Callable[[str], None], out: Path) -> dict[str, Any]:
    label = f"sampling {len(config.ids)} chosen rows" if config.ids is not None else f"sampling {config.sample} rows"
    with stages.stage("sample", label):
        rows = draw_sample(store, config)
    with stages.stage("encoder", "identifying the encoder"):
        match = find_encoder(config, rows)
    if match.note:
        say(match.note)
    with stages.stage("embed", "embedding with the attacker's encoder"):
        who = choose_attackers(config, rows, match)
        emb = embed_rows(config, rows, who, cache)
    plan = plan_levels(config, rows, who)
    ctx = AuditContext(config, rows, who, emb, cache, cache_key(config, rows, who))
    done: list[AttackRow] = []
    fast = [lv for lv in plan.levels if lv.kind not in QUERY_KINDS]
    for group in (fast, [lv for lv in plan.levels if lv.kind in QUERY_KINDS]):
        if not group:
            continue
        for level in group:
            with stages.stage(f"attack:{level.name}", f"attack: {level.name}") as st:
                row = attack_row(ctx, level)
                st["cached"], st["seconds"] = row.cached, row.seconds
            if len(set(ctx.rows.langs)) > 1:            # scored once, read by every write below
                row.row["by_language"] = score_by_language(row.reconstructions, ctx.rows.texts, ctx.rows.langs)
            done.append(row)
        stages.verdict_written()
        partial = _assemble(store, ctx, plan, done, None, [], stages)
        _write(out, partial, html=False)
        v = partial["verdict"]
        say(f"verdict so far: {v['level'].upper()}: {v['sentence']}")

    if not config.defenses:
        return _assemble(store, ctx, plan, done, None, [], stages, complete=True)
    kits = defense_kits(ctx, plan.levels)
    points: list[FrontierPoint] = []
    for cand in with_baseline(candidates):
        with stages.stage(f"defense:{cand.name}", f"defense: {cand.name} {cand.params or ''}".strip()) as st:
            point, st["cached"], st["seconds"] = price_defense(ctx, cand, kits)
        if point is not None:
            points.append(point)
    return _assemble(store, ctx, plan, done, points, candidates, stages, complete=True)


def _recommendation(points: list[FrontierPoint], config: AuditConfig) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Each priced defense's row, and the recommended one (or why there is none)."""
    pareto = set(pareto_set(points))
    none_f1 = next(p.leakage["token_f1"] for p in points if p.spec["name"] == "none")
    best = recommend(points, min_utility=config.min_recall, baseline=none_f1)
    defenses = []
    for i, p in enumerate(points):
        d = {"family": p.family, "defense": p.spec, "label": p.label(), **p.leakage, **p.utility,
             "pareto": i in pareto, "apply": apply_command(p.spec)}
        d["token_f1_reduction"] = 1 - p.leakage["token_f1"] / none_f1 if none_f1 > 0 else 0.0
        defenses.append(d)
    if best is None or points[best].spec["name"] == "none":
        return defenses, {"defense": None, "min_recall": config.min_recall,
                          "reason": f"no defense of the sweep cuts the strongest attacker's token F1 by "
                                    f"{MIN_CUT:.0%} or more while keeping recall@10 >= {config.min_recall:.0%}; "
                                    "lower --min-recall or try other settings (--defenses full)"}
    b = defenses[best]
    return defenses, {"defense": b["defense"], "label": b["label"], "token_f1": b["token_f1"],
                      "recall_at_10": b["recall_at_10"], "ndcg_at_10": b["ndcg_at_10"],
                      "token_f1_reduction": b["token_f1_reduction"], "min_recall": config.min_recall,
                      "command": b["apply"]}


def _assemble(store: VectorStore, ctx: AuditContext, plan: Plan, done: list[AttackRow],
              points: list[FrontierPoint] | None, candidates: list[Candidate], stages: _Stages, *,
              complete: bool = False) -> dict[str, Any]:
    """audit.json's content (the per-record rows under ``_rows`` and ``_records``)."""
    from importlib.metadata import version

    rows: SampledRows = ctx.rows
    config, match = ctx.config, ctx.who.match
    texts, langs, ids = rows.texts, rows.langs, rows.ids
    attacks = [dict(r.row) for r in done]
    if points is None:
        defenses, recommendation = [], None if not complete else {
            "defense": None, "min_recall": config.min_recall, "reason": "no defenses were priced (--defenses none)"}
    else:
        defenses, recommendation = _recommendation(points, config)
    v = verdict(attacks, plan.not_run)
    worst = next(r for r in done if r.level.name == v["attacker"])
    risks = record_risks(ids, texts, langs, [(r.level.name, r.per_record, r.reconstructions) for r in done])
    settings = {**asdict(config), "shots": list(rows.shots), "attacker_decoder": ctx.who.own_name,
                "defense_attack_rows": min(config.defense_sample, len(texts)), "tokenizer": DEFAULT_TOKENIZER,
                "aux_corpus": str(AUX_CORPUS)}
    if config.ids is not None:
        settings["ids"] = f"{len(config.ids)} ids"
    return {
        "schema_version": SCHEMA_VERSION,
        "complete": complete,
        "vecleak_version": version("vecleak"),
        "store": store.describe(),
        "encoder": match.to_dict(),
        "sample_size": len(texts),
        "sample": rows.sample.describe(),
        "languages": {lang: langs.count(lang) for lang in sorted(set(langs))},
        "verdict": v,
        "attacks": attacks,
        "not_run": plan.not_run,
        "defenses": defenses,
        "recommendation": recommendation,
        "examples": examples(texts, worst.reconstructions, worst.per_record, langs, attacker=worst.level.name,
                             ids=ids),
        "histogram": histogram(worst.per_record, attacker=worst.level.name),
        "worst_records": risks[:WORST_RECORDS],
        "notes": ctx.who.notes + ([match.note] if match.note else []),
        "settings": settings,
        "timings": stages.timings(),
        "_rows": [{"id": i, "lang": lang, "reference": ref, **{r.level.name: r.reconstructions[k] for r in done}}
                  for k, (i, lang, ref) in enumerate(zip(ids, langs, texts))],
        "_records": risks,
    }
