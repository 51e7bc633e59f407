"""Scores of reconstructions against the true texts, for any attacker.

Text metrics (ROUGE-L, BLEU, token F1 / recall / precision) with bootstrap intervals and their
chance level (the same outputs against shuffled references), the cosine of the reconstructions
to the references in an encoder's space, and the data owner's exposure terms
(:func:`~vecleak.metrics.exposure.exposure`: content-word recall, records half recovered,
sensitive parts) with their own chance levels.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from vecleak.attacks.base import AttackResult
from vecleak.errors import InputError
from vecleak.metrics import (
    DEFAULT_TOKENIZER, bootstrap_ci, chance_metrics, cosine_rows, distinct_rate, sentence_scores, shuffled_references,
    text_metrics,
)
from vecleak.metrics.exposure import exposure

if TYPE_CHECKING:
    from vecleak.attacks.algen import ALGENAttack, Inversion


def evaluate_texts(texts: Sequence[str], references: Sequence[str], *, encoder: Any,
                   tokenizer: str = DEFAULT_TOKENIZER, aligned: np.ndarray | None = None,
                   reference_vectors: np.ndarray | None = None,
                   languages: Sequence[str] | None = None) -> dict[str, Any]:
    """Metrics of ``n`` reconstructions against their references.

    ``cosine`` is cos(E(reconstruction), E(reference)) in ``encoder`` E's space and
    ``aligned_cosine`` cos(aligned vector ``(n, d)``, E(reference)), the alignment's own quality
    (each only when E / ``aligned`` is given); ``chance`` holds the text metrics of the same
    reconstructions against shuffled references, ``distinct_rate`` the share of distinct
    reconstructions, ``ci95`` bootstrap 95% intervals of the means, ``per_sentence`` each
    sentence's scores (callers write them per row and drop them from summaries).
    ``reference_vectors (n, d)``: E's vectors of the references, when already computed;
    ``languages``: each row's language, so that chance shuffles references only within a language.
    """
    if len(references) != len(texts):
        raise InputError(f"{len(texts)} reconstructions but {len(references)} references")
    out: dict[str, Any] = text_metrics(texts, references, tokenizer=tokenizer)
    per = sentence_scores(texts, references, tokenizer=tokenizer)
    out["ci95"] = {k: list(bootstrap_ci([per[k]])) for k in ("rouge_l", "token_f1", "token_recall")}
    out["per_sentence"] = per
    out["chance"] = chance_metrics(texts, references, tokenizer=tokenizer, groups=languages)
    out["distinct_rate"] = distinct_rate(texts)
    if encoder is not None:
        ref_vecs = reference_vectors if reference_vectors is not None else encoder.encode(list(references))
        rec_vecs = encoder.encode([t if t.strip() else "." for t in texts])
        out["cosine"] = float(cosine_rows(rec_vecs, ref_vecs).mean())
        if aligned is not None:
            out["aligned_cosine"] = float(cosine_rows(aligned, ref_vecs).mean())
    return out


def add_exposure(metrics: dict[str, Any], texts: Sequence[str], references: Sequence[str],
                 languages: Sequence[str] | None) -> dict[str, Any]:
    """``metrics`` (in place, and returned) with the exposure terms of ``texts``; their chance
    levels (against references shuffled within each language) join ``metrics["chance"]``."""
    refs = list(references)
    groups = list(languages) if languages is not None else None
    metrics.update(exposure(texts, refs, languages))
    chance = exposure(texts, shuffled_references(refs, groups=groups), languages)
    metrics["chance"].update({k: chance[k] for k in ("content_recall", "half_recovered")})
    return metrics


def score_result(result: AttackResult, references: Sequence[str], languages: Sequence[str] | None = None, *,
                 encoder: Any, tokenizer: str = DEFAULT_TOKENIZER, reference_targets: np.ndarray | None = None,
                 with_exposure: bool = True) -> dict[str, Any]:
    """:func:`evaluate_texts` of an :class:`AttackResult` (cosines in ``encoder``'s space, whose
    vectors of the references ``reference_targets (n, d)`` are, when given), plus the exposure
    terms unless ``with_exposure`` is false."""
    groups = list(languages) if languages is not None else None
    metrics = evaluate_texts(result.texts, list(references), encoder=encoder, tokenizer=tokenizer,
                             aligned=result.aligned, reference_vectors=reference_targets, languages=groups)
    return add_exposure(metrics, result.texts, references, languages) if with_exposure else metrics


def evaluate_inversion(attack: ALGENAttack, inversion: Inversion, references: Sequence[str],
                       languages: Sequence[str] | None, reference_targets: np.ndarray | None = None) -> dict[str, Any]:
    """:meth:`ALGENAttack.evaluate`'s metrics of ``inversion`` plus the exposure terms
    (:func:`add_exposure`). ``reference_targets (n, d)``: the attacker's vectors of the
    references, when already computed."""
    refs = list(references)
    groups = list(languages) if languages is not None else None
    metrics = attack.evaluate(inversion, refs, reference_vectors=reference_targets, languages=groups)
    return add_exposure(metrics, inversion.reconstructions, refs, languages)


def score(attack: ALGENAttack, vectors: np.ndarray, references: Sequence[str], languages: Sequence[str] | None,
          reference_targets: np.ndarray | None = None) -> tuple[dict[str, Any], list[str]]:
    """Invert ``vectors (n, m)`` (each row into its language) and :func:`evaluate_inversion` it."""
    langs = list(languages) if languages is not None and attack.decoder.languages else None
    inversion = attack.invert(vectors, languages=langs)
    return evaluate_inversion(attack, inversion, references, languages, reference_targets), inversion.reconstructions


def score_by_language(texts: Sequence[str | None], references: Sequence[str], languages: Sequence[str], *,
                      tokenizer: str = DEFAULT_TOKENIZER) -> dict[str, dict[str, Any]]:
    """Each language's own scores of one attacker's reconstructions (records it did not
    reconstruct, ``None``, left out): ``records``, the text metrics, content-word recall and the
    share of records half recovered, each beside its chance level within that language."""
    out: dict[str, dict[str, Any]] = {}
    for lang in sorted(set(languages)):
        rows = [i for i, (t, g) in enumerate(zip(texts, languages)) if g == lang and t is not None]
        if not rows:
            continue
        hyp, ref = [str(texts[i]) for i in rows], [references[i] for i in rows]
        metrics: dict[str, Any] = text_metrics(hyp, ref, tokenizer=tokenizer)
        metrics["chance"] = chance_metrics(hyp, ref, tokenizer=tokenizer)
        add_exposure(metrics, hyp, ref, [lang] * len(rows))
        metrics.pop("per_record", None)
        out[lang] = {"records": len(rows), **metrics}
    return out
