"""Privacy side of a defense: how much an attacker still rebuilds from defended vectors.

victim texts --victim encoder--> vectors --defense--> stored vectors --attacker--> text --metrics.

Attackers (``--attacker``), each the registered attacker of that name in :mod:`vecleak.attacks`:

* ``fewshot``: ALGEN as in :mod:`vecleak.attacks.algen`, aligning *defended* victim vectors to
  its own space with ``shots`` leaked (text, defended vector) pairs.
* ``adaptive``: knows the defense and can query the defended encoder. It aligns with the same
  ``shots`` leaked pairs, then sends ``aux_size`` texts of its own corpus through the defended
  encoder, maps what comes back with that alignment and fine-tunes its decoder on those
  (aligned defended vector, text) pairs for ``adapt_steps`` steps, so the decoder learns the
  defense's noise. Default corpus: 2,000 English Tatoeba sentences shipped in
  ``vecleak/data/aux``; default 1,000 texts and 60 steps of 32 (about a minute on 2 cores).
* ``denoise``: a Wiener denoiser learnt on its own defended copies of the aux vectors, then ALGEN.
* ``decoder-aux``: the seed's Eguard attacker, a decoder trained on (defended vector, text)
  pairs of the aux corpus (``aux_size`` texts through the deployed defense): its first layer is
  a ridge from the defended space into the attacker's, fitted on those pairs and the leaked
  ones, and the pretrained decoder behind it is fine-tuned on them for ``adapt_steps`` steps.
* ``token-set``: a multi-label word attacker trained on defended aux vectors (no decoder).
* ``strongest``: every attacker above that decodes (``fewshot``, ``denoise``, ``adaptive``,
  ``decoder-aux``: :data:`~vecleak.attacks.DECODING_ATTACKERS`), each with a fresh decoder, on
  the same stored vectors (:func:`vecleak.attacks.strongest`); the best score per metric is
  reported, with which attacker reached it (``best_attacker``) and every attacker's scores
  (``by_attacker``).

A defense that learns (PCA) is fitted by the defender on text of its own (``DEFENDER_CORPUS``:
2,000 shipped SNLI premises, disjoint from the attacker's Tatoeba ``AUX_CORPUS``), never on the
vectors being scored; every stored vector then passes through it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from vecleak.attacks import DECODING_ATTACKERS, Attacker, Knowledge, attack_parameters, load_attack, strongest
from vecleak.attacks.adapt import ADAPT_BATCH, DEFAULT_ADAPT_STEPS, adapt_decoder  # noqa: F401  (importable here)
from vecleak.attacks.algen import ALGENAttack, Inversion
from vecleak.configs import DEFAULT_TOKENIZER, AttackConfig, DefenseEvalConfig
from vecleak.constraints import ConfigError
from vecleak.data.atomic import check_output_dir
from vecleak.data.corpora import AUX_CORPUS, DEFENDER_CORPUS
from vecleak.data.records import read_texts
from vecleak.decoders.inversion_decoder import InversionDecoder
from vecleak.decoders.shipped import load_decoder
from vecleak.defenses import Defense, load_defense
from vecleak.encoders.base import Encoder
from vecleak.encoders.registry import load_encoder
from vecleak.errors import InputError
from vecleak.metrics import chance_metrics, check_tokenizer, cosine_rows, distinct_rate, text_metrics
from vecleak.recipes.io import (
    VictimSet, attach_sentence_scores, attacker_for, check_attack_inputs, check_attack_language, input_settings,
    load_leaked_pairs, load_victim_set,
)
from vecleak.recipes.report import AttackReport, run_settings
from vecleak.seeding import preserves_global_rng

#: ``--attacker`` choices: the registered attackers that decode, the token-set one, and all decoding ones at once.
ATTACKERS = (*DECODING_ATTACKERS, "token-set", "strongest")
DEFAULT_AUX_SIZE = DefenseEvalConfig.aux_size            # the one source: DefenseEvalConfig
_A, _D = AttackConfig, DefenseEvalConfig
MIN_AUX = 2 * ADAPT_BATCH
#: The scores ``--attacker strongest`` reports the best of.
REPORT_METRICS = ("rouge_l", "bleu", "token_f1", "token_recall", "token_precision", "cosine")


def guess_level(attack: ALGENAttack, known_vectors: np.ndarray, references: list[str]) -> dict[str, Any]:
    """Scores of one text-independent guess: the decoding of the mean of attacker vectors the
    attacker already holds (``known_vectors (b, d)``, e.g. of its leaked texts).

    An attacker who learned nothing about the targets still scores this much (common words,
    typical length), so leakage is what an attack scores *above* it. (``chance`` in results is
    the other baseline: the attack's own outputs against shuffled references.)
    """
    centre = np.asarray(known_vectors, np.float32).mean(0, keepdims=True)
    guess = attack.decoder.generate(centre, num_beams=attack.num_beams, languages=attack.language)[0][0]
    return {"guess": guess, **text_metrics([guess] * len(references), references, tokenizer=attack.tokenizer)}


def defended_knowledge(defense: Defense, *, decoder: InversionDecoder, victim: Encoder, attacker: Encoder,
                       X_leak: np.ndarray, leaked_texts: list[str], X_test: np.ndarray,
                       attackers: Sequence[Attacker] = (), aux_texts: list[str] = (), beams: int = _A.beams, seed: int = _D.seed,
                       Y_leak: np.ndarray | None = None, X_aux: np.ndarray | None = None,
                       X_defender: np.ndarray | None = None, language: str | None = None,
                       aux_language: str = "eng", tokenizer: str = DEFAULT_TOKENIZER) -> tuple[Knowledge, np.ndarray]:
    """Fit ``defense`` as the defender would and store the vectors through it: what ``attackers``
    then hold (:class:`~vecleak.attacks.Knowledge`) and the defended targets ``(n, m)``.

    ``X_leak (b, m)`` / ``X_test (n, m)``: undefended victim vectors; the defense is fitted on
    ``X_defender`` (default: the victim's embeddings of ``DEFENDER_CORPUS``) when it learns from
    data, else on ``X_leak``. The attacker can run the victim encoder (the aux texts' undefended
    vectors ``X_aux``, computed when an attacker uses aux texts) and, where an attacker queries
    the deployed pipeline, gets the aux texts' defended vectors. ``Y_leak``, ``X_aux``,
    ``X_defender``: precomputed embeddings, to skip encoding.
    """
    if defense.learns_from_data:
        defense.fit(X_defender if X_defender is not None else victim.encode(read_texts(DEFENDER_CORPUS)))
    else:
        defense.fit(X_leak)
    D_leak, D_test = defense.transform(X_leak), defense.transform(X_test)
    if Y_leak is None:
        Y_leak = X_leak if attacker is victim else attacker.encode(leaked_texts)
    if any("aux" in a.requires for a in attackers) and X_aux is None:
        X_aux = victim.encode(list(aux_texts))
    queried = X_aux is not None and any("query" in a.requires for a in attackers)   # query access to the defense
    knowledge = Knowledge(decoder, attacker, leaked_vectors=D_leak, leaked_texts=leaked_texts, leaked_targets=Y_leak,
                          known_encoder=victim, defense=defense, aux_texts=list(aux_texts) or None,
                          aux_raw=X_aux, aux_vectors=defense.transform(X_aux) if queried else None,
                          aux_language=aux_language, num_beams=beams, tokenizer=tokenizer, seed=seed,
                          language=language)
    return knowledge, D_test


def decoding_attacker(kind: str, adapt_steps: int = DEFAULT_ADAPT_STEPS, *, in_place: bool = False) -> Attacker:
    """The registered attacker ``kind`` with the CLI's settings (those that fine-tune a decoder:
    ``adapt_steps``, and ``in_place``: the given decoder itself instead of a copy)."""
    if kind not in DECODING_ATTACKERS:
        raise InputError(f"'{kind}' is not an attacker that decodes; use one of {', '.join(DECODING_ATTACKERS)}")
    if "adapt_steps" in attack_parameters(kind):
        return load_attack(kind, adapt_steps=adapt_steps, in_place=in_place)
    return load_attack(kind)


def _uses(attacker: str, kind: str) -> bool:
    """Whether ``--attacker`` ``attacker`` (``strongest``: any decoding one) requires knowledge ``kind``."""
    kinds = DECODING_ATTACKERS if attacker == "strongest" else (attacker,)
    return any(kind in load_attack(k).requires for k in kinds)


def attack_defended(defense: Defense, *, decoder: InversionDecoder, victim: Encoder, attacker: Encoder,
                    X_leak: np.ndarray, leaked_texts: list[str], X_test: np.ndarray, kind: str = "fewshot",
                    aux_texts: list[str] = (), adapt_steps: int = _D.adapt_steps, beams: int = _A.beams,
                    seed: int = 0, Y_leak: np.ndarray | None = None, X_aux: np.ndarray | None = None,
                    X_defender: np.ndarray | None = None, language: str | None = None,
                    aux_language: str = "eng", tokenizer: str = DEFAULT_TOKENIZER) -> tuple[ALGENAttack, Inversion, np.ndarray]:
    """The attack on defended vectors, in memory: ``(fitted attack, inversion of X_test, Y_leak)``.

    The registered attacker ``kind`` (one of :data:`~vecleak.attacks.DECODING_ATTACKERS`) on
    :func:`defended_knowledge`. The adaptive and decoder-aux attackers fine-tune ``decoder`` in
    place (the weights chosen on held-out aux pairs, see :func:`adapt_decoder`; recorded in the
    attack's ``settings()["decoder_adaptation"]``). ``language``: what a language-conditioned
    decoder writes for the targets; ``aux_language``: the aux texts' language.
    """
    atk = decoding_attacker(kind, adapt_steps, in_place=True)
    knowledge, D_test = defended_knowledge(
        defense, decoder=decoder, victim=victim, attacker=attacker, X_leak=X_leak, leaked_texts=leaked_texts,
        X_test=X_test, attackers=(atk,), aux_texts=aux_texts, beams=beams, seed=seed, Y_leak=Y_leak, X_aux=X_aux,
        X_defender=X_defender, language=language, aux_language=aux_language, tokenizer=tokenizer)
    atk.attack(D_test, knowledge)
    return atk.attack_, atk.inversion_, knowledge.leaked_targets


def evaluate_defense(*, victim: str, defense: str | Defense, shots: int, train: str | os.PathLike[str],
                     test: str | os.PathLike[str], out: str | os.PathLike[str], epsilon: float | None = None,
                     attacker: str = _D.attacker, aux: str | os.PathLike[str] | None = None,
                     aux_size: int = _D.aux_size, adapt_steps: int = _D.adapt_steps, seed: int = _D.seed,
                     decoder: str = _A.decoder, beams: int = _A.beams, column: str = _A.column,
                     defense_params: dict[str, Any] | None = None,
                     language: str | None = _A.language, limit: int | None = _A.limit,
                     tokenizer: str = DEFAULT_TOKENIZER) -> tuple[dict[str, Any], list[dict]]:
    """Attack defended vectors from files; write ``out/results.json`` + ``out/reconstructions.jsonl``.

    ``results.json`` has the attack metrics at its top level (``rouge_l``, ``bleu``,
    ``token_f1``, ``token_recall``, ``cosine``), ``chance`` (the same outputs against shuffled
    references), ``chance_guess`` (the scores of one text-independent guess, see
    :func:`guess_level`) and the settings, the defense's spec included. ``language``: what a
    language-conditioned decoder writes (default: the test rows' ``lang``, else eng).
    """
    if attacker not in ATTACKERS:
        raise ConfigError.between("unknown {attacker} '{value}'; use one of {choices}", "attacker", value=attacker,
                                  choices=", ".join(ATTACKERS))
    check_tokenizer(tokenizer)
    AttackConfig(victim=victim, shots=shots, decoder=decoder, beams=beams, tokenizer=tokenizer, column=column,
                 limit=limit, language=language)
    DefenseEvalConfig(attacker=attacker, aux_size=aux_size, adapt_steps=adapt_steps, seed=seed)
    t0 = time.monotonic()
    check_output_dir(out, kind="results")
    check_attack_inputs(train=None if attacker == "token-set" else train, test=test,
                        shots=None if attacker == "token-set" else shots, column=column)
    if attacker != "token-set":
        check_attack_language(language, decoder)
    mech = defense if isinstance(defense, Defense) else load_defense(defense, epsilon=epsilon, seed=seed,
                                                                     **(defense_params or {}))
    aux_texts: list[str] = []
    if _uses(attacker, "aux"):
        aux_texts = read_texts(aux or AUX_CORPUS)[:aux_size]
        if len(aux_texts) < MIN_AUX:
            raise ConfigError.between("the auxiliary corpus has {n} texts; the {kind} attacker needs at least {least} "
                                      "(raise {aux_size} or give a larger {aux})", "aux_size", "aux", n=len(aux_texts),
                                      kind=attacker, least=MIN_AUX)
    victim_enc = load_encoder(victim)
    if attacker == "token-set":
        targets = load_victim_set(test, victim_enc, column=column, limit=limit)
        report = token_set_report(mech, victim_enc, targets, aux_texts, seed=seed, test_name=str(test),
                                  tokenizer=tokenizer)
        report.settings.update(aux=str(aux or AUX_CORPUS), **input_settings(None, test), limit=limit)
    else:
        dec = load_decoder(decoder)
        leaked = load_leaked_pairs(train, victim_enc, shots, column=column)
        targets = load_victim_set(test, victim_enc, column=column, limit=limit)
        langs = targets.langs or leaked.langs or []
        language = language or (langs[0] if langs and len(set(langs)) == 1 else "eng")
        dec.check_languages(language, 1)
        report = defense_report(mech, dec, victim_enc, leaked, targets, attacker=attacker, aux_texts=aux_texts,
                                adapt_steps=adapt_steps, beams=beams, seed=seed, language=language,
                                test_name=str(test), tokenizer=tokenizer)
        if "aux_size" in report.settings:
            report.settings["aux"] = str(aux or AUX_CORPUS)
        report.settings.update(input_settings(train, test), limit=limit)
    report.settings["seconds"] = round(time.monotonic() - t0, 1)
    report.write(out)
    return report.results, report.rows


def defense_report(defense: Defense, decoder: InversionDecoder, victim: Encoder, leaked: VictimSet,
                   targets: VictimSet, *, attacker: str = "fewshot", aux_texts: list[str] = (),
                   adapt_steps: int = _D.adapt_steps, beams: int = _A.beams, seed: int = 0, language: str = "eng",
                   test_name: str = "the test set", tokenizer: str = DEFAULT_TOKENIZER) -> AttackReport:
    """Attack ``defense``'s outputs on loaded vectors, in memory: every decoding ``attacker`` of
    :data:`~vecleak.attacks.DECODING_ATTACKERS` or ``"strongest"`` (all of them on the same
    stored vectors, through :func:`vecleak.attacks.strongest`; the best per metric is reported).
    Attackers that fine-tune work on their own copy of ``decoder``; nothing is read or written."""
    kinds = DECODING_ATTACKERS if attacker == "strongest" else (attacker,)
    if attacker == "strongest" and targets.texts is None:
        raise ConfigError.between("{test_name}: {attacker} strongest picks the best attacker by its scores; give test "
                                  "rows with texts", "attacker", test_name=test_name)
    attackers = {kind: decoding_attacker(kind, adapt_steps) for kind in kinds}
    knowledge, D_test = defended_knowledge(
        defense, decoder=decoder, victim=victim, attacker=attacker_for(decoder, victim), X_leak=leaked.vectors,
        leaked_texts=leaked.texts, X_test=targets.vectors, attackers=tuple(attackers.values()), aux_texts=aux_texts,
        beams=beams, seed=seed, language=language, tokenizer=tokenizer)
    adapt_info = {"aux_size": len(aux_texts)} if any("aux" in a.requires for a in attackers.values()) else {}
    if any(hasattr(a, "adapt_steps") for a in attackers.values()):
        adapt_info["adapt_steps"] = adapt_steps
    results: dict[str, Any] = {}
    if targets.texts is not None:
        summary = strongest(attackers, knowledge, D_test, targets.texts, metrics=REPORT_METRICS, exposure=False)
        best = summary["attacker"]["token_f1"]
        results.update(summary["detail"])
        if attacker == "strongest":
            results["by_attacker"] = summary["attackers"]
            results["best_attacker"] = summary["attacker"]
            results.update({m: summary[m] for m in REPORT_METRICS})
    else:
        best = kinds[0]
        attackers[best].attack(D_test, knowledge)
    attack = attackers[best].attack_
    rows = [{"reconstruction": r} for r in attackers[best].inversion_.reconstructions]
    if targets.texts is not None:
        results["chance_guess"] = guess_level(attack, knowledge.leaked_targets, targets.texts)
        for row, ref in zip(rows, targets.texts):
            row["reference"] = ref
        attach_sentence_scores(rows, results)
    results["n_test"] = len(rows)
    results["settings"] = run_settings(victim=victim, shots=len(leaked.vectors), attack_settings=attack.settings(),
                                       defense=defense.spec(), attacker=attacker, **adapt_info)
    return AttackReport(results, rows)


def token_set_report(defense: Defense, victim: Encoder, targets: VictimSet, aux_texts: list[str], *, seed: int = 0,
                     test_name: str = "the test set", tokenizer: str = DEFAULT_TOKENIZER) -> AttackReport:
    """``defense_report`` for the token-set attacker: no decoder, no leaked pairs; in memory."""
    if targets.texts is None:
        raise InputError(f"{test_name}: the token-set attacker is scored against texts; give a test file with texts")
    X_aux = victim.encode(aux_texts)
    guesses, model = token_set_attack(defense, X_aux=X_aux, aux_texts=aux_texts, X_test=targets.vectors, seed=seed)
    chance = model.predict(defense.transform(X_aux).mean(0, keepdims=True))[0]   # knowing nothing of the text
    cosine = float(np.mean(cosine_rows(victim.encode(guesses), targets.vectors)))
    results: dict[str, Any] = {**text_metrics(guesses, targets.texts, tokenizer=tokenizer), "cosine": cosine,
                               "chance": chance_metrics(guesses, targets.texts, tokenizer=tokenizer),
                               "distinct_rate": distinct_rate(guesses),
                               "chance_guess": {"guess": chance, **text_metrics([chance] * len(guesses), targets.texts,
                                                                                tokenizer=tokenizer)}}
    results["n_test"] = len(guesses)
    results["settings"] = {"victim_encoder": victim.spec(), "defense": defense.spec(), "attacker": "token-set",
                           "aux_size": len(aux_texts), "tokenizer": tokenizer,
                           "note": "word sets, unordered: read token_f1 / token_recall; rouge_l and bleu "
                                   "are not meaningful for this attacker; cosine: victim embedding of the word "
                                   "set vs. the undefended target vector"}
    rows = [{"reconstruction": g, "reference": r} for g, r in zip(guesses, targets.texts)]
    return AttackReport(results, rows)


@preserves_global_rng
def token_set_attack(defense: Defense, *, X_aux: np.ndarray, aux_texts: list[str], X_test: np.ndarray,
                     epochs: int = 30, seed: int = 0) -> tuple[list[str], Any]:
    """The adaptive multi-label attacker (the registered ``token-set``): trains a token-set decoder
    on ``(defense(X_aux), aux_texts)`` and predicts the word sets of ``defense(X_test)``; ``X_*
    (n, m)`` are undefended victim vectors (a defense that learns is fitted on ``X_aux``). Returns
    the predictions and the fitted :class:`~vecleak.classifiers.token_set.TokenSetDecoder`.

    It needs no leaked pairs and no attacker encoder: query access to the defended encoder on
    its own texts is enough. Its outputs are word sets, so score them by token F1 / recall.
    """
    if defense.learns_from_data:
        defense.fit(X_aux)
    D_aux, D_test = defense.transform(X_aux), defense.transform(X_test)
    atk = load_attack("token-set", epochs=epochs)
    result = atk.attack(D_test, Knowledge(None, None, aux_texts=list(aux_texts), aux_vectors=D_aux, seed=seed))
    return result.texts, atk.model_
