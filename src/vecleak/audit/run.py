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
5. **report**: ``audit.json`` (every number) and ``report.html``, written atomically.

The store is only read. Example::

    with open_store("chroma:./db") as store:
        audit = run_audit(store, AuditConfig(sample=200), out=Path("audit-out"))
    audit["attacks"][0]["token_f1"], audit["recommendation"]["label"]
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from vecleak.audit.cache import StageCache, resume_folder
from vecleak.audit.levels import Level, run_attacker, run_lago_level, run_level
from vecleak.audit.verdict import examples, histogram, verdict
from vecleak.configs import SEARCH_SAMPLE, AuditConfig
from vecleak.data.atomic import atomic_output_dir, check_output_dir, output_lock
from vecleak.data.corpora import AUX_CORPUS
from vecleak.data.records import read_texts
from vecleak.decoders.catalog import SHIPPED_DECODERS, shipped_encoder
from vecleak.decoders.shipped import load_decoder
from vecleak.encoders.cache import encode_cached
from vecleak.encoders.identify import EncoderMatch, identify_encoder, match_cosine, unit_length, MATCH_COSINE
from vecleak.encoders.registry import encoder_available, load_encoder
from vecleak.errors import InputError, StoreError, VecleakError
from vecleak.frontier.pareto import MIN_CUT
from vecleak.frontier.sweep import with_baseline
from vecleak.frontier import AttackerKit, Candidate, FrontierPoint, apply_command, measure, pareto_set, recommend
from vecleak.languages import normalize_language
from vecleak.metrics import CORE_METRICS
from vecleak.stores.base import VectorStore
from vecleak.stores.sampling import sample_store

#: Shipped decoder of each known encoder (the ``known-encoder`` row).
DECODER_FOR = {"minilm": "default", "use-multilingual": "multilingual"}
#: Rows used to identify the encoder.
PROBE_ROWS = 16
#: The fields of an attack row that audit.json keeps.
ROW_KEYS = (*CORE_METRICS, "cosine", "aligned_cosine", "content_recall", "half_recovered", "sensitive", "chance",
            "ci95", "distinct_rate")


#: The attacker's own decoder, in order of preference, for stores with other languages than English
#: and for English ones: the audit takes the first whose encoder is not the store's.
ATTACKER_DECODERS = {"multilingual": ("multilingual", "gemma3-multilingual"),
                     "english": ("default", "multilingual", "gemma3-multilingual")}


def attacker_candidates(victim: str | None, languages: set[str], requested: str = "auto") -> list[str]:
    """Decoders the attacker may hold, best first: ``requested`` alone unless it is ``auto``; else
    :data:`ATTACKER_DECODERS` with those whose encoder is the store's (``victim``) moved last, so an
    attacker with another model than the store's comes first whenever one ships."""
    if requested != "auto":
        return [requested]
    order = ATTACKER_DECODERS["multilingual" if languages - {"eng"} else "english"]
    return sorted(order, key=lambda name: shipped_encoder(name) == victim)


def choose_attacker(victim: str | None, languages: set[str], requested: str = "auto") -> tuple[str, Any, list[str]]:
    """The attacker's own decoder: ``(name, decoder, notes)``, the first of :func:`attacker_candidates`
    whose encoder loads (Gemma needs ``vecleak[gemma]``); the notes say what was passed over."""
    notes: list[str] = []
    names = attacker_candidates(victim, languages, requested)
    for name in names[:-1]:                 # the last candidate is taken whatever its encoder
        encoder = shipped_encoder(name)
        if encoder_available(encoder):
            break
        notes.append(f"the '{name}' attacker was passed over: its encoder {encoder} is not installed "
                     "(pip install 'vecleak[gemma]')")
    else:
        name = names[-1]
    decoder = load_decoder(name)
    if victim is not None and decoder.encoder_spec["name"] == victim:
        notes.append(f"the attacker's own encoder is the store's ({victim}): the few-shot rows are an attacker "
                     "who happens to use the same model" + ("" if requested != "auto" else
                                                           "; no other decoder for these languages is usable here"))
    return name, decoder, notes


