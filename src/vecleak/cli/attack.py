"""``vecleak demo``, ``attack`` and ``graph``: few-shot inversion (ALGEN, or LAGO across languages).

Defaults are :class:`~vecleak.configs.AttackConfig`'s and :class:`~vecleak.configs.LagoConfig`'s;
the rules (which settings each ``--align`` reads, the ``--tol`` rule, the file layouts) are
theirs and :func:`vecleak.recipes.lago.check_attack_layout`'s: this module only parses.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from vecleak.cli.options import (
    Beams, Column, Counts, DpEpsilon, OldEpsilon, Tokenizer, one_count, parse_alpha, shots_option,
)
from vecleak.cli.output import console as _console
from vecleak.cli.output import emit as _emit
from vecleak.configs import AttackConfig, DefenseEvalConfig, LagoConfig
from vecleak.data.atomic import check_output_file
from vecleak.data.corpora import EXAMPLES

_A, _L = AttackConfig(), LagoConfig()


def demo(
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("vecleak-demo"),
    victim: Annotated[str, typer.Option(help="Victim encoder.")] = _A.victim,
    shots: Annotated[Counts, shots_option("Leaked pairs used for alignment.")] = Counts((_A.shots,)),
    beams: Beams = _A.beams,
) -> None:
    """Invert 100 unseen victim vectors with 100 leaked pairs and the shipped decoder."""
    settings = AttackConfig(victim=victim, shots=one_count(shots), beams=beams)
    from vecleak.cli.render import show_attack
    from vecleak.recipes.run import attack_files

    console = _console()
    banner = f"victim {victim}: {settings.shots} leaked pairs, 100 unseen vectors, shipped decoder"
    results, rows = attack_files(victim=victim, train=EXAMPLES / "leaked.txt", test=EXAMPLES / "unseen.txt",
                                 shots=settings.shots, decoder=settings.decoder, out=out, alpha=settings.alpha,
                                 beams=beams, rerank=settings.rerank,
                                 on_ready=lambda: console.print(banner))     # printed once every input is checked
    show_attack(console, results, rows, str(out), limit=10)


def attack(
    test: Annotated[list[str], typer.Option(help="Vectors to invert: .jsonl with text (+embedding), texts, or "
                                                 ".npy/.parquet; LANG=FILE per language.")],
    out: Annotated[Path, typer.Option(help="Output folder for results.json and reconstructions.jsonl.")],
    train: Annotated[Optional[list[str]], typer.Option(help="Leaked pairs: texts (.txt/.csv/.tsv/.jsonl, optionally "
                                                            "with 'embedding'); LANG=FILE per language for "
                                                            "cross-lingual runs. Not with --align none.")] = None,
    victim: Annotated[str, typer.Option(help="Victim encoder (minilm, use-multilingual, st:PATH, hf:PATH, "
                                             "file:PATH).")] = _A.victim,
    shots: Annotated[Counts, shots_option("How many leaked pairs to use (the first N of --train, per "
                                          "language).")] = Counts((_A.shots,)),
    decoder: Annotated[str, typer.Option(help="'default' (shipped, English, MiniLM attacker), 'multilingual' "
                                              "(shipped, 7 languages, use-multilingual attacker) or a "
                                              "folder.")] = _A.decoder,
    align: Annotated[str, typer.Option(help="algen (ridge per language), lago-ieq or lago-tv (joint over a language "
                                            "graph; LANG=FILE inputs), or none (the victim is the decoder's own "
                                            "encoder: invert without leaked pairs).")] = _A.align,
    alpha: Annotated[Optional[str], typer.Option(help="ALGEN ridge strength: a number >= 0 (0 is the paper's "
                                                      f"pseudo-inverse) or 'auto' (leave-one-out, the default "
                                                      f"{_A.alpha}).")] = None,
    graph: Annotated[Optional[str], typer.Option(help=f"LAGO language graph: syntax (URIEL) or asjp (lexical LDND; "
                                                      f"default {_L.metric}).")] = None,
    threshold: Annotated[Optional[float], typer.Option(help="Edge where distance < r (default: 0.45 syntax, 0.9 "
                                                            "asjp).")] = None,
    box_epsilon: Annotated[Optional[float], typer.Option(help=f"lago-ieq: LAGO's epsilon, the box half-width max "
                                                              f"|W_i - W_j| on an edge (default "
                                                              f"{_L.box_epsilon}).")] = None,
    old_epsilon: OldEpsilon = None,
    eta: Annotated[Optional[float], typer.Option(help=f"lago-tv: total-variation penalty (default {_L.eta}).")] = None,
    lam: Annotated[Optional[float], typer.Option("--lambda", help=f"LAGO ridge lambda of every language "
                                                                  f"(default {_L.lam}).")] = None,
    iterations: Annotated[Optional[int], typer.Option(help=f"LAGO solver iterations (default "
                                                           f"{_L.iterations}).")] = None,
    tv_solver: Annotated[Optional[str], typer.Option(help=f"lago-tv: subgradient (LAGO's schedule, the default "
                                                          f"{_L.tv_solver}) or admm (converges to the TV "
                                                          "minimizer).")] = None,
    tol: Annotated[Optional[float], typer.Option(help="lago-ieq, lago-tv with admm: stop once the relative "
                                                      "change / residuals fall below this (default: run every "
                                                      "iteration).")] = None,
    backend: Annotated[Optional[str], typer.Option(help=f"LAGO solver: local (default {_L.backend}), or ray (one "
                                                        "actor per language).")] = None,
    attack_language: Annotated[Optional[str], typer.Option("--attack-language", "--attacker-lang",
                                                           help="Language a multilingual decoder writes (ISO 639-3); "
                                                                "default: each input's own language ('lang' or "
                                                                "LANG=FILE). --attacker-lang is its old "
                                                                "name.")] = _A.language,
    tokenizer: Tokenizer = _A.tokenizer,
    plot: Annotated[bool, typer.Option(help="LAGO: also write convergence.png and graph.png into --out.")] = False,
    defense: Annotated[str, typer.Option(help="Cross-lingual runs: store every victim vector defended "
                                              "(see evaluate-defense for names).")] = _A.defense,
    epsilon_dp: DpEpsilon = None,
    seed: Annotated[int, typer.Option(help="Seed of --defense.")] = DefenseEvalConfig.seed,
    beams: Beams = _A.beams,
    rerank: Annotated[bool, typer.Option(help="Rerank beam hypotheses by re-embedding them (helps on exact "
                                              "attacker vectors, not on few-shot aligned ones; see "
                                              "README).")] = _A.rerank,
    limit: Annotated[Optional[int], typer.Option(help="Invert only the first N test items (per "
                                                      "language).")] = _A.limit,
    column: Column = _A.column,
) -> None:
    """Few-shot inversion of victim vectors: ALGEN, or LAGO across languages."""
    from vecleak.errors import InputError

    if old_epsilon is not None:
        raise InputError("--epsilon is the DP budget elsewhere and ambiguous here: give LAGO's box half-width with "
                         "--box-epsilon, or the --defense's privacy budget with --dp-epsilon")
    settings = AttackConfig(victim=victim, shots=one_count(shots), decoder=decoder, align=align,
                            alpha=parse_alpha(alpha or _A.alpha), beams=beams, rerank=rerank, tokenizer=tokenizer,
                            column=column, limit=limit, language=attack_language, defense=defense)
    given = {"metric": graph, "threshold": threshold, "box_epsilon": box_epsilon, "eta": eta, "lam": lam,
             "iterations": iterations, "backend": backend, "plot": plot or None, "alpha": alpha,
             "tv_solver": tv_solver, "tol": tol}
    settings.refuse_unused([name for name, value in given.items() if value is not None])

    from vecleak.cli.render import show_attack, show_cross_lingual
    from vecleak.recipes.lago import check_attack_layout

    if not check_attack_layout(align=align, train=train, test=test, defense=defense):
        from vecleak.recipes.run import attack_files

        results, rows = attack_files(victim=victim, train=train[0] if train else None, test=test[0],
                                     shots=settings.shots, decoder=decoder, out=out, alpha=settings.alpha, beams=beams,
                                     rerank=rerank, column=column, language=attack_language, tokenizer=tokenizer,
                                     limit=limit, align=align)
        show_attack(_console(), results, rows, str(out), limit=5)
        _emit(results)
        return
    from vecleak.recipes.lago import cross_lingual_attack_files, parse_lang_files

    lago = {name: value for name, value in given.items() if value is not None and name not in ("plot", "alpha")}
    config = LagoConfig(align=align, alpha=settings.alpha, **lago)
    results, rows = cross_lingual_attack_files(
        victim=victim, train=parse_lang_files(train, "--train"), test=parse_lang_files(test, "--test"),
        shots=settings.shots, out=out, config=config, decoder=decoder, beams=beams, attack_language=attack_language,
        column=column, tokenizer=tokenizer, max_test=limit, plot=plot,
        defense=None if defense == "none" else _load_defense(defense, epsilon_dp, seed))
    show_cross_lingual(_console(), results, str(out))
    _emit(results)


def _load_defense(name: str, epsilon: float | None, seed: int):
    from vecleak.defenses import load_defense

    return load_defense(name, epsilon=epsilon, seed=seed)


def graph(
    langs: Annotated[str, typer.Option(help="Comma-separated ISO 639-3 codes, e.g. "
                                            "eng,deu,fra,nld,spa,ita,por.")] = "eng,deu,fra,nld,spa,ita,por",
    metric: Annotated[str, typer.Option(help="syntax (URIEL, any language lang2vec knows) or asjp (lexical, shipped "
                                             "7).")] = _L.metric,
    threshold: Annotated[Optional[float], typer.Option(help="Edge where distance < r (default: 0.45 syntax, 0.9 "
                                                            "asjp).")] = _L.threshold,
    plot: Annotated[Optional[Path], typer.Option(help="Save a drawing of the graph (.png/.svg/.pdf).")] = None,
    out: Annotated[Optional[Path], typer.Option(help="Write the matrix and edges as JSON here.")] = None,
) -> None:
    """Print the language distance matrix and the edges a threshold keeps."""
    import json

    from vecleak.cli.render import show_graph
    from vecleak.data.atomic import atomic_write_text
    from vecleak.graphs.graph import build_graph

    if plot is not None and plot.suffix.lower() not in (".png", ".svg", ".pdf"):
        from vecleak.errors import InputError

        raise InputError(f"--plot {plot}: use a .png, .svg or .pdf file name")
    for path, setting in ((out, "out"), (plot, "plot")):
        if path is not None:
            check_output_file(path, setting=setting)
    g = build_graph([x for x in langs.split(",") if x.strip()], metric=metric, threshold=threshold)
    show_graph(_console(), g)
    _emit(g.to_dict())
    if out is not None:
        atomic_write_text(out, json.dumps(g.to_dict(), indent=2) + "\n")
    if plot is not None:
        g.plot(plot)
        _console().print(f"saved {plot}")
