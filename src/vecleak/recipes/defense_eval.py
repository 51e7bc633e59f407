"""Privacy side of a defense: how much an attacker still rebuilds from defended vectors.

victim texts --victim encoder--> vectors --defense--> stored vectors --attacker--> text --metrics.

Attackers (``--attacker``):

* ``fewshot``: ALGEN as in :mod:`vecleak.recipes.algen`, aligning *defended* victim vectors to
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
  ``decoder-aux``), each with a fresh decoder; the best score per metric is reported, with
  which attacker reached it (``best_attacker``) and every attacker's scores (``by_attacker``).

A defense that learns (PCA) is fitted by the defender on text of its own (``DEFENDER_CORPUS``:
2,000 shipped SNLI premises, disjoint from the attacker's Tatoeba ``AUX_CORPUS``), never on the
vectors being scored; every stored vector then passes through it.
"""

from __future__ import annotations

import copy
import os
import tempfile
import time
from typing import Any

import numpy as np
import torch
from sklearn.base import clone

from vecleak.align.denoise import DenoisedAligner, fit_denoiser
from vecleak.align.ridge import Ridge
from vecleak.data.atomic import check_output_dir
from vecleak.data.corpora import AUX_CORPUS, DEFENDER_CORPUS
from vecleak.data.records import read_texts
from vecleak.decoders.inversion_decoder import InversionDecoder
from vecleak.decoders.shipped import load_decoder
from vecleak.classifiers.token_set import TokenSetDecoder, TokenVocabulary
from vecleak.decoders.training import TrainingConfig, train_decoder
from vecleak.defenses import Defense, load_defense
from vecleak.encoders.base import Encoder
from vecleak.encoders.registry import load_encoder
from vecleak.errors import InputError
from vecleak.metrics import chance_metrics, check_tokenizer, cosine_rows, distinct_rate, text_metrics
from vecleak.recipes.algen import ALGENAttack, Inversion
from vecleak.recipes.io import (
    VictimSet, attach_sentence_scores, attacker_for, check_attack_inputs, input_settings, load_leaked_pairs,
    load_victim_set,
)
from vecleak.recipes.report import AttackReport, run_settings
from vecleak.seeding import preserves_global_rng

ATTACKERS = ("fewshot", "adaptive", "denoise", "decoder-aux", "token-set", "strongest")
#: The attackers ``strongest`` runs.
DECODING_ATTACKERS = ("fewshot", "denoise", "adaptive", "decoder-aux")
#: The attackers that fine-tune a decoder (each on its own copy).
FINE_TUNING_ATTACKERS = ("adaptive", "decoder-aux")
DEFAULT_AUX_SIZE = 1000
DEFAULT_ADAPT_STEPS = 60
ADAPT_BATCH = 32
MIN_AUX = 2 * ADAPT_BATCH


