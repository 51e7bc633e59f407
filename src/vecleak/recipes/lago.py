"""LAGO (few-shot cross-lingual inversion through a language graph), wired from vecleak's parts.

per language i: victim vectors X_i --(joint solve over the graph: IEQ-PDMM or TV)--> W_i
--> attacker space --decoder--> reconstruction --metrics--> per-language and macro scores.

The same runner does per-language ALGEN (``align="algen"``: ridge α = 0, the paper's
pseudo-inverse, or ``alpha`` for ALGEN+λ), so the baselines share every other part. The
in-memory fitting is :func:`vecleak.attacks.cross_lingual.fit_cross_lingual`; this module reads
and writes files.
Where this differs from the paper: the decoder is vecleak's shipped prefix decoder (English)
instead of the paper's; the syntax distance is the closest definition we could reproduce
(see :mod:`vecleak.graphs.syntax`).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from vecleak.attacks.cross_lingual import ALIGNS, fit_cross_lingual, prepare  # noqa: F401  (ALIGNS: the CLI's)
from vecleak.configs import DEFAULT_TOKENIZER, AttackConfig, LagoConfig
from vecleak.constraints import ConfigError
from vecleak.data.atomic import check_output_dir
from vecleak.data.records import read_texts
from vecleak.decoders.inversion_decoder import InversionDecoder
from vecleak.decoders.shipped import load_decoder
from vecleak.defenses import Defense
from vecleak.encoders.base import Encoder
from vecleak.encoders.registry import load_encoder
from vecleak.errors import InputError
from vecleak.graphs.graph import LanguageGraph
from vecleak.metrics import CORE_METRICS, bootstrap_ci
from vecleak.recipes.io import (
    VictimSet, attach_sentence_scores, attacker_for, check_attack_inputs, check_attack_language, check_shots,
    input_settings, load_leaked_pairs, load_victim_set,
)
from vecleak.recipes.report import AttackReport, run_settings

MACRO_KEYS = ("rouge_l", "bleu", "token_f1", "token_recall", "token_precision", "cosine", "aligned_cosine",
              "distinct_rate")


def _defend(defense: Defense, victim: Encoder, leaked: dict[str, VictimSet], targets: dict[str, VictimSet]) -> None:
    """Replace every victim vector by its defended version, in place (fit as the defender would)."""
    from vecleak.data.corpora import DEFENDER_CORPUS

    X_all = np.vstack([vs.vectors for vs in leaked.values()])
    defense.fit(victim.encode(read_texts(DEFENDER_CORPUS)) if defense.learns_from_data else X_all)
    for group in (leaked, targets):
        for vs in group.values():
            vs.vectors = defense.transform(vs.vectors)


def split_lang_file(value: str) -> tuple[str, Path] | None:
    """``"deu=a.txt"`` -> ``("deu", Path("a.txt"))``; ``None`` when ``value`` is a plain path."""
    lang, sep, path = value.partition("=")
    lang = lang.strip()
    if sep and path.strip() and lang.isascii() and lang.isalpha() and 2 <= len(lang) <= 8:
        return lang.lower(), Path(path.strip())
    return None


def check_attack_layout(*, align: str, train: list[str] | None, test: list[str], defense: str = "none") -> bool:
    """Whether ``train`` / ``test`` (paths, or ``LANG=FILE`` per language) make a cross-lingual
    attack, refusing layouts ``align`` cannot run (before any file is read or model loads)."""
    owner = AttackConfig.__name__
    files = list(train or []) + list(test)
    per_language = [split_lang_file(v) is not None for v in files]
    if any(per_language) and not all(per_language):
        raise ConfigError.between("give LANG=FILE for every {train} and {test} file (cross-lingual) or for none",
                                  "train", "test", owner=owner)
    cross_lingual = all(per_language)
    if align in ("lago-ieq", "lago-tv") and not cross_lingual:
        raise ConfigError.between("{align} {value} solves languages jointly: give {train} LANG=FILE and {test} "
                                  "LANG=FILE for each language", "align", "train", "test", owner=owner, value=align)
    if not cross_lingual and defense != "none":
        raise ConfigError.between("{defense} applies to cross-lingual runs (LANG=FILE); use 'vecleak evaluate-defense' "
                                  "for one language", "defense", owner=owner)
    if align == "none":
        if train or cross_lingual:
            raise ConfigError.between("{align} none inverts the decoder's own encoder without leaked pairs: drop "
                                      "{train} and give one {test} file", "align", "train", "test", owner=owner)
    elif not train:
        raise ConfigError.between("give the leaked pairs with {train} (or {align} none when the victim is the "
                                  "decoder's own encoder)", "train", "align", owner=owner)
    if not cross_lingual and (len(test) != 1 or (train and len(train) != 1)):
        raise ConfigError.between("give one {train} and one {test} file, or LANG=FILE for each language", "train",
                                  "test", owner=owner)
    return cross_lingual


def parse_lang_files(values: list[str], option: str) -> dict[str, Path]:
    """``["deu=a.txt", "fra=b.txt"]`` -> ``{"deu": Path("a.txt"), ...}`` with a clear error."""
    out: dict[str, Path] = {}
    for value in values:
        parsed = split_lang_file(value)
        if parsed is None:
            raise InputError(f"{option} '{value}': give LANG=FILE with an ISO 639-3 code, e.g. {option} deu=leaked_de.txt")
        lang, path = parsed
        if lang in out:
            raise InputError(f"{option} names language '{lang}' twice; give one file per language")
        out[lang] = path
    return out


def cross_lingual_attack_files(*, victim: str, train: Mapping[str, str | os.PathLike[str]],
                               test: Mapping[str, str | os.PathLike[str]], shots: int, out: str | os.PathLike[str],
                               config: LagoConfig, decoder: str = AttackConfig.decoder, beams: int = AttackConfig.beams,
                               attack_language: str | None = AttackConfig.language, column: str = AttackConfig.column,
                               max_test: int | None = None, plot: bool = False,
                               defense: Defense | None = None, tokenizer: str = DEFAULT_TOKENIZER
                               ) -> tuple[dict[str, Any], list[dict]]:
    """Run ALGEN / LAGO over several languages from files; write results.json + reconstructions.jsonl.

    ``train``: leaked pairs per language (every language is a graph node); ``test``: vectors
    to invert per language (a subset of ``train``'s languages). ``plot``: also write
    ``convergence.png`` (the solver's curves) and ``graph.png``. ``defense``: every victim vector
    (leaked and target, every language) is stored defended; the attacker sees only those.
    ``attack_language``: what a language-conditioned decoder writes for every language (default:
    each language its own). Everything is checked before any model loads; nothing is written
    unless the whole attack succeeds. The computation is :func:`cross_lingual_report`.
    """
    from vecleak.metrics import check_tokenizer

    check_tokenizer(tokenizer)
    check_shots(shots)
    if not train or not test:
        raise ConfigError.between("give {train} LANG=FILE and {test} LANG=FILE for at least one language", "train", "test")
    missing = sorted(set(test) - set(train))
    if missing:
        raise ConfigError.between("{test} language(s) {langs} have no {train} pairs; every attacked language needs "
                                  "leaked pairs", "test", "train", langs=", ".join(missing))
    t0 = time.monotonic()
    check_output_dir(out, kind="results")
    for lang in train:
        check_attack_inputs(train=train[lang], test=test.get(lang), shots=shots, alpha=config.alpha, column=column)
    check_attack_language(attack_language, decoder)
    graph = prepare(config, list(train))          # unknown language or setting: fail before any model loads
    dec = load_decoder(decoder)
    for lang in test:
        dec.check_languages(attack_language or lang, 1)
    victim_enc = load_encoder(victim)
    leaked = {lang: load_leaked_pairs(path, victim_enc, shots, column=column) for lang, path in train.items()}
    targets = {lang: load_victim_set(path, victim_enc, column=column, limit=max_test) for lang, path in test.items()}
    report = cross_lingual_report(dec, victim_enc, leaked, targets, config=config, graph=graph, beams=beams,
                                  attack_language=attack_language, defense=defense, tokenizer=tokenizer, plot=plot)
    report.settings.update(input_settings(train, test), limit=max_test, seconds=round(time.monotonic() - t0, 1))
    report.write(out)
    return report.results, report.rows


def cross_lingual_report(decoder: InversionDecoder, victim: Encoder, leaked: Mapping[str, VictimSet],
                         targets: Mapping[str, VictimSet], *, config: LagoConfig, graph: LanguageGraph | None = None,
                         beams: int = AttackConfig.beams, attack_language: str | None = AttackConfig.language,
                         defense: Defense | None = None,
                         tokenizer: str = DEFAULT_TOKENIZER, plot: bool = False) -> AttackReport:
    """ALGEN / LAGO over several languages on loaded vectors, in memory: ``leaked {lang: pairs}``
    (every language a graph node), ``targets {lang: vectors}`` (a subset). ``defense``: every
    victim vector is replaced by its defended version first (fitted as the defender would).
    ``plot``: also render the solver's curves and the graph as PNG files of the report."""
    leaked = {lang: VictimSet(vs.vectors, vs.texts, vs.langs) for lang, vs in leaked.items()}    # defended copies
    targets = {lang: VictimSet(vs.vectors, vs.texts, vs.langs) for lang, vs in targets.items()}
    attacker = attacker_for(decoder, victim)
    if defense is not None:
        _defend(defense, victim, leaked, targets)
    X = {lang: vs.vectors for lang, vs in leaked.items()}
    Y = {lang: attacker.encode(vs.texts) if defense is not None or attacker is not victim else vs.vectors
         for lang, vs in leaked.items()}
    fitted = fit_cross_lingual(X, Y, decoder=decoder, attacker=attacker, config=config, graph=graph, num_beams=beams)
    fitted.tokenizer = tokenizer
    per_language: dict[str, dict[str, Any]] = {}
    per_sentence: dict[str, dict[str, list[float]]] = {}
    rows: list[dict] = []
    for lang, target in targets.items():
        attack = fitted.attack(lang, attack_language)
        inversion = attack.invert(target.vectors)
        lang_rows = [{"lang": lang, "reconstruction": r} for r in inversion.reconstructions]
        if target.texts is not None:
            per_language[lang] = attack.evaluate(inversion, target.texts)
            per_language[lang]["n_test"] = len(target.texts)
            for row, ref in zip(lang_rows, target.texts):
                row["reference"] = ref
            per_sentence[lang] = dict(per_language[lang]["per_sentence"])
            attach_sentence_scores(lang_rows, per_language[lang])
        rows.extend(lang_rows)
    results: dict[str, Any] = {}
    if per_language:
        results.update({k: float(np.mean([m[k] for m in per_language.values()])) for k in MACRO_KEYS})
        results["chance"] = {k: float(np.mean([m["chance"][k] for m in per_language.values()])) for k in CORE_METRICS}
        results["ci95"] = {k: list(bootstrap_ci([p[k] for p in per_sentence.values()]))
                           for k in ("rouge_l", "token_f1", "token_recall")}
        results["macro"] = {k: results[k] for k in (*MACRO_KEYS, "chance", "ci95")}
        results["per_language"] = per_language
    results["n_test"] = len(rows)
    results["graph"] = fitted.graph.to_dict() if fitted.graph is not None else None
    if fitted.graph is not None and fitted.graph.isolated:
        results["warnings"] = fitted.graph.isolation_notes()
    if fitted.history is not None:
        results["convergence"] = {k: v for k, v in fitted.history.items() if k not in ("trace", "solver")}
    attack_settings = {k: v for k, v in fitted.attack(next(iter(targets))).settings().items()
                       if k not in ("aligner", "language")}
    results["settings"] = run_settings(
        victim=victim, shots=min(len(vs.vectors) for vs in leaked.values()), attack_settings=attack_settings,
        attack_language=attack_language, decoder_languages=decoder.languages or ["eng"],
        defense=defense.spec() if defense is not None else None, alignment=dict(vars(config)))
    if config.align == "algen":        # the ridge α each language's map used ("auto": its leave-one-out choice)
        results["settings"]["alignment"]["alpha_by_language"] = {
            lang: float(aligner.alpha_) for lang, aligner in fitted.aligners.items()}
    files: dict[str, str | bytes] = {}
    if fitted.history:
        files["convergence.json"] = json.dumps(fitted.history["trace"]) + "\n"
        if plot and fitted.history["iterations"]:
            files["convergence.png"] = fitted.history["solver"].plot_png(f"{config.align} on the {config.metric} graph")
    if plot and fitted.graph is not None:
        files["graph.png"] = fitted.graph.plot_png()
    return AttackReport(results, rows, files)