def check_encoder(name: str, texts: list[str], vectors: np.ndarray) -> EncoderMatch:
    """The named encoder, checked against the stored vectors (a mismatch is an error, not an attack)."""
    encoder = load_encoder(name)
    if encoder.dim != vectors.shape[1]:
        raise InputError(f"--encoder {name} makes {encoder.dim}-d vectors but the store holds {vectors.shape[1]}-d "
                         "ones; use --encoder auto or the encoder that made them")
    cos = match_cosine(encoder, texts, vectors)
    if cos < MATCH_COSINE:
        raise InputError(f"the stored vectors are not {name}'s (mean cosine {cos:.3f} on {len(texts)} rows); use "
                         "--encoder auto, or --encoder none for a black-box audit")
    return EncoderMatch(name, cos, unit_length(vectors), pooling=encoder.pooling, encoder=encoder, tried={name: cos})


class _Stages:
    """Timing and progress of the audit's stages."""

    def __init__(self, total: int, show: bool) -> None:
        self.seconds: dict[str, float] = {}
        self._progress = None
        if show:
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self._progress = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/"
                                      "{task.total}"), TimeElapsedColumn(), transient=True)
            self._progress.start()
            self._task = self._progress.add_task("audit", total=total)

    @contextmanager
    def stage(self, name: str, label: str) -> Iterator[None]:
        if self._progress is not None:
            self._progress.update(self._task, description=label)
        t0 = time.monotonic()
        yield
        self.seconds[name] = round(self.seconds.get(name, 0.0) + time.monotonic() - t0, 2)
        if self._progress is not None:
            self._progress.advance(self._task)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()


def check_config(config: AuditConfig) -> list[Candidate]:
    """Refuse settings no audit can run with (before any store or model opens); the parsed defenses."""
    config.check()
    if config.encoder == "none" and config.search_sample and config.query_encoder is None:
        raise InputError("--search-sample asks for a search row, which queries the store's encoder: with --encoder "
                         "none give an encoder the attacker can query with --query-encoder, or drop --search-sample")
    candidates = [Candidate.parse(s) for s in config.defenses]
    for candidate in candidates:            # an unknown name or parameter fails here, not after the attacks
        candidate.check()
    if config.attacker_decoder != "auto" and config.attacker_decoder not in SHIPPED_DECODERS \
            and not (Path(config.attacker_decoder) / "config.json").is_file():
        raise InputError(f"--attacker-decoder '{config.attacker_decoder}' is neither a shipped decoder "
                         f"({', '.join(SHIPPED_DECODERS)}) nor a decoder folder; use auto or one of those")
    return candidates