def adapt_decoder(decoder: InversionDecoder, aligned: np.ndarray, texts: list[str], *, steps: int,
                  batch_size: int = ADAPT_BATCH, lr: float = 1e-4, seed: int = 0,
                  language: str | None = None) -> dict[str, Any]:
    """Fine-tune ``decoder`` in place on aligned defended vectors ``(n, d)`` of ``texts``, keeping
    the weights that do best on held-out pairs; returns what was selected.

    A tenth of the pairs (at most 100) is held out. The decoder is scored there (mean token
    loss) before fine-tuning and after every quarter of the ``steps``; the best of those states
    is kept, the untouched decoder included, so adapting can never leave the attacker worse on
    its own held-out data than not adapting. These pairs are the attacker's own texts: no test
    text takes part in the choice. ``language``: the texts' language, for a language-conditioned
    decoder. Returns ``{"adapt_selected_step", "adapt_valid_loss": {step: loss}}``.
    """
    if steps < 1:
        return {"adapt_selected_step": 0, "adapt_valid_loss": {}}
    n_valid = max(1, min(100, len(texts) // 10))
    batch_size = min(batch_size, len(texts) - n_valid)
    config = TrainingConfig(steps=steps, batch_size=batch_size, lr=lr, prefix_lr=5 * lr, warmup=max(1, steps // 10),
                            noise_prob=0.0, eval_every=max(1, steps // 4), checkpoint_every=steps,
                            valid_decode=1, bf16=False, seed=seed)
    curve: dict[int, float] = {}
    best: dict[str, Any] = {}

    def keep_best(record: dict) -> None:
        if "valid_loss" not in record:
            return
        curve[int(record["step"])] = round(float(record["valid_loss"]), 4)
        if not best or record["valid_loss"] < best["loss"]:
            best.update(loss=record["valid_loss"], step=int(record["step"]),
                        state={k: v.detach().clone() for k, v in decoder.model.state_dict().items()})

    with tempfile.TemporaryDirectory(prefix="vecleak-adapt-") as tmp:
        langs = None if not decoder.languages else [language or "eng"] * len(texts)
        train_decoder(decoder, texts[n_valid:], aligned[n_valid:], tmp, valid_texts=texts[:n_valid],
                      valid_embeddings=aligned[:n_valid], config=config,
                      languages=None if langs is None else langs[n_valid:],
                      valid_languages=None if langs is None else langs[:n_valid], on_log=keep_best)
    decoder.model.load_state_dict(best["state"])
    decoder.model.eval()
    return {"adapt_selected_step": best["step"], "adapt_valid_loss": curve}


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


def attack_defended(defense: Defense, *, decoder: InversionDecoder, victim: Encoder, attacker: Encoder,
                    X_leak: np.ndarray, leaked_texts: list[str], X_test: np.ndarray, kind: str = "fewshot",
                    aux_texts: list[str] = (), adapt_steps: int = DEFAULT_ADAPT_STEPS, beams: int = 4,
                    seed: int = 0, Y_leak: np.ndarray | None = None, X_aux: np.ndarray | None = None,
                    X_defender: np.ndarray | None = None, language: str | None = None,
                    aux_language: str = "eng", tokenizer: str = "unicode") -> tuple[ALGENAttack, Inversion, np.ndarray]:
    """The attack on defended vectors, in memory: ``(fitted attack, inversion of X_test, Y_leak)``.

    ``X_leak (b, m)`` / ``X_test (n, m)``: undefended victim vectors; the defense is fitted (on
    ``X_defender``, default: the victim's embeddings of ``DEFENDER_CORPUS``, when it learns from
    data) and applied here. ``Y_leak``, ``X_aux``, ``X_defender``: precomputed embeddings, to
    skip encoding. The adaptive and decoder-aux attackers fine-tune ``decoder`` in place (the
    weights chosen on held-out aux pairs, see :func:`adapt_decoder`; recorded in the attack's
    ``settings()["decoder_adaptation"]``). ``language``: what a
    language-conditioned decoder writes for the targets; ``aux_language``: the aux texts' language.
    """
    if defense.learns_from_data:
        defense.fit(X_defender if X_defender is not None else victim.encode(read_texts(DEFENDER_CORPUS)))
    else:
        defense.fit(X_leak)
    D_leak, D_test = defense.transform(X_leak), defense.transform(X_test)
    if Y_leak is None:
        Y_leak = X_leak if attacker is victim else attacker.encode(leaked_texts)
    aligner = Ridge(alpha="auto")
    if kind == "denoise":
        X_aux = X_aux if X_aux is not None else victim.encode(list(aux_texts))
        aligner = DenoisedAligner(fit_denoiser(own_copy(defense, X_aux, seed).transform(X_aux), X_aux))
    attack = ALGENAttack(decoder, attacker, aligner=aligner, num_beams=beams,
                         language=language if decoder.languages else None, tokenizer=tokenizer)
    if kind == "decoder-aux":
        X_aux = X_aux if X_aux is not None else victim.encode(list(aux_texts))
        D_aux = defense.transform(X_aux)                    # query access to the deployed defense
        Y_aux = attacker.encode(list(aux_texts))
        attack.aligner.fit(np.concatenate([D_aux, D_leak]), np.concatenate([Y_aux, Y_leak]))
        attack.decoder_adaptation = adapt_decoder(decoder, attack.aligner.transform(D_aux), list(aux_texts),
                                                  steps=adapt_steps, seed=seed, language=aux_language)
        return attack, attack.invert(D_test), Y_leak
    attack.fit(D_leak, leaked_texts, attacker_vectors=Y_leak)
    if kind == "adaptive":
        X_aux = X_aux if X_aux is not None else victim.encode(list(aux_texts))
        aligned_aux = attack.aligner.transform(defense.transform(X_aux))
        attack.decoder_adaptation = adapt_decoder(decoder, aligned_aux, list(aux_texts), steps=adapt_steps,
                                                  seed=seed, language=aux_language)
    return attack, attack.invert(D_test), Y_leak


def _rebuildable(defense: Defense) -> bool:
    """Whether ``defense`` is a mechanism with parameters (not a trained or fitted folder)."""
    return not getattr(defense, "fitted_from_", None) and defense.name != "eguard"


def own_copy(defense: Defense, X_aux: np.ndarray, seed: int) -> Defense:
    """The attacker's own instance of ``defense``: same mechanism and parameters, its own
    randomness (and key), fitted on the attacker's vectors where the defense learns."""
    if not _rebuildable(defense):
        return defense        # a trained or fitted folder: the attacker queries the deployed one
    params = defense.get_params(deep=False)
    if "seed" in params and not params.get("secure"):
        params["seed"] = seed + 1_000_003
    return type(defense)(**params).fit(X_aux)


def evaluate_defense(*, victim: str, defense: str | Defense, shots: int, train: str | os.PathLike[str],
                     test: str | os.PathLike[str], out: str | os.PathLike[str], epsilon: float | None = None,
                     attacker: str = "fewshot", aux: str | os.PathLike[str] | None = None,
                     aux_size: int = DEFAULT_AUX_SIZE, adapt_steps: int = DEFAULT_ADAPT_STEPS, seed: int = 0,
                     decoder: str = "default", beams: int = 4, column: str = "text",
                     defense_params: dict[str, Any] | None = None,
                     language: str | None = None, limit: int | None = None,
                     tokenizer: str = "unicode") -> tuple[dict[str, Any], list[dict]]:
    """Attack defended vectors from files; write ``out/results.json`` + ``out/reconstructions.jsonl``.

    ``results.json`` has the attack metrics at its top level (``rouge_l``, ``bleu``,
    ``token_f1``, ``token_recall``, ``cosine``), ``chance`` (the same outputs against shuffled
    references), ``chance_guess`` (the scores of one text-independent guess, see
    :func:`guess_level`) and the settings, the defense's spec included. ``language``: what a
    language-conditioned decoder writes (default: the test rows' ``lang``, else eng).
    """
    if attacker not in ATTACKERS:
        raise InputError(f"unknown --attacker '{attacker}'; use one of {', '.join(ATTACKERS)}")
    check_tokenizer(tokenizer)
    if shots < 1:
        raise InputError(f"--shots must be at least 1, got {shots}")
    if aux_size < 1 or adapt_steps < 0:
        raise InputError("--aux-size must be >= 1 and --adapt-steps >= 0")
    t0 = time.monotonic()
    check_output_dir(out, kind="results")
    check_attack_inputs(train=None if attacker == "token-set" else train, test=test,
                        shots=None if attacker == "token-set" else shots, column=column)
    mech = defense if isinstance(defense, Defense) else load_defense(defense, epsilon=epsilon, seed=seed,
                                                                     **(defense_params or {}))
    aux_texts: list[str] = []
    if attacker in ("adaptive", "denoise", "decoder-aux", "token-set", "strongest"):
        aux_texts = read_texts(aux or AUX_CORPUS)[:aux_size]
        if len(aux_texts) < MIN_AUX:
            raise InputError(f"the auxiliary corpus has {len(aux_texts)} texts; the {attacker} attacker needs at least "
                             f"{MIN_AUX} (raise --aux-size or give a larger --aux)")
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
                   adapt_steps: int = DEFAULT_ADAPT_STEPS, beams: int = 4, seed: int = 0, language: str = "eng",
                   test_name: str = "the test set", tokenizer: str = "unicode") -> AttackReport:
    """Attack ``defense``'s outputs on loaded vectors, in memory: every decoding ``attacker`` of
    :data:`DECODING_ATTACKERS` or ``"strongest"`` (all of them; the best per metric is reported).
    Attackers that fine-tune work on their own copy of ``decoder``; nothing is read or written."""
    kinds = DECODING_ATTACKERS if attacker == "strongest" else (attacker,)
    if attacker == "strongest" and targets.texts is None:
        raise InputError(f"{test_name}: --attacker strongest picks the best attacker by its scores; give test rows "
                         "with texts")
    atk_enc = attacker_for(decoder, victim)
    runs: dict[str, tuple[ALGENAttack, Inversion, np.ndarray]] = {}
    for kind in kinds:
        runs[kind] = attack_defended(
            clone(defense) if kind != kinds[0] and _rebuildable(defense) else defense,   # same parameters and seed
            decoder=copy.deepcopy(decoder) if kind in FINE_TUNING_ATTACKERS else decoder,
            victim=victim, attacker=atk_enc, X_leak=leaked.vectors, leaked_texts=leaked.texts,
            X_test=targets.vectors, kind=kind, aux_texts=aux_texts, adapt_steps=adapt_steps, beams=beams, seed=seed,
            language=language, tokenizer=tokenizer)
    adapt_info = {"aux_size": len(aux_texts)} if attacker in ("adaptive", "denoise", "decoder-aux", "strongest") else {}
    if attacker in ("adaptive", "decoder-aux", "strongest"):
        adapt_info["adapt_steps"] = adapt_steps
    results: dict[str, Any] = {}
    scored = {k: (a, inv, a.evaluate(inv, targets.texts) if targets.texts is not None else None, y)
              for k, (a, inv, y) in runs.items()}
    best = max(scored, key=lambda k: scored[k][2]["token_f1"]) if targets.texts is not None else kinds[0]
    attack, inversion, best_metrics, Y_leak = scored[best]
    rows = [{"reconstruction": r} for r in inversion.reconstructions]
    if targets.texts is not None:
        results.update(best_metrics)
        if attacker == "strongest":
            keys = ("rouge_l", "bleu", "token_f1", "token_recall", "token_precision", "cosine")
            results["by_attacker"] = {k: {m: v[2][m] for m in (*keys, "chance")} for k, v in scored.items()}
            results["best_attacker"] = {m: max(scored, key=lambda k: scored[k][2][m]) for m in keys}
            results.update({m: scored[results["best_attacker"][m]][2][m] for m in keys})
        results["chance_guess"] = guess_level(attack, Y_leak, targets.texts)
        for row, ref in zip(rows, targets.texts):
            row["reference"] = ref
        attach_sentence_scores(rows, results)
    results["n_test"] = len(rows)
    results["settings"] = run_settings(victim=victim, shots=len(leaked.vectors), attack_settings=attack.settings(),
                                       defense=defense.spec(), attacker=attacker, **adapt_info)
    return AttackReport(results, rows)


def token_set_report(defense: Defense, victim: Encoder, targets: VictimSet, aux_texts: list[str], *, seed: int = 0,
                     test_name: str = "the test set", tokenizer: str = "unicode") -> AttackReport:
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
                     epochs: int = 30, seed: int = 0) -> tuple[list[str], TokenSetDecoder]:
    """The adaptive multi-label attacker: trains a token-set decoder on ``(defense(X_aux), aux_texts)``
    (a tenth held out to choose its decision threshold) and predicts the word sets of
    ``defense(X_test)``; ``X_* (n, m)`` are undefended victim vectors. Returns the predictions and
    the fitted attacker.

    It needs no leaked pairs and no attacker encoder: query access to the defended encoder on
    its own texts is enough. Its outputs are word sets, so score them by token F1 / recall.
    """
    if defense.learns_from_data:
        defense.fit(X_aux)
    D_aux, D_test = defense.transform(X_aux), defense.transform(X_test)
    torch.manual_seed(seed)
    n_cal = max(1, len(aux_texts) // 10)  # held out to choose the decision threshold
    model = TokenSetDecoder(D_aux.shape[1], TokenVocabulary.build(aux_texts[n_cal:]))
    model.fit(D_aux[n_cal:], aux_texts[n_cal:], epochs=epochs, seed=seed)
    return model.calibrate(D_aux[:n_cal], aux_texts[:n_cal]).predict(D_test), model
