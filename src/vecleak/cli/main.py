"""``vecleak`` command line: thin commands over the Python API.

Every user mistake (a :class:`~vecleak.errors.VecleakError`) prints one line on stderr and
exits with code 2; outputs are written atomically, so a failed run leaves nothing behind.
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path
from typing import Annotated, Optional

import typer

from vecleak.cli.audit import audit as audit_command
from vecleak.cli.frontier import frontier as frontier_command
from vecleak.cli.output import OUTPUT as _OUTPUT
from vecleak.cli.output import console as _console
from vecleak.cli.output import emit as _emit
from vecleak.configs import EguardConfig, LagoConfig, TrainingConfig
from vecleak.data.atomic import check_output_dir, check_output_file
from vecleak.data.corpora import EXAMPLES

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

_CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 80}
app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  context_settings=_CONTEXT, help="Measure how much text leaks out of text embeddings.")


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        print(f"vecleak {version('vecleak')}")
        raise typer.Exit()


@app.callback()
def _main(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                                help="Print the version and exit.")] = False,
          quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
          json_: Annotated[bool, typer.Option("--json", help="Print the results as JSON on stdout, nothing "
                                                             "else.")] = False) -> None:
    """Measure how much text leaks out of text embeddings."""
    _OUTPUT.update(quiet=quiet, json=json_)


def _alpha(value: str) -> float | str:
    if value == "auto":
        return value
    import math

    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not (math.isfinite(number) and number >= 0):
        from vecleak.errors import InputError

        raise InputError(f"--alpha must be 'auto' or a finite number >= 0, got '{value}'")
    return number


#: The one source of option defaults (torch-free, so importing them loads no model).
_T, _L, _E = TrainingConfig(), LagoConfig(), EguardConfig()


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("vecleak-demo"),
    victim: Annotated[str, typer.Option(help="Victim encoder.")] = "use-multilingual",
    shots: Annotated[int, typer.Option(min=1, help="Leaked pairs used for alignment.")] = 100,
    beams: Annotated[int, typer.Option(min=1, help="Beam width.")] = 4,
) -> None:
    """Invert 100 unseen victim vectors with 100 leaked pairs and the shipped decoder."""
    from vecleak.cli.render import show_attack
    from vecleak.recipes.run import attack_files

    console = _console()
    console.print(f"victim {victim}: {shots} leaked pairs, 100 unseen vectors, shipped decoder")
    results, rows = attack_files(victim=victim, train=EXAMPLES / "leaked.txt", test=EXAMPLES / "unseen.txt",
                                 shots=shots, decoder="default", out=out, alpha="auto", beams=beams, rerank=False)
    show_attack(console, results, rows, str(out), limit=10)


@app.command()
def attack(
    test: Annotated[list[str], typer.Option(help="Vectors to invert: .jsonl with text (+embedding), texts, or "
                                                 ".npy/.parquet; LANG=FILE per language.")],
    out: Annotated[Path, typer.Option(help="Output folder for results.json and reconstructions.jsonl.")],
    train: Annotated[Optional[list[str]], typer.Option(help="Leaked pairs: texts (.txt/.csv/.tsv/.jsonl, optionally "
                                                            "with 'embedding'); LANG=FILE per language for "
                                                            "cross-lingual runs. Not with --align none.")] = None,
    victim: Annotated[str, typer.Option(help="Victim encoder (minilm, use-multilingual, st:PATH, hf:PATH, file:PATH).")] = "use-multilingual",
    shots: Annotated[int, typer.Option(help="How many leaked pairs to use (the first N of --train, per language).")] = 100,
    decoder: Annotated[str, typer.Option(help="'default' (shipped, English, MiniLM attacker), 'multilingual' "
                                              "(shipped, 7 languages, use-multilingual attacker) or a folder.")] = "default",
    align: Annotated[str, typer.Option(help="algen (ridge per language), lago-ieq or lago-tv (joint over a language "
                                            "graph; LANG=FILE inputs), or none (the victim is the decoder's own "
                                            "encoder: invert without leaked pairs).")] = "algen",
    alpha: Annotated[Optional[str], typer.Option(help="ALGEN ridge strength: a number >= 0 (0 is the paper's "
                                                      "pseudo-inverse) or 'auto' (leave-one-out, the default).")] = None,
    graph: Annotated[Optional[str], typer.Option(help="LAGO language graph: syntax (URIEL) or asjp (lexical LDND).")] = None,
    threshold: Annotated[Optional[float], typer.Option(help="Edge where distance < r (default: 0.45 syntax, 0.9 asjp).")] = None,
    box_epsilon: Annotated[Optional[float], typer.Option(help=f"lago-ieq: box half-width, max |W_i - W_j| on an edge "
                                                              f"(default {_L.epsilon}).")] = None,
    old_epsilon: Annotated[Optional[float], typer.Option("--epsilon", hidden=True)] = None,
    eta: Annotated[Optional[float], typer.Option(help=f"lago-tv: total-variation penalty (default {_L.eta}).")] = None,
    lam: Annotated[Optional[float], typer.Option("--lambda", help=f"LAGO ridge lambda of every language "
                                                                  f"(default {_L.lam}).")] = None,
    iterations: Annotated[Optional[int], typer.Option(min=1, help=f"LAGO solver iterations (default {_L.iterations}).")] = None,
    tv_solver: Annotated[Optional[str], typer.Option(help="lago-tv: subgradient (LAGO's schedule, the default) or "
                                                          "admm (converges to the TV minimizer).")] = None,
    tol: Annotated[Optional[float], typer.Option(min=0.0, help="lago-ieq, lago-tv with admm: stop once the relative "
                                                               "change / residuals fall below this (default: run "
                                                               "every iteration).")] = None,
    backend: Annotated[Optional[str], typer.Option(help="LAGO solver: local (default), or ray (one actor per language).")] = None,
    attack_language: Annotated[Optional[str], typer.Option("--attack-language", "--attacker-lang",
                                                           help="Language a multilingual decoder writes (ISO 639-3); "
                                                                "default: each input's own language ('lang' or "
                                                                "LANG=FILE). --attacker-lang is its old name.")] = None,
    tokenizer: Annotated[str, typer.Option(help="Metric tokenizer: unicode (default) or rouge-score (ASCII, "
                                                "as in papers).")] = "unicode",
    plot: Annotated[bool, typer.Option(help="LAGO: also write convergence.png and graph.png into --out.")] = False,
    defense: Annotated[str, typer.Option(help="Cross-lingual runs: store every victim vector defended "
                                              "(see evaluate-defense for names).")] = "none",
    epsilon_dp: Annotated[Optional[float], typer.Option("--dp-epsilon", help="Privacy parameter of --defense.")] = None,
    seed: Annotated[int, typer.Option(help="Seed of --defense.")] = 0,
    beams: Annotated[int, typer.Option(min=1, help="Beam width (1 = greedy).")] = 4,
    rerank: Annotated[bool, typer.Option(help="Rerank beam hypotheses by re-embedding them (helps on exact "
                                                 "attacker vectors, not on few-shot aligned ones; see README).")] = False,
    limit: Annotated[Optional[int], typer.Option(min=1, help="Invert only the first N test items (per language).")] = None,
    column: Annotated[str, typer.Option(help="Text column of .csv/.tsv inputs.")] = "text",
) -> None:
    """Few-shot inversion of victim vectors: ALGEN, or LAGO across languages."""
    from vecleak.cli.render import show_attack, show_cross_lingual
    from vecleak.errors import InputError
    from vecleak.recipes.lago import ALIGNS, split_lang_file

    if align not in (*ALIGNS, "none"):
        raise InputError(f"unknown --align '{align}'; use algen, lago-ieq, lago-tv or none")
    box_epsilon = _renamed(old_epsilon, box_epsilon, "--epsilon", "--box-epsilon")
    given = {"--graph": graph, "--threshold": threshold, "--box-epsilon": box_epsilon, "--eta": eta,
             "--lambda": lam, "--iterations": iterations, "--backend": backend, "--plot": plot or None,
             "--alpha": alpha, "--tv-solver": tv_solver, "--tol": tol}
    useful = {"algen": ("--alpha",), "none": (),
              "lago-ieq": ("--graph", "--threshold", "--box-epsilon", "--lambda", "--iterations", "--tol", "--backend",
                           "--plot"),
              "lago-tv": ("--graph", "--threshold", "--eta", "--lambda", "--iterations", "--tv-solver", "--tol",
                          "--backend", "--plot")}[align]
    if align == "lago-tv" and tol is not None and (tv_solver or _L.tv_solver) != "admm":
        raise InputError("--tol stops the admm TV solver; the subgradient schedule runs every iteration "
                         "(add --tv-solver admm or drop --tol)")
    unused = [flag for flag, value in given.items() if value is not None and flag not in useful]
    if unused:
        raise InputError(f"{', '.join(unused)} {'does' if len(unused) == 1 else 'do'} nothing with --align {align}; "
                         "drop it or choose the method it belongs to")
    files = list(train or []) + list(test)
    per_language = [split_lang_file(v) is not None for v in files]
    if any(per_language) and not all(per_language):
        raise InputError("give LANG=FILE for every --train and --test file (cross-lingual) or for none")
    cross_lingual = all(per_language)
    if align in ("lago-ieq", "lago-tv") and not cross_lingual:
        raise InputError(f"--align {align} solves languages jointly: give --train LANG=FILE and --test LANG=FILE "
                         "for each language")
    if not cross_lingual and defense != "none":
        raise InputError("--defense applies to cross-lingual runs (LANG=FILE); use 'vecleak evaluate-defense' "
                         "for one language")
    if align == "none":
        if train or cross_lingual:
            raise InputError("--align none inverts the decoder's own encoder without leaked pairs: drop --train "
                             "and give one --test file")
    elif not train:
        raise InputError("give the leaked pairs with --train (or --align none when the victim is the decoder's "
                         "own encoder)")
    if not cross_lingual:
        if len(test) != 1 or (train and len(train) != 1):
            raise InputError("give one --train and one --test file, or LANG=FILE for each language")
        from vecleak.recipes.run import attack_files

        results, rows = attack_files(victim=victim, train=train[0] if train else None, test=test[0], shots=shots,
                                     decoder=decoder, out=out, alpha=_alpha(alpha or "auto"), beams=beams, rerank=rerank,
                                     column=column, language=attack_language, tokenizer=tokenizer, limit=limit,
                                     align=align)
        show_attack(_console(), results, rows, str(out), limit=5)
        _emit(results)
        return
    from vecleak.recipes.lago import cross_lingual_attack_files, parse_lang_files

    config = LagoConfig(align=align, metric=graph or _L.metric, threshold=threshold,
                        epsilon=_L.epsilon if box_epsilon is None else box_epsilon,
                        eta=_L.eta if eta is None else eta, lam=_L.lam if lam is None else lam,
                        iterations=iterations or _L.iterations, backend=backend or _L.backend,
                        tv_solver=tv_solver or _L.tv_solver, tol=_L.tol if tol is None else tol,
                        alpha=_alpha(alpha or "auto"))
    results, rows = cross_lingual_attack_files(
        victim=victim, train=parse_lang_files(train, "--train"), test=parse_lang_files(test, "--test"), shots=shots,
        out=out, config=config, decoder=decoder, beams=beams, attack_language=attack_language, column=column,
        tokenizer=tokenizer, max_test=limit,
        plot=plot, defense=None if defense == "none" else _load_defense(defense, epsilon_dp, seed))
    show_cross_lingual(_console(), results, str(out))
    _emit(results)


@app.command()
def graph(
    langs: Annotated[str, typer.Option(help="Comma-separated ISO 639-3 codes, e.g. eng,deu,fra,nld,spa,ita,por.")] = "eng,deu,fra,nld,spa,ita,por",
    metric: Annotated[str, typer.Option(help="syntax (URIEL, any language lang2vec knows) or asjp (lexical, shipped 7).")] = "syntax",
    threshold: Annotated[Optional[float], typer.Option(help="Edge where distance < r (default: 0.45 syntax, 0.9 asjp).")] = None,
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
    for path, option in ((out, "--out"), (plot, "--plot")):
        if path is not None:
            check_output_file(path, option=option)
    g = build_graph([x for x in langs.split(",") if x.strip()], metric=metric, threshold=threshold)
    show_graph(_console(), g)
    _emit(g.to_dict())
    if out is not None:
        atomic_write_text(out, json.dumps(g.to_dict(), indent=2) + "\n")
    if plot is not None:
        g.plot(plot)
        _console().print(f"saved {plot}")


@app.command("evaluate-defense")
def evaluate_defense_cmd(
    train: Annotated[Path, typer.Option(help="Leaked pairs (texts): the attacker sees their defended vectors.")],
    test: Annotated[Path, typer.Option(help="Texts whose defended vectors the attacker inverts (scored).")],
    out: Annotated[Path, typer.Option(help="Output folder for results.json and reconstructions.jsonl.")],
    defense: Annotated[str, typer.Option(help="none, purmech, lapmech, gaussian, dp-gaussian, rotation, shuffle, "
                                              "pca, quantize, or a trained-defense folder.")] = "none",
    epsilon: Annotated[Optional[float], typer.Option("--dp-epsilon", help="Privacy budget of purmech / lapmech / "
                                                                          "dp-gaussian.")] = None,
    old_epsilon: Annotated[Optional[float], typer.Option("--epsilon", hidden=True)] = None,
    victim: Annotated[str, typer.Option(help="Victim encoder.")] = "use-multilingual",
    shots: Annotated[int, typer.Option(help="Leaked pairs used for alignment.")] = 100,
    attacker: Annotated[str, typer.Option(help="fewshot (ALGEN on defended vectors), adaptive (also fine-tunes "
                                               "its decoder on defended vectors of its own corpus), denoise (learns a "
                                               "Wiener denoiser on its own defended --aux copies, then ALGEN), "
                                               "decoder-aux (a decoder trained on (defended vector, text) pairs of "
                                               "--aux: ridge adapter + fine-tuning), token-set (multi-label word "
                                               "attacker on defended --aux vectors; --train unused), or strongest "
                                               "(fewshot, denoise, adaptive and decoder-aux; best per metric).")] = "fewshot",
    aux: Annotated[Optional[Path], typer.Option(help="Adaptive attacker's own corpus (default: 2,000 shipped "
                                                     "Tatoeba English sentences).")] = None,
    aux_size: Annotated[int, typer.Option(help="Texts of --aux the adaptive attacker queries.")] = 1000,
    adapt_steps: Annotated[int, typer.Option(help="Adaptive fine-tuning steps (batch 32).")] = 60,
    seed: Annotated[int, typer.Option(help="Seed of the defense's randomness and of fine-tuning.")] = 0,
    param: Annotated[Optional[list[str]], typer.Option(help="Other defense parameters, KEY=VALUE (sigma=0.1, "
                                                            "n_components=64, mode=binary).")] = None,
    decoder: Annotated[str, typer.Option(help="'default' (English), 'multilingual', or a decoder folder.")] = "default",
    beams: Annotated[int, typer.Option(min=1, help="Beam width (1 = greedy).")] = 4,
    attack_language: Annotated[Optional[str], typer.Option(help="Language a multilingual decoder writes "
                                                                "(default: the test rows' 'lang', else eng).")] = None,
    limit: Annotated[Optional[int], typer.Option(min=1, help="Attack only the first N test texts.")] = None,
    tokenizer: Annotated[str, typer.Option(help="Metric tokenizer: unicode (default) or rouge-score (ASCII, "
                                                "as in papers).")] = "unicode",
) -> None:
    """Attack defended vectors: how much text still leaks through a defense."""
    from vecleak.cli.render import show_attack
    from vecleak.recipes.defense_eval import evaluate_defense

    epsilon = _renamed(old_epsilon, epsilon, "--epsilon", "--dp-epsilon")
    results, rows = evaluate_defense(victim=victim, defense=defense, epsilon=epsilon, shots=shots, train=train,
                                     test=test, out=out, attacker=attacker, aux=aux, aux_size=aux_size,
                                     adapt_steps=adapt_steps, seed=seed, decoder=decoder, beams=beams,
                                     defense_params=_params(param), language=attack_language, limit=limit,
                                     tokenizer=tokenizer)
    show_attack(_console(), results, rows, str(out), limit=5)
    _emit(results)


def _renamed(old_value, new_value, old: str, new: str):
    """The value of a renamed option: the old spelling still works, with a warning on stderr."""
    if old_value is None:
        return new_value
    print(f"vecleak: warning: {old} is deprecated here; use {new}", file=sys.stderr)
    return old_value


def _load_defense(name: str, epsilon: float | None, seed: int):
    from vecleak.defenses import load_defense

    return load_defense(name, epsilon=epsilon, seed=seed)


def _params(items: Optional[list[str]]) -> dict:
    """``["sigma=0.1", "mode=binary"]`` -> ``{"sigma": 0.1, "mode": "binary"}`` (numbers parsed)."""
    from vecleak.errors import InputError

    params: dict = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InputError(f"--param '{item}': give KEY=VALUE, e.g. --param sigma=0.1")
        if key.strip() in ("seed", "epsilon"):
            flag = "--seed" if key.strip() == "seed" else "--dp-epsilon"
            raise InputError(f"--param {key.strip()}=...: use {flag} instead")
        for cast in (int, float):
            try:
                params[key.strip().replace("-", "_")] = cast(value)
                break
            except ValueError:
                continue
        else:
            params[key.strip().replace("-", "_")] = value.strip()
    return params


@app.command()
def utility(
    out: Annotated[Path, typer.Option(help="Output folder for results.json.")],
    encoder: Annotated[str, typer.Option(help="Encoder whose (defended) embeddings the task uses.")] = "minilm",
    task: Annotated[str, typer.Option(help="sst2, snli, msrp, stsb, or wikiqa (needs --data-dir).")] = "sst2",
    defense: Annotated[str, typer.Option(help="Defense name (see evaluate-defense), or 'none'.")] = "none",
    epsilon: Annotated[Optional[float], typer.Option("--dp-epsilon", help="Privacy budget of purmech / lapmech / "
                                                                          "dp-gaussian.")] = None,
    old_epsilon: Annotated[Optional[float], typer.Option("--epsilon", hidden=True)] = None,
    seed: Annotated[int, typer.Option(help="Seed of the defense and of the head's held-out split.")] = 0,
    param: Annotated[Optional[list[str]], typer.Option(help="Other defense parameters, KEY=VALUE.")] = None,
    lang: Annotated[str, typer.Option(help="STSb language (en de fr nl es it pt).")] = "en",
    limit: Annotated[Optional[int], typer.Option(help="Use only the first N examples of each split.")] = None,
    data_dir: Annotated[Optional[Path], typer.Option(help="Read the task from this folder instead of the shipped copy.")] = None,
    cache: Annotated[Optional[Path], typer.Option(help="Embedding cache folder.")] = Path(".vecleak-cache"),
) -> None:
    """Downstream utility of (defended) embeddings: score, undefended score and their ratio."""
    from vecleak.cli.render import show_utility
    from vecleak.defenses import load_defense
    from vecleak.encoders.registry import load_encoder
    from vecleak.recipes.io import write_results
    from vecleak.utility import evaluate_utility

    check_output_dir(out, kind="results")
    epsilon = _renamed(old_epsilon, epsilon, "--epsilon", "--dp-epsilon")
    mech = load_defense(defense, epsilon=epsilon, seed=seed, **_params(param))   # refuses --dp-epsilon for 'none'
    mech = None if defense == "none" else mech
    results = evaluate_utility(load_encoder(encoder), task, defense=mech, cache_dir=cache, seed=seed, limit=limit,
                               lang=lang, data_dir=data_dir)
    write_results(out, results)
    show_utility(_console(), results, str(out))
    _emit(results)


@app.command("train-decoder")
def train_decoder_cmd(
    corpus: Annotated[list[Path], typer.Option(help="Training texts (repeatable).")],
    out: Annotated[Path, typer.Option(help="Output folder (checkpoints go here too).")],
    encoder: Annotated[str, typer.Option(help="Attacker encoder the decoder learns to invert.")] = "minilm",
    valid: Annotated[Optional[Path], typer.Option(help="Held-out texts (default: 500 split off the corpus).")] = None,
    backbone: Annotated[str, typer.Option(help="bert-causal (CPU-sized) or hf-causal-lm.")] = "bert-causal",
    source: Annotated[str, typer.Option(help="Pretrained weights: 'minilm', 'smollm2', 'gemma3', a folder or a "
                                             ".gguf file.")] = "minilm",
    trim_vocabulary: Annotated[bool, typer.Option(help="hf-causal-lm: keep only the corpus's tokens (Gemma: "
                                                       "262,144 -> tens of thousands).")] = False,
    trainable_layers: Annotated[Optional[int], typer.Option(min=0, help="With --trim-vocabulary: train only the "
                                                                        "top N layers.")] = None,
    steps: Annotated[int, typer.Option(min=1)] = _T.steps,
    batch_size: Annotated[int, typer.Option(min=1)] = _T.batch_size,
    lr: Annotated[float, typer.Option()] = _T.lr,
    prefix_lr: Annotated[float, typer.Option()] = _T.prefix_lr,
    warmup: Annotated[int, typer.Option(min=1)] = _T.warmup,
    noise_prob: Annotated[float, typer.Option(help="Share of training vectors perturbed like alignment error.")] = _T.noise_prob,
    noise_max: Annotated[float, typer.Option(help="Largest relative noise norm.")] = _T.noise_max,
    num_prefix: Annotated[int, typer.Option(min=1)] = 6,
    max_length: Annotated[int, typer.Option(min=4)] = 32,
    eval_every: Annotated[int, typer.Option(min=1)] = _T.eval_every,
    max_minutes: Annotated[Optional[float], typer.Option(help="Stop after this much wall time (checkpointed).")] = None,
    bf16: Annotated[Optional[bool], typer.Option("--bf16/--no-bf16", help="bfloat16 autocast (default: on where "
                                                  "the CPU has AVX512-BF16 or AMX, where it is faster).")] = None,
    seed: Annotated[int, typer.Option()] = _T.seed,
    device: Annotated[str, typer.Option(help="auto (a GPU when torch sees one, else the CPU), cpu, cuda or "
                                             "cuda:N.")] = _T.device,
    resume: Annotated[bool, typer.Option(help="Continue from OUT's last checkpoint.")] = False,
    init: Annotated[Optional[str], typer.Option(help="Start from this trained decoder folder (or 'default') "
                                                     "with a fresh schedule, instead of the backbone's weights.")] = None,
    retarget: Annotated[Optional[str], typer.Option(help="Keep this trained decoder's backbone (a folder or "
                                                         "'default') frozen and train only a new prefix MLP for "
                                                         "--encoder: minutes instead of hours.")] = None,
    cache: Annotated[Optional[Path], typer.Option(help="Embedding cache folder.")] = Path(".vecleak-cache"),
) -> None:
    """Train an inversion decoder on a text corpus (checkpoints + --resume)."""
    from vecleak.recipes.train import check_training_inputs, train_from_files

    settings = dict(steps=steps, batch_size=batch_size, lr=lr, prefix_lr=prefix_lr, warmup=warmup,
                    noise_prob=noise_prob, noise_max=noise_max, eval_every=eval_every, max_minutes=max_minutes,
                    bf16=bf16, seed=seed, device=device)
    check_training_inputs(corpus=corpus, out=out, valid=valid, backbone=backbone, resume=resume, init=init,
                          retarget=retarget, trim_vocabulary=trim_vocabulary, trainable_layers=trainable_layers,
                          **settings)
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    console = _console()
    with Progress(TextColumn("[bold]training"), BarColumn(), TextColumn("{task.completed}/{task.total} steps"),
                  TextColumn("loss {task.fields[loss]:.3f}"), TimeElapsedColumn(), TimeRemainingColumn(),
                  console=console) as progress:
        task = progress.add_task("train", total=steps, loss=float("nan"))

        def on_log(record: dict) -> None:
            if record.get("resumed"):
                progress.console.print(f"resuming {out} at step {record['step']} "
                                       f"({record['elapsed_s'] / 60:.1f} min trained so far)")
                return
            parts = [f"step {record['step']}", f"{record['elapsed_s'] / 60:.1f} min"]
            parts += [f"{k} {record[k]:.3f}" for k in ("train_loss", "valid_loss", "valid_rouge_l") if k in record]
            progress.console.print(" | ".join(parts))

        def on_step(step: int, loss: float) -> None:
            progress.update(task, completed=step, loss=loss)

        train_from_files(corpus=corpus, valid=valid, out=out, encoder=encoder, backbone=backbone, source=source,
                         num_prefix=num_prefix, max_length=max_length, resume=resume, init=init, retarget=retarget,
                         trim_vocabulary=trim_vocabulary, trainable_layers=trainable_layers, cache=cache,
                         on_log=on_log, on_step=on_step, **settings)
    console.print(f"decoder saved in {out}")


defend = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                     context_settings=_CONTEXT,
                     help="Train a learned defense (Eguard) and apply it to stored vectors.")
app.add_typer(defend, name="defend")


@defend.command("train")
def defend_train(
    out: Annotated[Path, typer.Option(help="Output folder: defense.json + projection.safetensors.")],
    method: Annotated[str, typer.Option(help="Defense to train (eguard).")] = "eguard",
    encoder: Annotated[str, typer.Option(help="Victim encoder whose vectors the defense protects.")] = "minilm",
    task: Annotated[str, typer.Option(help="Task loss: sst2, snli or retrieval (SNLI entailment pairs).")] = _E.task,
    architecture: Annotated[str, typer.Option(help="Projector: transformer (chunks of 32) or mlp.")] = _E.architecture,
    privacy: Annotated[str, typer.Option(help="Privacy term: mine (Eguard); adversarial, fgsm, freelb (against an online word attacker); mse, cosine, none.")] = _E.privacy,
    mi_weight: Annotated[float, typer.Option(help="Weight of the global MI term (the paper's alpha).")] = _E.alpha,
    old_alpha: Annotated[Optional[float], typer.Option("--alpha", hidden=True)] = None,
    beta: Annotated[float, typer.Option(help="Weight of the local (keyword/antonym CLUB) term.")] = _E.beta,
    steps: Annotated[int, typer.Option(min=1, help="Training steps.")] = _E.steps,
    n_train: Annotated[int, typer.Option(min=2, help="Training examples of the task.")] = _E.n_train,
    latent: Annotated[str, typer.Option(help="What the MI term measures: bow (the paper's text autoencoder) or a "
                                             "sentence encoder of the defender's (e.g. use-multilingual).")] = _E.latent,
    critic_hidden: Annotated[int, typer.Option(min=1, help="Width of the MINE / CLUB critics.")] = _E.critic_hidden,
    critic_steps: Annotated[int, typer.Option(min=1, help="Critic updates per projector update.")] = _E.critic_steps,
    neighbour_weight: Annotated[float, typer.Option(help="Weight of the retrieval task (keep each vector's batch "
                                                         "neighbours; 0: off).")] = _E.neighbour_weight,
    seed: Annotated[int, typer.Option(help="Seed of initialization and batches.")] = _E.seed,
    cache: Annotated[Optional[Path], typer.Option(help="Embedding cache folder.")] = Path(".vecleak-cache"),
) -> None:
    """Train a projection defense and save it as a folder any --defense option takes."""
    from vecleak.encoders.registry import load_encoder
    from vecleak.errors import InputError
    from vecleak.recipes.eguard import train_eguard

    if method != "eguard":
        raise InputError(f"unknown --method '{method}'; the trainable defense is eguard")
    check_output_dir(out, kind="model")
    mi_weight = _renamed(old_alpha, mi_weight, "--alpha", "--mi-weight")
    config = EguardConfig(task=task, architecture=architecture, privacy=privacy, alpha=mi_weight, beta=beta, steps=steps,
                          n_train=n_train, latent=latent, critic_hidden=critic_hidden, critic_steps=critic_steps,
                          neighbour_weight=neighbour_weight, seed=seed)
    config.check()
    console = _console()
    report = lambda step, total, log: console.print(  # noqa: E731
        f"step {step}/{total}  " + "  ".join(f"{k} {v:.3f}" for k, v in log.items() if k != "step"))
    defense = train_eguard(load_encoder(encoder), config, cache_dir=str(cache) if cache else None, progress=report)
    defense.save(out)
    console.print(f"saved {out} ({defense.info['train_seconds']} s; {defense.info['overhead_ms_per_batch']} ms "
                  "per batch of 64 at inference)")


@defend.command("fit")
def defend_fit(
    defense: Annotated[str, typer.Option(help="A defense with state: rotation, shuffle, pca (and any other name).")],
    out: Annotated[Path, typer.Option(help="Folder for defense.json + state.safetensors (the secret or the fit).")],
    in_: Annotated[Optional[Path], typer.Option("--in", help="Vectors to fit on (.npy, .jsonl, .parquet): needed "
                                                             "by pca; rotation and shuffle take only their dimension.")] = None,
    dim: Annotated[Optional[int], typer.Option(min=1, help="Vector dimension, instead of --in (rotation, shuffle).")] = None,
    param: Annotated[Optional[list[str]], typer.Option(help="Defense parameters, KEY=VALUE (n_components=64).")] = None,
    epsilon: Annotated[Optional[float], typer.Option("--dp-epsilon", help="Privacy budget of purmech / lapmech / "
                                                                          "dp-gaussian.")] = None,
    seed: Annotated[Optional[int], typer.Option(help="Key seed, for experiments only; a deployment leaves it "
                                                     "unset (fresh OS entropy, never written).")] = None,
    secure: Annotated[bool, typer.Option(help="Noise from the OS CSPRNG (purmech, lapmech, gaussian, "
                                              "dp-gaussian, uniform): no seed, nothing replayable.")] = False,
) -> None:
    """Fit a defense once and save it: stored vectors and later queries then get the same map."""
    import numpy as np

    from vecleak.data.vectors import read_vectors
    from vecleak.defenses import load_defense
    from vecleak.defenses.fitted import save_fitted
    from vecleak.errors import InputError

    if (in_ is None) == (dim is None):
        raise InputError("give the vectors to fit on with --in, or only their dimension with --dim")
    check_output_dir(out, kind="model")
    mech = load_defense(defense, epsilon=epsilon, seed=seed, **_params(param), **({"secure": True} if secure else {}))
    E = read_vectors(in_) if in_ is not None else np.zeros((1, dim), np.float32) + 1.0
    if in_ is None and mech.learns_from_data:
        raise InputError(f"{defense} learns from vectors; give them with --in instead of --dim")
    mech.fit(E)
    save_fitted(mech, out)
    _console().print(f"saved the fitted {defense} ({E.shape[1]}-d) in {out}; apply it with "
                     f"'vecleak defend apply --defense {out} --in VECTORS --out PROTECTED.npy'")


@defend.command("apply")
def defend_apply(
    defense: Annotated[str, typer.Option(help="A defense name, a fitted folder (defend fit) or a trained "
                                              "folder (defend train).")],
    in_: Annotated[Path, typer.Option("--in", help="Vectors: .npy, .jsonl or .parquet.")],
    out: Annotated[Path, typer.Option(help="Protected vectors (.npy).")],
    param: Annotated[Optional[list[str]], typer.Option(help="Defense parameters, KEY=VALUE (sigma=0.1, "
                                                            "n_components=64, mode=binary).")] = None,
    epsilon: Annotated[Optional[float], typer.Option("--dp-epsilon", help="Privacy budget of purmech / lapmech / "
                                                                          "dp-gaussian.")] = None,
    old_epsilon: Annotated[Optional[float], typer.Option("--epsilon", hidden=True)] = None,
    seed: Annotated[Optional[int], typer.Option(help="Seed of a random defense (leave unset in deployment).")] = None,
    secure: Annotated[bool, typer.Option(help="Noise from the OS CSPRNG (purmech, lapmech, gaussian, "
                                              "dp-gaussian, uniform): no seed, nothing replayable.")] = False,
) -> None:
    """Defend stored vectors: read, transform, write .npy atomically.

    A folder is applied as it was fitted; a name with state (rotation, shuffle, pca) is fitted
    on these vectors and its state is lost afterwards: use 'defend fit' for anything that
    must also map later queries."""
    import io

    import numpy as np

    from vecleak.data.atomic import atomic_write_bytes
    from vecleak.data.vectors import check_vectors, read_vectors
    from vecleak.defenses import load_defense
    from vecleak.errors import InputError

    if out.suffix != ".npy":
        raise InputError(f"--out must end in .npy, got {out.name}")
    check_output_file(out)
    epsilon = _renamed(old_epsilon, epsilon, "--epsilon", "--dp-epsilon")
    from_folder = Path(defense).is_dir()
    if from_folder and (param or epsilon is not None or seed is not None or secure):
        raise InputError("--param, --dp-epsilon, --seed and --secure belong to a defense name; a fitted folder "
                         "keeps its own")
    mech = load_defense(defense, epsilon=epsilon, seed=seed, **_params(param), **({"secure": True} if secure else {}))
    E = read_vectors(in_)
    want = getattr(mech, "n_features_in_", None)
    if from_folder and want is not None and E.shape[1] != want:
        raise InputError(f"{in_} holds {E.shape[1]}-d vectors but the defense in {defense} was fitted on {want}-d "
                         "ones; use the folder fitted for this encoder")
    protected = (mech if from_folder else mech.fit(E)).transform(E)
    check_vectors(protected, name=f"the {defense} defense's output (nothing was written)")
    buf = io.BytesIO()
    np.save(buf, protected.astype(np.float32), allow_pickle=False)
    atomic_write_bytes(out, buf.getvalue())
    _console().print(f"wrote {len(protected)} protected vectors ({protected.shape[1]}-d) to {out}")


@app.command()
def embed(
    in_: Annotated[Path, typer.Option("--in", help="Texts: .txt (one per line), .jsonl ('text'), .csv/.tsv.")],
    out: Annotated[Path, typer.Option(help="Vectors: .npy, or .jsonl (text + embedding per line, the "
                                           "format --train/--test and file:PATH read).")],
    encoder: Annotated[str, typer.Option(help="Encoder (minilm, use-multilingual, smollm2, st:PATH, hf:PATH).")] = "minilm",
    column: Annotated[str, typer.Option(help="Text column of .csv/.tsv inputs.")] = "text",
    cache: Annotated[Optional[Path], typer.Option(help="Embedding cache folder.")] = Path(".vecleak-cache"),
) -> None:
    """Embed texts with an encoder and write the vectors (.npy or .jsonl)."""
    import io
    import json

    import numpy as np

    from vecleak.data.atomic import atomic_write_bytes, atomic_write_text
    from vecleak.data.records import read_records
    from vecleak.data.vectors import check_vectors
    from vecleak.encoders import encode_cached, load_encoder
    from vecleak.errors import InputError

    if out.suffix not in (".npy", ".jsonl"):
        raise InputError(f"--out must end in .npy or .jsonl, got {out.name}")
    check_output_file(out)
    records = read_records(in_, column=column)
    enc = load_encoder(encoder)
    vectors = check_vectors(encode_cached(enc, [r.text for r in records], cache),
                            name=f"{enc.name}'s vectors (nothing was written)")
    if out.suffix == ".npy":
        buf = io.BytesIO()
        np.save(buf, vectors, allow_pickle=False)
        atomic_write_bytes(out, buf.getvalue())
    else:
        lines = (json.dumps({"text": r.text, **({"lang": r.lang} if r.lang else {}),
                             "embedding": [round(float(x), 7) for x in v]}, ensure_ascii=False)
                 for r, v in zip(records, vectors))
        atomic_write_text(out, "\n".join(lines) + "\n")
    _console().print(f"wrote {len(vectors)} {enc.dim}-d vectors of {enc.name} "
                     f"(pooling {enc.pooling}, normalized {enc.normalize}) to {out}")


app.command("audit")(audit_command)
app.command("frontier")(frontier_command)


@app.command("eval")
def eval_cmd(
    reconstructions: Annotated[Path, typer.Argument(help="A reconstructions.jsonl (fields 'reference', 'reconstruction').")],
    out: Annotated[Optional[Path], typer.Option(help="Write results.json here.")] = None,
    encoder: Annotated[Optional[str], typer.Option(help="Also report re-embedded cosine with this encoder.")] = None,
    tokenizer: Annotated[str, typer.Option(help="Metric tokenizer: unicode (default) or rouge-score.")] = "unicode",
) -> None:
    """Score reconstructions against their references (per language where lines have 'lang')."""
    from vecleak.cli.render import metrics_table
    from vecleak.recipes.io import write_results
    from vecleak.recipes.run import evaluate_file

    if out is not None:
        check_output_dir(out, kind="results")
    results = evaluate_file(reconstructions, encoder=encoder, tokenizer=tokenizer)
    _console().print(metrics_table(results, title=f"{results['n_test']} reconstructions"))
    if out is not None:
        write_results(out, results)
    _emit(results)


_python_showwarning = warnings.showwarning


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """vecleak's own warnings as one ``vecleak: warning:`` line on stderr (none under --quiet);
    other libraries' warnings as Python prints them."""
    from vecleak.errors import VecleakWarning

    if issubclass(category, VecleakWarning):
        if not _OUTPUT["quiet"]:
            print(f"vecleak: warning: {message}", file=sys.stderr)
        return
    _python_showwarning(message, category, filename, lineno, file, line)


