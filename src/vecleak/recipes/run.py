"""File-level ALGEN attack and scoring: what ``vecleak attack`` / ``demo`` / ``eval`` run."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vecleak.align.ridge import Ridge
from vecleak.decoders.shipped import load_decoder
from vecleak.configs import AttackConfig
from vecleak.constraints import ConfigError
from vecleak.encoders.registry import load_encoder
from vecleak.errors import InputError
from vecleak.metrics import (
    CORE_METRICS, DEFAULT_TOKENIZER, chance_metrics, check_tokenizer, cosine_rows, distinct_rate, text_metrics,
    tokenizer_note,
)
from vecleak.data.atomic import check_output_dir, check_path_name
from vecleak.decoders.inversion_decoder import InversionDecoder
from vecleak.encoders.base import Encoder
from vecleak.attacks.algen import ALGENAttack
from vecleak.recipes.io import (
    VictimSet, attach_sentence_scores, attacker_for, check_attack_inputs, check_attack_language, decoding_languages,
    input_settings, load_leaked_pairs, load_victim_set,
)
from vecleak.recipes.report import AttackReport, run_settings

_A = AttackConfig          # the one source of the defaults below


def attack_files(*, victim: str, train: str | os.PathLike[str] | None, test: str | os.PathLike[str], shots: int,
                 out: str | os.PathLike[str], decoder: str = _A.decoder, alpha: float | str = _A.alpha,
                 beams: int = _A.beams, rerank: bool = _A.rerank, column: str = _A.column,
                 language: str | None = _A.language, tokenizer: str = _A.tokenizer, limit: int | None = _A.limit,
                 align: str = _A.align,
                 on_ready: Callable[[], None] | None = None) -> tuple[dict[str, Any], list[dict]]:
    """Run ALGEN from files and write ``out/results.json`` + ``out/reconstructions.jsonl``.

    ``align="none"``: no leaked pairs (``train`` None); the victim must be the decoder's own
    encoder. ``language``: what a language-conditioned decoder writes (default: each test
    row's ``lang``, else the leaked pairs' language). ``limit``: the first N test items.
    ``on_ready``: called once every input is checked and loaded, before the inversion (a banner
    printed there never precedes a refusal).

    Returns the results and the per-item rows. The inputs and the output folder are checked
    before any model loads, and nothing is written unless the whole attack succeeds; the
    computation itself is :func:`algen_report`.
    """
    t0 = time.monotonic()
    check_tokenizer(tokenizer)
    AttackConfig(victim=victim, shots=shots, decoder=decoder, align=align, alpha=alpha, beams=beams, rerank=rerank,
                 tokenizer=tokenizer, column=column, limit=limit, language=language)
    check_output_dir(out, kind="results")
    check_attack_inputs(train=train, test=test, shots=None if align == "none" else shots,
                        alpha=None if align == "none" else alpha, column=column)
    check_attack_language(language, decoder)
    dec = load_decoder(decoder)
    victim_enc = load_encoder(victim)
    if align == "none" and victim_enc.spec() != dec.encoder_spec:
        raise ConfigError.between("{align} none decodes the victim's vectors as they are, so the {victim} must be the "
                                  "decoder's encoder ({own}), not {name}; give leaked pairs instead", "align", "victim",
                                  owner="AttackConfig", own=dec.encoder_spec.get("name"), name=victim_enc.name)
    leaked = load_leaked_pairs(train, victim_enc, shots, column=column) if align != "none" else None
    targets = load_victim_set(test, victim_enc, column=column, limit=limit)
    if on_ready is not None:
        on_ready()
    report = algen_report(dec, victim_enc, targets, leaked, alpha=alpha, beams=beams, rerank=rerank,
                          language=language, tokenizer=tokenizer)
    if targets.texts is None:
        report.results["unscored"] = (f"{test} holds vectors without texts, so there is nothing to score against; "
                                      "give a .jsonl with 'text' and 'embedding' to score")
    report.settings.update(input_settings(train, test), limit=limit, seconds=round(time.monotonic() - t0, 1))
    report.write(out)
    return report.results, report.rows


def algen_report(decoder: InversionDecoder, victim: Encoder, targets: VictimSet, leaked: VictimSet | None = None, *,
                 alpha: float | str = _A.alpha, beams: int = _A.beams, rerank: bool = _A.rerank,
                 language: str | None = _A.language,
                 tokenizer: str = DEFAULT_TOKENIZER) -> AttackReport:
    """ALGEN on loaded vectors, in memory: align with ``leaked`` pairs (``None``: no alignment, the
    victim is the decoder's own encoder), invert ``targets`` and score them where their texts are
    known. Reads and writes no file."""
    from vecleak.align.identity import Identity

    attacker = attacker_for(decoder, victim)
    langs = decoding_languages(decoder, language, targets, leaked)
    decoder.check_languages(langs, len(targets.vectors))
    aligner = Identity() if leaked is None else Ridge(alpha=alpha)
    attack = ALGENAttack(decoder, attacker, aligner=aligner, num_beams=beams, rerank=rerank,
                         language=langs if isinstance(langs, str) else None, tokenizer=tokenizer)
    if leaked is None:
        aligner.fit(targets.vectors)
    else:
        attack.fit(leaked.vectors, leaked.texts)
    inversion = attack.invert(targets.vectors, languages=langs)
    results: dict[str, Any] = {}
    rows = [{"reconstruction": r} for r in inversion.reconstructions]
    if isinstance(langs, list):
        for row, lang in zip(rows, langs):
            row["lang"] = lang
    if targets.texts is not None:
        results.update(attack.evaluate(inversion, targets.texts, languages=langs if isinstance(langs, list) else None))
        for row, ref in zip(rows, targets.texts):
            row["reference"] = ref
        attach_sentence_scores(rows, results)
    results["n_test"] = len(rows)
    results["settings"] = run_settings(victim=victim, shots=0 if leaked is None else len(leaked.vectors),
                                       attack_settings=attack.settings(), align="none" if leaked is None else "algen")
    return AttackReport(results, rows)


def _read_scored_lines(path: Path) -> tuple[list[str], list[str], list]:
    """(reconstructions, references, languages) of a reconstructions.jsonl, each line checked."""
    hyps, refs, langs = [], [], []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                hyp, ref, lang = obj["reconstruction"], obj["reference"], obj.get("lang")
            except (json.JSONDecodeError, KeyError, TypeError, AttributeError):
                raise InputError(f"{path}:{lineno}: need a JSON object with 'reference' and 'reconstruction'") from None
            if not isinstance(ref, str) or not ref.strip():
                raise InputError(f"{path}:{lineno}: 'reference' must be a non-empty text, got {json.dumps(ref)}; "
                                 "every line needs the text it is scored against")
            if not isinstance(hyp, str):
                raise InputError(f"{path}:{lineno}: 'reconstruction' must be a text, got {json.dumps(hyp)}; "
                                 "give \"\" for an empty one")
            if lang is not None and not isinstance(lang, str):
                raise InputError(f"{path}:{lineno}: 'lang' must be a language code, got {json.dumps(lang)}")
            hyps.append(hyp)
            refs.append(ref)
            langs.append(lang)
    return hyps, refs, langs


def evaluate_file(path: str | os.PathLike[str], *, encoder: str | None = None,
                  tokenizer: str = DEFAULT_TOKENIZER) -> dict[str, Any]:
    """Metrics of a ``reconstructions.jsonl`` (``reference`` and ``reconstruction`` per line).

    Lines with a ``lang`` are also scored per language (``per_language``, and the macro mean
    over languages in ``macro``); the top-level metrics pool every line.
    """
    path = check_path_name(path)
    check_tokenizer(tokenizer)
    try:
        if not path.is_file():
            raise InputError(f"{path}: no such file; give a reconstructions.jsonl")
        hyps, refs, langs = _read_scored_lines(path)
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text; give the reconstructions.jsonl an attack wrote (UTF-8 JSON "
                         "lines)") from None
    except OSError as err:
        raise InputError(f"{path}: cannot be read ({err.strerror or type(err).__name__}); check the file") from None
    if not refs:
        raise InputError(f"{path}: no lines to score")
    results: dict[str, Any] = text_metrics(hyps, refs, tokenizer=tokenizer)
    results["chance"] = chance_metrics(hyps, refs, tokenizer=tokenizer, groups=langs if any(langs) else None)
    results["distinct_rate"] = distinct_rate(hyps)
    if any(langs):
        per: dict[str, dict[str, Any]] = {}
        for lang in sorted({str(x) for x in langs if x}):
            idx = [i for i, x in enumerate(langs) if x == lang]
            h, r = [hyps[i] for i in idx], [refs[i] for i in idx]
            per[lang] = {**text_metrics(h, r, tokenizer=tokenizer), "chance": chance_metrics(h, r, tokenizer=tokenizer),
                         "distinct_rate": distinct_rate(h), "n_test": len(idx)}
        results["per_language"] = per
        results["macro"] = {k: sum(m[k] for m in per.values()) / len(per) for k in (*CORE_METRICS, "distinct_rate")}
    if encoder is not None:
        enc = load_encoder(encoder)
        results["cosine"] = float(cosine_rows(enc.encode([h or "." for h in hyps]), enc.encode(refs)).mean())
    results["n_test"] = len(refs)
    results["settings"] = {"input": str(path), "tokenizer": tokenizer, "metrics_note": tokenizer_note(tokenizer),
                           "cosine_encoder": encoder}
    return results