def run_audit(store: VectorStore, config: AuditConfig | None = None, *, out: str | Path, resume: bool = False,
              show_progress: bool = False, log: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Audit ``store`` (read-only) and write ``out/audit.json`` + ``out/report.html``; returns the audit.

    ``resume``: reuse the embeddings and finished stages of an interrupted run with the same settings.
    A second audit into the same ``out`` while this one runs is refused (an :class:`InputError`).
    """
    config = config or AuditConfig()
    out = check_output_dir(Path(out), kind="audit")
    candidates = check_config(config)
    with output_lock(out):
        return _run_locked(store, config, candidates, out=out, resume=resume, show_progress=show_progress, log=log)


def _run_locked(store: VectorStore, config: AuditConfig, candidates: list[Candidate], *, out: Path, resume: bool,
                show_progress: bool, log: Callable[[str], None] | None) -> dict[str, Any]:
    from vecleak.reports.audit_html import render_audit

    cache = StageCache(resume_folder(out))
    if not resume:
        cache.clear()
    elif log and cache.folder.is_dir():
        log(f"resuming from {cache.folder}")
    say = log or (lambda _msg: None)
    t_start = time.monotonic()
    stages = _Stages(total=4 + len(config.shots) + 2 + len(candidates), show=show_progress)
    try:
        audit = _audit(store, config, candidates, cache, stages, say)
    except VecleakError:
        cache.clear()           # a user mistake is not resumable: leave nothing behind
        raise
    finally:
        stages.close()
    audit["timings"] = {**stages.seconds, "total": round(time.monotonic() - t_start, 1)}
    with stages.stage("report", "writing the report"), atomic_output_dir(out, kind="audit") as tmp:
        rows = audit.pop("_rows")
        (tmp / "audit.json").write_text(json.dumps(audit, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        (tmp / "reconstructions.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        (tmp / "report.html").write_text(render_audit(audit), encoding="utf-8")
    audit["timings"]["report"] = stages.seconds.get("report", 0.0)
    cache.clear()
    return audit


def _audit(store: VectorStore, config: AuditConfig, candidates: list[Candidate], cache: StageCache,
           stages: _Stages, say: Callable[[str], None]) -> dict[str, Any]:
    with stages.stage("sample", f"sampling {config.sample} rows"):
        sample = sample_store(store, config.sample, max(config.shots), seed=config.seed)
    pool, audited = sample.leaked, sample.audited
    shots = [k for k in config.shots if k <= len(pool)]
    if not shots:
        raise StoreError(f"the store has {sample.store_size} rows: a sample of {config.sample} leaves {len(pool)} for "
                         f"leaked pairs, fewer than the smallest --shots level ({min(config.shots)}); lower --sample")
    texts = [str(t) for t in audited.texts]
    langs = [normalize_language(m.get("lang") or config.language) for m in audited.metadata]
    pool_rows = [i for i, t in enumerate(pool.texts) if t is not None and str(t).strip()]
    pool_texts = [str(pool.texts[i]) for i in pool_rows]
    pool_vectors = pool.vectors[pool_rows]
    notes: list[str] = []
    if len(shots) < len(config.shots):
        notes.append(f"shot levels {sorted(set(config.shots) - set(shots))} skipped: the store leaves only "
                     f"{len(pool)} rows outside the sample")

    with stages.stage("encoder", "identifying the encoder"):
        probe = slice(0, min(PROBE_ROWS, len(texts)))
        if config.encoder == "auto":
            match = identify_encoder(texts[probe], audited.vectors[probe])
        elif config.encoder == "none":
            match = EncoderMatch(None, 0.0, unit_length(audited.vectors), note="black-box audit (--encoder none)")
        else:
            match = check_encoder(config.encoder, texts[probe], audited.vectors[probe])
    if match.note:
        say(match.note)

    if match.encoder is not None:
        truncated = truncation_note(match.encoder, texts)
        if truncated:
            notes.append(truncated)
    own_name, own, passed_over = choose_attacker(match.name, set(langs), config.attacker_decoder)
    notes.append(f"the few-shot and query attackers hold the encoder {own.encoder_spec['name']} and the "
                 f"'{own_name}' decoder")
    notes.extend(passed_over)
    own = _on_backend(own, config.backend)
    own.check_languages(langs, len(langs))
    attacker = match.encoder if match.encoder is not None and match.encoder.spec() == own.encoder_spec \
        else load_encoder(own.encoder_spec["name"])
    emb = cache.embeddings
    with stages.stage("embed", "embedding with the attacker's encoder"):
        ref_targets = encode_cached(attacker, texts, emb)
        pool_targets = encode_cached(attacker, pool_texts, emb)
        aux_texts = read_texts(AUX_CORPUS)[:config.aux_size]
        aux_targets = encode_cached(attacker, aux_texts, emb) if match.encoder is not None else None
        aux_vectors = encode_cached(match.encoder, aux_texts, emb) if match.encoder is not None else None
        # the store's encoder's own vectors of the references (the known-encoder attacker's space)
        known_refs = encode_cached(match.encoder, texts, emb) if match.encoder is not None else None
        if aux_vectors is not None and not match.normalized:
            # the store keeps another scaling: the attacker's queries come back scaled like the store's
            scale = float(np.median(np.linalg.norm(audited.vectors, axis=1)))
            aux_vectors = aux_vectors / np.maximum(np.linalg.norm(aux_vectors, axis=1, keepdims=True), 1e-12) * scale

    base_key = {"sample": sample.describe(), "encoder": match.name, "beams": config.beams, "seed": config.seed,
                "decoder": own_name, "language": config.language, "aux": config.aux_size}
    levels = [Level("fewshot", shots=k) for k in shots]
    pool_langs = [normalize_language(pool.metadata[i].get("lang") or config.language) for i in pool_rows]
    if len(set(langs)) > 1:
        per_lang = min(pool_langs.count(lang) for lang in set(langs))
        if per_lang >= 2:
            levels.append(Level("lago", shots=min(per_lang, min(shots))))
        else:
            notes.append("no LAGO row: some audited language has fewer than 2 leaked pairs in the pool")
    if match.encoder is not None:
        levels.append(Level("query", aux=len(aux_texts)))
    known = DECODER_FOR.get(match.name or "")
    known_dec = None
    if known is not None:
        known_dec = _on_backend(load_decoder(known), config.backend) if known != own_name else own
        if known_dec.languages or set(langs) <= {"eng"}:
            levels.append(Level("known-encoder"))
        else:
            notes.append(f"no known-encoder row: vecleak's decoder for {match.name} writes English only")
    levels += _search_and_words_levels(config, match, known is not None and "known-encoder" in
                                       {lv.kind for lv in levels}, own, len(texts), shots, notes)
    attacks, recs_by_row = [], {}
    for level in levels:
        with stages.stage(f"attack:{level.name}", f"attack: {level.name}"):
            key = {**base_key, "stage": "attack", "level": asdict(level)}
            done = cache.get(key)
            if done is None:
                dec = known_dec if level.kind == "known-encoder" else own
                enc = match.encoder if level.kind == "known-encoder" else attacker
                if level.kind in ("search", "search-black-box", "bag-of-words"):
                    metrics, recs = _run_query_level(level, config, match, known_dec if level.kind != "search-black-box"
                                                     else None, own, attacker, audited.vectors, texts, langs,
                                                     pool_vectors, pool_targets, ref_targets, known_refs)
                elif level.kind == "lago":
                    metrics, recs = run_lago_level(
                        level, decoder=own, attacker=attacker, stored=audited.vectors, references=texts,
                        languages=langs, leaked_vectors=pool_vectors, leaked_targets=pool_targets,
                        leaked_languages=pool_langs, reference_targets=ref_targets, num_beams=config.beams)
                else:
                    metrics, recs = run_level(
                        level, decoder=dec, attacker=enc, stored=audited.vectors, references=texts, languages=langs,
                        leaked_vectors=pool_vectors, leaked_targets=pool_targets,
                        aux_vectors=aux_vectors, aux_targets=aux_targets,
                        reference_targets=ref_targets if enc is attacker else known_refs, num_beams=config.beams)
                done = cache.put(key, {"metrics": {k: metrics[k] for k in (*ROW_KEYS, "cost", "records")
                                                   if k in metrics},
                                       "per_record": metrics["per_record"], "reconstructions": recs})
        row = {"attacker": level.name, "knowledge": level.describe(), "shots": level.shots,
               "decoder": (known if level.kind in ("known-encoder", "search") else
                           None if level.kind == "bag-of-words" else own_name), **done["metrics"]}
        attacks.append(row)
        recs_by_row[level.name] = done

    kits = [AttackerKit(own, attacker, leaked_vectors=pool_vectors, leaked_texts=pool_texts,
                        leaked_targets=pool_targets, aux_vectors=aux_vectors, aux_targets=aux_targets,
                        num_beams=config.beams)]
    if any(level.kind == "known-encoder" for level in levels):
        # the decoder for the store's own encoder, behind a ridge that denoises the defense
        kits.append(AttackerKit(known_dec, match.encoder, leaked_vectors=pool_vectors, leaked_texts=pool_texts,
                                leaked_targets=pool_vectors, aux_vectors=aux_vectors, aux_targets=aux_vectors,
                                num_beams=config.beams, label="known-encoder", attackers=("query",)))
    n_attack = min(config.defense_sample, len(texts))
    points: list[FrontierPoint] = []
    for cand in with_baseline(candidates):
        with stages.stage(f"defense:{cand.name}", f"defense: {cand.name} {cand.params or ''}".strip()):
            key = {**base_key, "stage": "defense", "candidate": asdict(cand), "rows": n_attack}
            done = cache.get(key)
            if done is None:
                point = measure(cand, kits, vectors=audited.vectors, references=texts[:n_attack], languages=langs,
                                fit_vectors=pool.vectors, corpus=pool.vectors, attack_rows=n_attack,
                                reference_targets=[ref_targets[:n_attack]] + [
                                    None if known_refs is None else known_refs[:n_attack]] * (len(kits) - 1),
                                seed=config.seed)
                done = cache.put(key, None if point is None else
                                 {"family": point.family, "spec": point.spec, "leakage": point.leakage,
                                  "utility": point.utility})
            if done is not None:
                points.append(FrontierPoint(done["family"], done["spec"], done["leakage"], done["utility"]))
    return _assemble(store, config, sample, match, attacks, recs_by_row, points, texts, langs, audited.ids,
                     own_name, n_attack, notes)


def truncation_note(encoder: Any, texts: Sequence[str]) -> str | None:
    """A note when some audited texts are longer than ``encoder`` reads: their vectors hold only
    their start, so no attacker can rebuild the rest (the scores count every word of the text)."""
    limit, counts = encoder.input_tokens(texts)
    if not limit or not counts:
        return None
    over = [c - limit for c in counts if c > limit]
    if not over:
        return None
    return (f"{len(over)} of {len(counts)} audited records are longer than the {limit} tokens {encoder.name} reads: "
            f"their vectors hold only their first {limit} tokens (up to {max(over)} tokens cut, {sum(over) / len(over):.0f} "
            "on average), and the scores still count every word of the text")


def _search_and_words_levels(config: AuditConfig, match: EncoderMatch, known_decoder: bool, own: Any,
                             n_audited: int, shots: list[int], notes: list[str]) -> list[Level]:
    """The ``search`` row (known encoder, or a black box answering through ``query_encoder``) on
    a prefix of the sample, and the ``bag-of-words`` row where a word reader ships for the space read."""
    from vecleak.classifiers.shipped import SHIPPED_WORD_READERS, word_reader_available

    levels: list[Level] = []
    n = min(n_audited, SEARCH_SAMPLE if config.search_sample is None else config.search_sample)
    oracle = match.name if match.encoder is not None else config.query_encoder
    if n and oracle is None:
        if config.search_sample:
            raise InputError("the search row queries the store's encoder: it was not identified; name it with "
                             "--encoder, or give an encoder the attacker can query with --query-encoder")
        notes.append("no search row: the store's encoder is not identified and no --query-encoder was given "
                     "(give one of them to measure an attacker that queries the encoder)")
    elif n:
        if known_decoder and match.encoder is not None:
            levels.append(Level("search", budget=config.search_budget, records=n))
        else:
            levels.append(Level("search-black-box", shots=max(shots), budget=config.search_budget, records=n))
    read = match.name if match.name and word_reader_available(match.name) else \
        own.encoder_spec["name"] if word_reader_available(own.encoder_spec["name"]) else None
    if read is None:
        notes.append(f"no bag-of-words row: vecleak ships word readers for {', '.join(SHIPPED_WORD_READERS)} "
                     "only (train one with scripts/train_word_reader.py)")
    else:
        levels.append(Level("bag-of-words", shots=0 if read == match.name else max(shots), space=read))
    return levels


def _run_query_level(level: Level, config: AuditConfig, match: EncoderMatch, known_dec: Any, own: Any,
                     attacker: Any, stored: np.ndarray, texts: list[str], langs: list[str], pool_vectors: np.ndarray,
                     pool_targets: np.ndarray, ref_targets: np.ndarray, known_refs: np.ndarray | None
                     ) -> tuple[dict[str, Any], list[str | None]]:
    """Metrics and reconstructions of the search or bag-of-words row (``None`` past its records)."""
    from vecleak.attacks import Knowledge, QueryOracle, load_attack
    from vecleak.classifiers.shipped import load_word_reader

    if level.kind == "bag-of-words":
        space = match.encoder if level.space == match.name else attacker
        reader = load_word_reader("auto", space)
        knowledge = Knowledge(own, attacker, leaked_vectors=pool_vectors, leaked_targets=pool_targets,
                              known_encoder=match.encoder if level.space == match.name else None)
        metrics, recs = run_attacker(level, load_attack("bag-of-words", reader=reader), knowledge, stored=stored,
                                     references=texts, languages=langs,
                                     reference_targets=known_refs if level.space == match.name else ref_targets)
        metrics["records"] = len(texts)
        return metrics, recs
    n = level.records
    if level.kind == "search":
        oracle = QueryOracle.of(match.encoder, bf16=True)         # the attacker holds the model
        knowledge = Knowledge(known_dec, match.encoder, known_decoder=known_dec, known_encoder=match.encoder,
                              oracle=oracle)
        space, targets = match.encoder, known_refs
    else:
        victim = match.encoder if match.encoder is not None else load_encoder(config.query_encoder)
        oracle = QueryOracle.of(victim, name=f"API of {victim.name}")
        knowledge = Knowledge(own, attacker, leaked_vectors=pool_vectors, leaked_targets=pool_targets, oracle=oracle)
        space, targets = attacker, ref_targets
    words = load_word_reader("auto", space) if _has_reader(space) else None
    search = load_attack("search", budget=config.search_budget, words=words, seed=config.seed)
    metrics, recs = run_attacker(level, search, knowledge, stored=stored[:n], references=texts[:n],
                                 languages=langs[:n], reference_targets=None if targets is None else targets[:n])
    metrics["records"] = n
    return metrics, list(recs) + [None] * (len(texts) - n)


def _has_reader(encoder: Any) -> bool:
    from vecleak.classifiers.shipped import word_reader_available

    return word_reader_available(encoder.name)


def _on_backend(decoder, backend: str):
    """``decoder`` as it decodes on ``backend`` (Ray Data workers, or here)."""
    if backend == "ray":
        from vecleak.decoders.ray_generate import RayDecoder

        return RayDecoder(decoder)
    return decoder


def _assemble(store, config, sample, match, attacks, recs_by_row, points, texts, langs, ids, own_name, n_attack,
              notes) -> dict[str, Any]:
    """audit.json's content (and the per-record rows under ``_rows``)."""
    from importlib.metadata import version

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
        recommendation = {"defense": None, "min_recall": config.min_recall,
                          "reason": f"no defense of the sweep cuts the strongest attacker's token F1 by "
                                    f"{MIN_CUT:.0%} or more while keeping recall@10 >= {config.min_recall:.0%}; "
                                    "lower --min-recall or try other settings"}
    else:
        b = defenses[best]
        recommendation = {"defense": b["defense"], "label": b["label"], "token_f1": b["token_f1"],
                          "recall_at_10": b["recall_at_10"], "ndcg_at_10": b["ndcg_at_10"],
                          "token_f1_reduction": b["token_f1_reduction"], "min_recall": config.min_recall,
                          "command": b["apply"]}
    worst = max(attacks, key=lambda r: r["token_f1"])
    worst_recs = recs_by_row[worst["attacker"]]
    rows = [{"id": i, "lang": lang, "reference": ref, **{name: r["reconstructions"][k] for name, r in recs_by_row.items()}}
            for k, (i, lang, ref) in enumerate(zip(ids, langs, texts))]
    return {
        "vecleak_version": version("vecleak"),
        "store": store.describe(),
        "encoder": match.to_dict(),
        "sample_size": len(texts),
        "sample": sample.describe(),
        "languages": {lang: langs.count(lang) for lang in sorted(set(langs))},
        "verdict": verdict(attacks),
        "attacks": attacks,
        "defenses": defenses,
        "recommendation": recommendation,
        "examples": examples(texts, worst_recs["reconstructions"], worst_recs["per_record"], langs,
                             attacker=worst["attacker"]),
        "histogram": histogram(worst_recs["per_record"], attacker=worst["attacker"]),
        "notes": notes + ([match.note] if match.note else []),
        "settings": {**asdict(config), "attacker_decoder": own_name, "defense_attack_rows": n_attack,
                     "tokenizer": "unicode", "aux_corpus": str(AUX_CORPUS)},
        "_rows": rows,
    }