def _quiet_hf() -> None:
    """Keep library progress bars and warnings off the CLI's stderr (errors stay one line)."""
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=DeprecationWarning)


class _Interrupted(BaseException):
    """Ctrl-C, raised past the command-line library (which would print 'Aborted!' and exit 1)
    so that ``finally`` blocks still remove temporary output."""


def _on_sigint(signum, frame) -> None:
    raise _Interrupted()


def main(argv: list[str] | None = None) -> None:
    """Entry point: runs the app, turning user mistakes into one line and exit code 2, and
    Ctrl-C into one line and exit code 130 (nothing half-written: outputs are atomic)."""
    import signal

    from vecleak.constraints import ConfigError
    from vecleak.errors import VecleakError

    _quiet_hf()
    warnings.showwarning = _show_warning
    previous = signal.signal(signal.SIGINT, _on_sigint)
    try:
        code = app(args=argv, prog_name="vecleak", standalone_mode=False)
    except ConfigError as err:
        print(f"vecleak: error: {err.for_option(CONFIG_FLAGS.get(err.owner))}", file=sys.stderr)
        sys.exit(2)
    except VecleakError as err:
        print(f"vecleak: error: {_one_line(str(err))}", file=sys.stderr)
        sys.exit(2)
    except Exception as err:
        name = type(err).__name__
        if name == "NoArgsIsHelpError":                   # 'vecleak' or 'vecleak defend' alone: the help
            print(err.ctx.get_help() if getattr(err, "ctx", None) else "")
            sys.exit(0)
        if name == "Abort":
            print("vecleak: interrupted; nothing was written", file=sys.stderr)
            sys.exit(130)
        if hasattr(err, "format_message") and hasattr(err, "exit_code"):      # the parser's usage errors
            ctx = getattr(err, "ctx", None)
            hint = f" (see '{ctx.command_path} -h')" if ctx is not None else ""
            print(f"vecleak: error: {_one_line(err.format_message())}{hint}", file=sys.stderr)
            sys.exit(2 if err.exit_code == 2 else err.exit_code)
        raise
    except (_Interrupted, KeyboardInterrupt):
        print("vecleak: interrupted; nothing was written", file=sys.stderr)
        sys.exit(130)
    finally:
        signal.signal(signal.SIGINT, previous)
        warnings.showwarning = _python_showwarning
    sys.exit(code if isinstance(code, int) else 0)


#: Config fields whose command-line option has another name, per config class.
CONFIG_FLAGS = {"EguardConfig": {"alpha": "--mi-weight"},
                "LagoConfig": {"epsilon": "--box-epsilon", "lam": "--lambda", "metric": "--graph"},
                "AuditConfig": {"defenses": "--defense"},
                "Defense": {"epsilon": "--dp-epsilon", "*": "--param {field}=..."}}


def _one_line(message: str) -> str:
    """``message`` on one line (a library's multi-line text joined with '; ')."""
    return "; ".join(part.strip() for part in message.strip().splitlines() if part.strip())


if __name__ == "__main__":
    main()
