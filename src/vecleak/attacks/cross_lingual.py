"""Fitting per-language maps for few-shot cross-lingual inversion (LAGO, or per-language ALGEN).

per language i: stored vectors X_i --(joint solve over the language graph: IEQ-PDMM or TV)--> W_i
--> attacker space --decoder--> reconstruction.

``align="algen"`` fits each language's ridge on its own (α = ``config.alpha``), so the
baselines share every other part. :func:`fit_cross_lingual` works in memory; the file-level
runner is :mod:`vecleak.recipes.lago`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from vecleak.align.lago import LAGO
from vecleak.align.ridge import Ridge
from vecleak.attacks.algen import ALGENAttack
from vecleak.configs import DEFAULT_TOKENIZER, LagoConfig
from vecleak.decoders.inversion_decoder import InversionDecoder
from vecleak.encoders.base import Encoder
from vecleak.errors import IsolatedLanguageWarning
from vecleak.graphs.graph import LanguageGraph, build_graph

ALIGNS = LagoConfig.ALIGNS


@dataclass
class CrossLingualAttack:
    """Fitted per-language aligners, the graph they were solved on, and the shared decoder."""

    decoder: InversionDecoder
    attacker: Encoder
    aligners: dict[str, Any]
    graph: LanguageGraph | None
    history: dict[str, Any] | None
    num_beams: int = 4
    tokenizer: str = DEFAULT_TOKENIZER

    def attack(self, lang: str, language: str | None = None) -> ALGENAttack:
        """Language ``lang``'s attack: its own map, decoding into ``language`` (default: ``lang``
        itself) when the decoder is language-conditioned."""
        language = (language or lang) if self.decoder.languages else None
        return ALGENAttack(self.decoder, self.attacker, aligner=self.aligners[lang], num_beams=self.num_beams,
                           language=language, tokenizer=self.tokenizer)


def make_lago(config: LagoConfig, graph: LanguageGraph) -> LAGO:
    """The LAGO aligner a config describes, over ``graph``'s edges, with its settings checked."""
    method = "ieq" if config.align == "lago-ieq" else "tv"
    return LAGO(method, edges=graph.edges, box_epsilon=config.box_epsilon, eta=config.eta, lam=config.lam, c=config.c,
                theta=config.theta, step=config.step, iterations=config.iterations, tol=config.tol,
                tv_solver=config.tv_solver, backend=config.backend).check_params()


def prepare(config: LagoConfig, langs: list[str]) -> LanguageGraph | None:
    """Check a config and build its language graph (``None`` for ALGEN), before any model loads."""
    config.check()
    if config.align == "algen":
        return None
    graph = build_graph(langs, metric=config.metric, threshold=config.threshold)
    make_lago(config, graph)
    return graph


def fit_cross_lingual(victim_X: Mapping[str, np.ndarray], attacker_Y: Mapping[str, np.ndarray], *,
                      decoder: InversionDecoder, attacker: Encoder, config: LagoConfig,
                      graph: LanguageGraph | None = None, num_beams: int = 4) -> CrossLingualAttack:
    """Fit the aligners of all languages: ``victim_X {lang: (b, m)}``, ``attacker_Y {lang: (b, n)}``.

    ``graph``: the language graph of ``victim_X``'s languages (built from the config when not given).
    """
    langs = list(victim_X)
    if graph is None:
        graph = prepare(config, langs)
    if config.align == "algen":
        aligners = {lang: Ridge(alpha=config.alpha).fit(victim_X[lang], attacker_Y[lang]) for lang in langs}
        return CrossLingualAttack(decoder, attacker, aligners, None, None, num_beams)
    for note in graph.isolation_notes():
        warnings.warn(note, IsolatedLanguageWarning, stacklevel=2)
    lago = make_lago(config, graph).fit(dict(victim_X), dict(attacker_Y))
    h = lago.history_
    history = {"iterations": len(h.change), "seconds": round(h.seconds, 3),
               "final_violation": h.violation[-1] if h.violation else None,
               "final_change": h.change[-1] if h.change else None, "trace": h.to_dict(), "solver": h}
    return CrossLingualAttack(decoder, attacker, {lang: lago.for_language(lang) for lang in langs}, graph,
                              history, num_beams)
