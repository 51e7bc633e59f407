"""``vecleak`` command line: thin commands over the Python API.

Every user mistake (a :class:`~vecleak.errors.VecleakError`) prints one line on stderr and
exits with code 2; outputs are written atomically, so a failed run leaves nothing behind.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Measure how much text leaks out of text embeddings.")

EXAMPLES = Path(__file__).resolve().parent.parent / "data" / "examples"


def _alpha(value: str) -> float | str:
    if value == "auto":
        return value
    try:
        return float(value)
    except ValueError:
        from vecleak.errors import InputError

        raise InputError(f"--alpha must be 'auto' or a number >= 0, got '{value}'") from None


def _console():
    from rich.console import Console

    return Console(stderr=False)


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("vecleak-demo"),
    victim: Annotated[str, typer.Option(help="Victim encoder.")] = "use-multilingual",
    shots: Annotated[int, typer.Option(help="Leaked pairs used for alignment.")] = 100,
    beams: Annotated[int, typer.Option(help="Beam width.")] = 4,
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
    train: Annotated[Path, typer.Option(help="Leaked pairs: texts (.txt/.csv/.tsv/.jsonl), optionally with 'embedding'.")],
    test: Annotated[Path, typer.Option(help="Vectors to invert: .jsonl with text (+embedding), texts, or .npy/.parquet.")],
    out: Annotated[Path, typer.Option(help="Output folder for results.json and reconstructions.jsonl.")],
    victim: Annotated[str, typer.Option(help="Victim encoder (minilm, use-multilingual, st:PATH, hf:PATH, file:PATH).")] = "use-multilingual",
    shots: Annotated[int, typer.Option(help="How many leaked pairs to use (the first N of --train).")] = 100,
    decoder: Annotated[str, typer.Option(help="Decoder folder, or 'default' for the shipped one.")] = "default",
    alpha: Annotated[str, typer.Option(help="Ridge strength: a number >= 0 or 'auto' (leave-one-out).")] = "auto",
    beams: Annotated[int, typer.Option(min=1, help="Beam width (1 = greedy).")] = 4,
    rerank: Annotated[bool, typer.Option(help="Rerank beam hypotheses by re-embedding them (helps on exact "
                                                 "attacker vectors, not on few-shot aligned ones; see README).")] = False,
    column: Annotated[str, typer.Option(help="Text column of .csv/.tsv inputs.")] = "text",
) -> None:
    """ALGEN few-shot inversion of victim vectors."""
    from vecleak.cli.render import show_attack
    from vecleak.recipes.run import attack_files

    results, rows = attack_files(victim=victim, train=train, test=test, shots=shots, decoder=decoder, out=out,
                                 alpha=_alpha(alpha), beams=beams, rerank=rerank, column=column)
    show_attack(_console(), results, rows, str(out), limit=5)


@app.command("train-decoder")
def train_decoder_cmd(
    corpus: Annotated[list[Path], typer.Option(help="Training texts (repeatable).")],
    out: Annotated[Path, typer.Option(help="Output folder (checkpoints go here too).")],
    encoder: Annotated[str, typer.Option(help="Attacker encoder the decoder learns to invert.")] = "minilm",
    valid: Annotated[Optional[Path], typer.Option(help="Held-out texts (default: 500 split off the corpus).")] = None,
    backbone: Annotated[str, typer.Option(help="bert-causal (CPU-sized) or hf-causal-lm.")] = "bert-causal",
    source: Annotated[str, typer.Option(help="Pretrained weights: 'minilm', 'smollm2', a folder or a .gguf file.")] = "minilm",
    steps: Annotated[int, typer.Option(min=1)] = 20000,
    batch_size: Annotated[int, typer.Option(min=1)] = 64,
    lr: Annotated[float, typer.Option()] = 3e-4,
    prefix_lr: Annotated[float, typer.Option()] = 1e-3,
    warmup: Annotated[int, typer.Option(min=1)] = 150,
    noise_prob: Annotated[float, typer.Option(help="Share of training vectors perturbed like alignment error.")] = 0.25,
    noise_max: Annotated[float, typer.Option(help="Largest relative noise norm.")] = 0.5,
    num_prefix: Annotated[int, typer.Option(min=1)] = 6,
    max_length: Annotated[int, typer.Option(min=4)] = 32,
    eval_every: Annotated[int, typer.Option(min=1)] = 200,
    max_minutes: Annotated[Optional[float], typer.Option(help="Stop after this much wall time (checkpointed).")] = None,
    bf16: Annotated[bool, typer.Option(help="bfloat16 autocast (fast only on CPUs with AVX512-BF16/AMX).")] = False,
    seed: Annotated[int, typer.Option()] = 0,
    resume: Annotated[bool, typer.Option(help="Continue from OUT's last checkpoint.")] = False,
    cache: Annotated[Optional[Path], typer.Option(help="Embedding cache folder.")] = Path(".vecleak-cache"),
) -> None:
    """Train an inversion decoder on a text corpus (checkpoints + --resume)."""
    from vecleak.recipes.train import train_from_files

    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    console = _console()
    with Progress(TextColumn("[bold]training"), BarColumn(), TextColumn("{task.completed}/{task.total} steps"),
                  TextColumn("loss {task.fields[loss]:.3f}"), TimeElapsedColumn(), TimeRemainingColumn(),
                  console=console) as progress:
        task = progress.add_task("train", total=steps, loss=float("nan"))

        def on_log(record: dict) -> None:
            parts = [f"step {record['step']}", f"{record['elapsed_s'] / 60:.1f} min"]
            parts += [f"{k} {record[k]:.3f}" for k in ("train_loss", "valid_loss", "valid_rouge_l") if k in record]
            progress.console.print(" | ".join(parts))

        def on_step(step: int, loss: float) -> None:
            progress.update(task, completed=step, loss=loss)

        train_from_files(corpus=corpus, valid=valid, out=out, encoder=encoder, backbone=backbone, source=source,
                         steps=steps, batch_size=batch_size, lr=lr, prefix_lr=prefix_lr, warmup=warmup,
                         noise_prob=noise_prob, noise_max=noise_max, num_prefix=num_prefix, max_length=max_length,
                         eval_every=eval_every, max_minutes=max_minutes, bf16=bf16, seed=seed, resume=resume,
                         cache=cache, on_log=on_log, on_step=on_step)
    console.print(f"decoder saved in {out}")


@app.command("eval")
def eval_cmd(
    reconstructions: Annotated[Path, typer.Argument(help="A reconstructions.jsonl (fields 'reference', 'reconstruction').")],
    out: Annotated[Optional[Path], typer.Option(help="Write results.json here.")] = None,
    encoder: Annotated[Optional[str], typer.Option(help="Also report re-embedded cosine with this encoder.")] = None,
) -> None:
    """Score reconstructions against their references."""
    from vecleak.cli.render import metrics_table
    from vecleak.recipes.io import write_results
    from vecleak.recipes.run import evaluate_file

    results = evaluate_file(reconstructions, encoder=encoder)
    _console().print(metrics_table(results, title=f"{results['n_test']} reconstructions"))
    if out is not None:
        write_results(out, results)


def _quiet_hf() -> None:
    """Keep library progress bars and warnings off the CLI's stderr (errors stay one line)."""
    import warnings

    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=DeprecationWarning)


def main(argv: list[str] | None = None) -> None:
    """Entry point: runs the app, turning user mistakes into one line and exit code 2."""
    from vecleak.errors import VecleakError

    _quiet_hf()
    try:
        app(args=argv, standalone_mode=True)
    except VecleakError as err:
        print(f"vecleak: error: {err}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("vecleak: interrupted", file=sys.stderr)
        sys.exit(130)




if __name__ == "__main__":
    main()
