"""The audit's stages, one function each, each returning a typed result.

:func:`draw_sample` -> :class:`SampledRows`; :func:`find_encoder` -> an
:class:`~vecleak.encoders.identify.EncoderMatch`; :func:`choose_attackers` -> :class:`Attackers`;
:func:`embed_rows` -> :class:`Embeddings`; :func:`plan_levels` -> the attacker rows to run (and
those that cannot, with what would unlock them); :func:`attack_row` -> one :class:`AttackRow`;
:func:`price_defense` -> one frontier point. :mod:`vecleak.audit.run` runs them in order, times
them and writes the results; a new row or stage is one function here.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from vecleak.audit.cache import StageCache
from vecleak.audit.levels import Level, run_attacker, run_lago_level, run_level
from vecleak.attacks.search import segments_for
from vecleak.configs import SEARCH_SAMPLE, AuditConfig
from vecleak.data.corpora import AUX_CORPUS
from vecleak.data.records import read_texts
from vecleak.decoders.catalog import shipped_encoder
from vecleak.decoders.shipped import load_decoder
from vecleak.encoders.cache import encode_cached
from vecleak.encoders.identify import MATCH_COSINE, EncoderMatch, identify_encoder, match_cosine, unit_length
from vecleak.encoders.registry import encoder_available, load_encoder
from vecleak.errors import ConfigError, StoreConfigError
from vecleak.frontier import AttackerKit, Candidate, FrontierPoint, measure
from vecleak.languages import normalize_language
from vecleak.metrics import CORE_METRICS
from vecleak.stores.base import VectorStore
from vecleak.stores.sampling import StoreSample, sample_store

#: Shipped decoder of each known encoder (the ``known-encoder`` row).
DECODER_FOR = {"minilm": "default", "use-multilingual": "multilingual"}
#: Rows used to identify the encoder.
PROBE_ROWS = 16
#: The attacker's own decoder, in order of preference, for stores with other languages than English
#: and for English ones: the audit takes the first whose encoder is not the store's.
ATTACKER_DECODERS = {"multilingual": ("multilingual", "gemma3-multilingual"),
                     "english": ("default", "multilingual", "gemma3-multilingual")}
#: The fields of an attack row that audit.json keeps.
ROW_KEYS = (*CORE_METRICS, "cosine", "aligned_cosine", "content_recall", "half_recovered", "sensitive", "chance",
            "ci95", "distinct_rate", "cost", "records")
#: Rows that query an encoder: run after the others, so the verdict of the fast rows comes first.
QUERY_KINDS = ("search", "search-black-box")


@dataclass
class SampledRows:
    """The audited rows (``texts``, ``langs``, ``ids``, ``vectors (n, m)``) and the leak pool
    (rows with text: ``pool_texts``, ``pool_vectors (b, m)``, ``pool_langs``; ``fit_vectors``: every
    pool row, for fitting defenses)."""

    sample: StoreSample
    texts: list[str]
    langs: list[str]
    ids: list[str]
    vectors: np.ndarray
    pool_texts: list[str]
    pool_vectors: np.ndarray
    pool_langs: list[str]
    fit_vectors: np.ndarray
    shots: list[int]


@dataclass
class Attackers:
    """Who attacks: the store's encoder as identified (``match``), the attacker's own decoder
    (``own``, named ``own_name``) and encoder (``attacker``), and the decoder for the store's
    encoder when one ships (``known_dec``, named ``known_name``)."""

    match: EncoderMatch
    own_name: str
    own: Any
    attacker: Any
    known_name: str | None
    known_dec: Any
    notes: list[str] = field(default_factory=list)


@dataclass
class Embeddings:
    """The attacker encoder's vectors of the references (``ref_targets``) and the pool
    (``pool_targets``); the auxiliary texts through both encoders; the store encoder's own
    vectors of the references (``known_refs``, ``None`` when it is not identified)."""

    ref_targets: np.ndarray
    pool_targets: np.ndarray
    aux_texts: list[str]
    aux_targets: np.ndarray | None
    aux_vectors: np.ndarray | None
    known_refs: np.ndarray | None


@dataclass
class AttackRow:
    """One attacker row: its summary (``row``, as audit.json keeps it), each audited record's
    content-word recall (``per_record``, ``None`` where it did not run) and reconstruction."""

    level: Level
    row: dict[str, Any]
    per_record: list[float | None]
    reconstructions: list[str | None]
    seconds: float = 0.0
    cached: bool = False


@dataclass
class Plan:
    """The rows to run, and those that cannot run here: ``{"row", "why", "unlock"}`` each."""

    levels: list[Level]
    not_run: list[dict[str, str]]


@dataclass
class AuditContext:
    """Everything the attack and defense stages read."""

    config: AuditConfig
    rows: SampledRows
    who: Attackers
    emb: Embeddings
    cache: StageCache
    base_key: dict[str, Any]
    readers: dict[str, Any] = field(default_factory=dict)

    def word_reader(self, encoder: Any) -> Any:
        """The shipped word reader of ``encoder``, loaded once per audit (its 52,000 word vectors
        are embedded once and kept with the audit's embeddings for ``--resume``)."""
        from vecleak.classifiers.shipped import load_word_reader

        if encoder.name not in self.readers:
            self.readers[encoder.name] = load_word_reader("auto", encoder, cache=self.cache.embeddings)
        return self.readers[encoder.name]


# ---------------------------------------------------------------------------------------------- sample
def draw_sample(store: VectorStore, config: AuditConfig) -> SampledRows:
    """The audited rows (``config.ids`` / ``config.where``, or ``config.sample`` drawn with the seed)
    and the leak pool of other rows."""
    sample = sample_store(store, config.sample, max(config.shots), seed=config.seed, ids=config.ids,
                          where=config.where_filter())
    pool, audited = sample.leaked, sample.audited
    shots = [k for k in config.shots if k <= len(pool)]
    if not shots:
        raise StoreConfigError.between("the store has {size} rows: a sample of {n} leaves {left} for leaked pairs, "
                                       "fewer than the smallest {shots} level ({least}); lower {sample}", "shots",
                                       "sample", owner="AuditConfig", size=sample.store_size, n=len(audited),
                                       left=len(pool), least=min(config.shots))
    keep = [i for i, t in enumerate(pool.texts) if t is not None and str(t).strip()]
    return SampledRows(
        sample=sample, texts=[str(t) for t in audited.texts],
        langs=[normalize_language(m.get("lang") or config.language) for m in audited.metadata],
        ids=[str(i) for i in audited.ids], vectors=audited.vectors, pool_texts=[str(pool.texts[i]) for i in keep],
        pool_vectors=pool.vectors[keep],
        pool_langs=[normalize_language(pool.metadata[i].get("lang") or config.language) for i in keep],
        fit_vectors=pool.vectors, shots=shots)


# ---------------------------------------------------------------------------------------------- encoder
def check_encoder(name: str, texts: list[str], vectors: np.ndarray) -> EncoderMatch:
    """The named encoder, checked against the stored vectors (a mismatch is an error, not an attack)."""
    encoder = load_encoder(name)
    if encoder.dim != vectors.shape[1]:
        raise ConfigError.between("{encoder} {name} makes {dim}-d vectors but the store holds {held}-d ones; use "
                                  "{encoder} auto or the encoder that made them", "encoder", owner="AuditConfig",
                                  name=name, dim=encoder.dim, held=vectors.shape[1])
    cos = match_cosine(encoder, texts, vectors)
    if cos < MATCH_COSINE:
        raise ConfigError.between("the stored vectors are not {name}'s (mean cosine {cos:.3f} on {n} rows); use "
                                  "{encoder} auto, or {encoder} none for a black-box audit", "encoder",
                                  owner="AuditConfig", name=name, cos=cos, n=len(texts))
    return EncoderMatch(name, cos, unit_length(vectors), pooling=encoder.pooling, encoder=encoder, tried={name: cos})


def find_encoder(config: AuditConfig, rows: SampledRows) -> EncoderMatch:
    """Which known encoder made the vectors (``auto``), the named one checked, or none (black box)."""
    probe = slice(0, min(PROBE_ROWS, len(rows.texts)))
    if config.encoder == "auto":
        return identify_encoder(rows.texts[probe], rows.vectors[probe])
    if config.encoder == "none":
        return EncoderMatch(None, 0.0, unit_length(rows.vectors), note="black-box audit (--encoder none)")
    return check_encoder(config.encoder, rows.texts[probe], rows.vectors[probe])


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


# ---------------------------------------------------------------------------------------------- attackers
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


def on_backend(decoder: Any, backend: str) -> Any:
    """``decoder`` as it decodes on ``backend`` (Ray Data workers, or here)."""
    if backend == "ray":
        from vecleak.decoders.ray_generate import RayDecoder

        return RayDecoder(decoder)
    return decoder


def choose_attackers(config: AuditConfig, rows: SampledRows, match: EncoderMatch) -> Attackers:
    """The attacker's decoder and encoder, and the store encoder's decoder when one ships."""
    notes: list[str] = []
    if match.encoder is not None:
        truncated = truncation_note(match.encoder, rows.texts)
        if truncated:
            notes.append(truncated)
    own_name, own, passed_over = choose_attacker(match.name, set(rows.langs), config.attacker_decoder)
    notes.append(f"the few-shot and query attackers hold the encoder {own.encoder_spec['name']} and the "
                 f"'{own_name}' decoder")
    notes.extend(passed_over)
    own = on_backend(own, config.backend)
    own.check_languages(rows.langs, len(rows.langs))
    attacker = match.encoder if match.encoder is not None and match.encoder.spec() == own.encoder_spec \
        else load_encoder(own.encoder_spec["name"])
    known_name = DECODER_FOR.get(match.name or "")
    known_dec = None
    if known_name is not None:
        known_dec = on_backend(load_decoder(known_name), config.backend) if known_name != own_name else own
    return Attackers(match, own_name, own, attacker, known_name, known_dec, notes)


# ---------------------------------------------------------------------------------------------- embeddings
def embed_rows(config: AuditConfig, rows: SampledRows, who: Attackers, cache: StageCache) -> Embeddings:
    """Every vector the attackers compute themselves (cached for ``--resume``)."""
    emb, match, attacker = cache.embeddings, who.match, who.attacker
    aux_texts = read_texts(AUX_CORPUS)[:config.aux_size]
    aux_vectors = encode_cached(match.encoder, aux_texts, emb) if match.encoder is not None else None
    if aux_vectors is not None and not match.normalized:
        # the store keeps another scaling: the attacker's queries come back scaled like the store's
        scale = float(np.median(np.linalg.norm(rows.vectors, axis=1)))
        aux_vectors = aux_vectors / np.maximum(np.linalg.norm(aux_vectors, axis=1, keepdims=True), 1e-12) * scale
    return Embeddings(
        ref_targets=encode_cached(attacker, rows.texts, emb), pool_targets=encode_cached(attacker, rows.pool_texts, emb),
        aux_texts=aux_texts, aux_targets=encode_cached(attacker, aux_texts, emb) if match.encoder is not None else None,
        aux_vectors=aux_vectors,
        known_refs=encode_cached(match.encoder, rows.texts, emb) if match.encoder is not None else None)


# ---------------------------------------------------------------------------------------------- plan
def plan_levels(config: AuditConfig, rows: SampledRows, who: Attackers) -> Plan:
    """The attacker rows this audit can run, in order (fast rows first, the query-hungry search
    last), and for each row it cannot run: why, and what the user can give to unlock it."""
    from vecleak.classifiers.shipped import SHIPPED_WORD_READERS, word_reader_available

    match, langs = who.match, rows.langs
    levels = [Level("fewshot", shots=k) for k in rows.shots]
    not_run: list[dict[str, str]] = []
    for k in sorted(set(config.shots) - set(rows.shots)):
        not_run.append({"row": f"fewshot-{k}", "why": f"the store leaves {len(rows.sample.leaked)} rows outside "
                        f"the sample, fewer than {k} leaked pairs",
                        "unlock": "a larger store, or a smaller --sample"})
    if len(set(langs)) > 1:
        per_lang = min(rows.pool_langs.count(lang) for lang in set(langs))
        if per_lang >= 2:
            levels.append(Level("lago", shots=min(per_lang, min(rows.shots))))
        else:
            not_run.append({"row": "lago", "why": "some audited language has fewer than 2 leaked pairs in the pool",
                            "unlock": "more rows of every language in the store"})
    unidentified = {"why": "the store's encoder was not identified" + (
        f" (closest: {max(match.tried, key=match.tried.get)}, cosine {max(match.tried.values()):.2f})"
        if match.tried and match.name is None else ""),
        "unlock": "--encoder NAME, st:PATH or hf:PATH naming the model that made the vectors"}
    if match.encoder is not None:
        levels.append(Level("query", aux=config.aux_size))
    else:
        not_run.append({"row": "query", **unidentified})
    if who.known_name is not None:
        if who.known_dec.languages or set(langs) <= {"eng"}:
            levels.append(Level("known-encoder"))
        else:
            not_run.append({"row": "known-encoder", "why": f"vecleak's decoder for {match.name} writes English only",
                            "unlock": "a decoder trained for this encoder in these languages (vecleak "
                                      "train-decoder), given with --attacker-decoder"})
    elif match.encoder is not None:
        not_run.append({"row": "known-encoder", "why": f"vecleak ships no decoder trained for {match.name}",
                        "unlock": "train one (vecleak train-decoder --encoder ...)"})
    else:
        not_run.append({"row": "known-encoder", **unidentified})
    known = any(lv.kind == "known-encoder" for lv in levels)
    n = min(len(rows.texts), SEARCH_SAMPLE if config.search_sample is None else config.search_sample)
    if n and match.encoder is None and config.query_encoder is None:
        if config.search_sample:
            raise ConfigError.between("the search row queries the store's encoder: it was not identified; name it "
                                      "with {encoder}, or give an encoder the attacker can query with {query_encoder}",
                                      "encoder", "query_encoder", owner="AuditConfig")
        not_run.append({"row": "search", "why": "no encoder answers the attacker's queries: the store's was not "
                        "identified", "unlock": "--encoder NAME, or --query-encoder NAME for an embedding API "
                                               "the attacker can query"})
    elif n:
        segments = config.search_segments or segments_for(rows.texts[:n])
        if known and match.encoder is not None:
            levels.append(Level("search", budget=config.search_budget, records=n, segments=segments))
        else:
            levels.append(Level("search-black-box", shots=max(rows.shots), budget=config.search_budget, records=n,
                                segments=segments))
    read = match.name if match.name and word_reader_available(match.name) else \
        who.own.encoder_spec["name"] if word_reader_available(who.own.encoder_spec["name"]) else None
    if read is None:
        not_run.append({"row": "bag-of-words", "why": f"vecleak ships word readers for "
                        f"{', '.join(SHIPPED_WORD_READERS)} only", "unlock": "train one with "
                                                                             "scripts/train_word_reader.py"})
    else:
        levels.append(Level("bag-of-words", shots=0 if read == match.name else max(rows.shots), space=read))
    levels.sort(key=lambda lv: lv.kind in QUERY_KINDS)           # stable: the search rows last
    return Plan(levels, not_run)


# ---------------------------------------------------------------------------------------------- attacks
def attack_row(ctx: AuditContext, level: Level) -> AttackRow:
    """One attacker row (from the resume cache when this exact row ran before, with the seconds
    it took then)."""
    key = {**ctx.base_key, "stage": "attack", "level": asdict(level)}
    done = ctx.cache.get(key)
    cached = done is not None
    if done is None:
        t0 = time.monotonic()
        metrics, recs = _run_row(ctx, level)
        done = ctx.cache.put(key, {"metrics": {k: metrics[k] for k in ROW_KEYS if k in metrics},
                                   "per_record": metrics["per_record"], "reconstructions": list(recs),
                                   "seconds": round(time.monotonic() - t0, 2)})
    per_record = list(done["per_record"]) + [None] * (len(ctx.rows.texts) - len(done["per_record"]))
    row = {"attacker": level.name, "knowledge": level.describe(), "shots": level.shots,
           "decoder": (ctx.who.known_name if level.kind in ("known-encoder", "search") else
                       None if level.kind == "bag-of-words" else ctx.who.own_name), **done["metrics"]}
    return AttackRow(level, row, per_record, done["reconstructions"], done.get("seconds", 0.0), cached)


def _run_row(ctx: AuditContext, level: Level) -> tuple[dict[str, Any], list[str | None]]:
    rows, who, emb, config = ctx.rows, ctx.who, ctx.emb, ctx.config
    if level.kind in ("search", "search-black-box", "bag-of-words"):
        return _run_query_level(ctx, level)
    if level.kind == "lago":
        return run_lago_level(level, decoder=who.own, attacker=who.attacker, stored=rows.vectors,
                              references=rows.texts, languages=rows.langs, leaked_vectors=rows.pool_vectors,
                              leaked_targets=emb.pool_targets, leaked_languages=rows.pool_langs,
                              reference_targets=emb.ref_targets, num_beams=config.beams)
    known = level.kind == "known-encoder"
    enc = who.match.encoder if known else who.attacker
    return run_level(level, decoder=who.known_dec if known else who.own, attacker=enc, stored=rows.vectors,
                     references=rows.texts, languages=rows.langs, leaked_vectors=rows.pool_vectors,
                     leaked_targets=emb.pool_targets, aux_vectors=emb.aux_vectors, aux_targets=emb.aux_targets,
                     reference_targets=emb.ref_targets if enc is who.attacker else emb.known_refs,
                     num_beams=config.beams)


def _run_query_level(ctx: AuditContext, level: Level) -> tuple[dict[str, Any], list[str | None]]:
    """Metrics and reconstructions of the search or bag-of-words row (``None`` past its records)."""
    from vecleak.attacks import Knowledge, QueryOracle, load_attack
    from vecleak.classifiers.shipped import word_reader_available

    rows, who, emb, config = ctx.rows, ctx.who, ctx.emb, ctx.config
    match, texts = who.match, rows.texts
    if level.kind == "bag-of-words":
        own_space = level.space == match.name
        reader = ctx.word_reader(match.encoder if own_space else who.attacker)
        knowledge = Knowledge(who.own, who.attacker, leaked_vectors=rows.pool_vectors, leaked_targets=emb.pool_targets,
                              known_encoder=match.encoder if own_space else None)
        metrics, recs = run_attacker(level, load_attack("bag-of-words", reader=reader), knowledge,
                                     stored=rows.vectors, references=texts, languages=rows.langs,
                                     reference_targets=emb.known_refs if own_space else emb.ref_targets)
        metrics["records"] = len(texts)
        return metrics, recs
    n = level.records
    if level.kind == "search":
        oracle = QueryOracle.of(match.encoder, bf16=True)         # the attacker holds the model
        knowledge = Knowledge(who.known_dec, match.encoder, known_decoder=who.known_dec, known_encoder=match.encoder,
                              oracle=oracle)
        space, targets = match.encoder, emb.known_refs
    else:
        victim = match.encoder if match.encoder is not None else load_encoder(config.query_encoder)
        oracle = QueryOracle.of(victim, name=f"API of {victim.name}")
        knowledge = Knowledge(who.own, who.attacker, leaked_vectors=rows.pool_vectors, leaked_targets=emb.pool_targets,
                              oracle=oracle)
        space, targets = who.attacker, emb.ref_targets
    words = ctx.word_reader(space) if word_reader_available(space.name) else None
    search = load_attack("search", budget=config.search_budget, words=words, segments=level.segments,
                         seed=config.seed)
    metrics, recs = run_attacker(level, search, knowledge, stored=rows.vectors[:n], references=texts[:n],
                                 languages=rows.langs[:n], reference_targets=None if targets is None else targets[:n])
    metrics["records"] = n
    return metrics, list(recs) + [None] * (len(texts) - n)


# ---------------------------------------------------------------------------------------------- defenses
def defense_kits(ctx: AuditContext, levels: Sequence[Level]) -> list[AttackerKit]:
    """The attackers every defense setting is measured against (they know the defense)."""
    rows, who, emb, config = ctx.rows, ctx.who, ctx.emb, ctx.config
    kits = [AttackerKit(who.own, who.attacker, leaked_vectors=rows.pool_vectors, leaked_texts=rows.pool_texts,
                        leaked_targets=emb.pool_targets, aux_vectors=emb.aux_vectors, aux_targets=emb.aux_targets,
                        num_beams=config.beams)]
    if any(level.kind == "known-encoder" for level in levels):
        # the decoder for the store's own encoder, behind a ridge that denoises the defense
        kits.append(AttackerKit(who.known_dec, who.match.encoder, leaked_vectors=rows.pool_vectors,
                                leaked_texts=rows.pool_texts, leaked_targets=rows.pool_vectors,
                                aux_vectors=emb.aux_vectors, aux_targets=emb.aux_vectors, num_beams=config.beams,
                                label="known-encoder", attackers=("query",)))
    return kits


def price_defense(ctx: AuditContext, candidate: Candidate, kits: list[AttackerKit]
                  ) -> tuple[FrontierPoint | None, bool, float]:
    """One defense setting's leakage (the strongest attacker that knows it) and retrieval quality
    on the audited rows: ``(point, cached, seconds)``; ``None`` when it cannot apply at this
    dimension."""
    rows, emb = ctx.rows, ctx.emb
    n_attack = min(ctx.config.defense_sample, len(rows.texts))
    key = {**ctx.base_key, "stage": "defense", "candidate": asdict(candidate), "rows": n_attack}
    done = ctx.cache.get(key)
    cached = done is not None
    t0 = time.monotonic()
    if done is None:
        point = measure(candidate, kits, vectors=rows.vectors, references=rows.texts[:n_attack], languages=rows.langs,
                        fit_vectors=rows.fit_vectors, corpus=rows.fit_vectors, attack_rows=n_attack,
                        reference_targets=[emb.ref_targets[:n_attack]] + [
                            None if emb.known_refs is None else emb.known_refs[:n_attack]] * (len(kits) - 1),
                        seed=ctx.config.seed)
        done = ctx.cache.put(key, {"point": None if point is None else {
            "family": point.family, "spec": point.spec, "leakage": point.leakage, "utility": point.utility},
            "seconds": round(time.monotonic() - t0, 2)})
    got = done["point"]
    if got is None:
        return None, cached, done["seconds"]
    return FrontierPoint(got["family"], got["spec"], got["leakage"], got["utility"]), cached, done["seconds"]


def cache_key(config: AuditConfig, rows: SampledRows, who: Attackers) -> dict[str, Any]:
    """What every cached stage of this audit depends on."""
    return {"sample": rows.sample.describe(), "encoder": who.match.name, "beams": config.beams, "seed": config.seed,
            "decoder": who.own_name, "language": config.language, "aux": config.aux_size}
