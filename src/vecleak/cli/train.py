"""``vecleak train-decoder``: train an inversion decoder (defaults and rules:
:class:`~vecleak.configs.TrainingConfig` and :class:`~vecleak.configs.ArchitectureConfig`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from vecleak.cli.options import CACHE, Cache, usable_cache
from vecleak.cli.output import console as _console
from vecleak.configs import ENCODER, ArchitectureConfig, TrainingConfig

_T, _R = TrainingConfig(), ArchitectureConfig()


def train_decoder_cmd(
    corpus: Annotated[list[Path], typer.Option(help="Training texts (repeatable).")],
    out: Annotated[Path, typer.Option(help="Output folder (checkpoints go here too).")],
    encoder: Annotated[str, typer.Option(help="Attacker encoder the decoder learns to invert.")] = ENCODER,
    valid: Annotated[Optional[Path], typer.Option(help="Held-out texts (default: 500 split off the corpus).")] = None,
    backbone: Annotated[str, typer.Option(help="bert-causal (CPU-sized) or hf-causal-lm.")] = _R.backbone,
    source: Annotated[str, typer.Option(help="Pretrained weights: 'minilm', 'smollm2', 'gemma3', a folder or a "
                                             ".gguf file.")] = _R.source,
    trim_vocabulary: Annotated[bool, typer.Option(help="hf-causal-lm: keep only the corpus's tokens (Gemma: "
                                                       "262,144 -> tens of thousands).")] = _R.trim_vocabulary,
    trainable_layers: Annotated[Optional[int], typer.Option(help="With --trim-vocabulary: train only the top N "
                                                                 "layers.")] = _R.trainable_layers,
    steps: Annotated[int, typer.Option()] = _T.steps,
    batch_size: Annotated[int, typer.Option()] = _T.batch_size,
    lr: Annotated[float, typer.Option()] = _T.lr,
    prefix_lr: Annotated[float, typer.Option()] = _T.prefix_lr,
    warmup: Annotated[int, typer.Option()] = _T.warmup,
    noise_prob: Annotated[float, typer.Option(help="Share of training vectors perturbed like alignment "
                                                   "error.")] = _T.noise_prob,
    noise_max: Annotated[float, typer.Option(help="Largest relative noise norm.")] = _T.noise_max,
    num_prefix: Annotated[int, typer.Option(help="Prefix vectors an embedding becomes.")] = _R.num_prefix,
    max_length: Annotated[int, typer.Option(help="Most tokens per text.")] = _R.max_length,
    eval_every: Annotated[int, typer.Option()] = _T.eval_every,
    max_minutes: Annotated[Optional[float], typer.Option(help="Stop after this much wall time "
                                                              "(checkpointed).")] = _T.max_minutes,
    bf16: Annotated[Optional[bool], typer.Option("--bf16/--no-bf16", help="bfloat16 autocast (default: on where "
                                                  "the CPU has AVX512-BF16 or AMX, where it is faster).")] = _T.bf16,
    seed: Annotated[int, typer.Option()] = _T.seed,
    device: Annotated[str, typer.Option(help="auto (a GPU when torch sees one, else the CPU), cpu, cuda or "
                                             "cuda:N.")] = _T.device,
    resume: Annotated[bool, typer.Option(help="Continue from OUT's last checkpoint.")] = False,
    init: Annotated[Optional[str], typer.Option(help="Start from this trained decoder folder (or 'default') "
                                                     "with a fresh schedule, instead of the backbone's weights.")] = None,
    retarget: Annotated[Optional[str], typer.Option(help="Keep this trained decoder's backbone (a folder or "
                                                         "'default') frozen and train only a new prefix MLP for "
                                                         "--encoder: minutes instead of hours.")] = None,
    cache: Cache = CACHE,
) -> None:
    """Train an inversion decoder on a text corpus (checkpoints + --resume)."""
    from vecleak.recipes.train import check_training_inputs, train_from_files

    settings = dict(steps=steps, batch_size=batch_size, lr=lr, prefix_lr=prefix_lr, warmup=warmup,
                    noise_prob=noise_prob, noise_max=noise_max, eval_every=eval_every, max_minutes=max_minutes,
                    bf16=bf16, seed=seed, device=device)
    architecture = dict(backbone=backbone, source=source, num_prefix=num_prefix, max_length=max_length,
                        trim_vocabulary=trim_vocabulary, trainable_layers=trainable_layers)
    check_training_inputs(corpus=corpus, out=out, valid=valid, resume=resume, init=init, retarget=retarget,
                          **architecture, **settings)
    cache = usable_cache(cache)
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    console = _console()
    # the bar is drawn from the first step on: a refusal while the corpus, the model or a resume
    # state loads stays one line with nothing before it
    progress = Progress(TextColumn("[bold]training"), BarColumn(), TextColumn("{task.completed}/{task.total} steps"),
                        TextColumn("loss {task.fields[loss]:.3f}"), TimeElapsedColumn(), TimeRemainingColumn(),
                        console=console)
    task = progress.add_task("train", total=steps, loss=float("nan"))
    shown = []

    def show() -> None:
        if not shown:
            progress.start()
            shown.append(True)

    def on_log(record: dict) -> None:
        show()
        if record.get("resumed"):
            progress.console.print(f"resuming {out} at step {record['step']} "
                                   f"({record['elapsed_s'] / 60:.1f} min trained so far)")
            return
        parts = [f"step {record['step']}", f"{record['elapsed_s'] / 60:.1f} min"]
        parts += [f"{k} {record[k]:.3f}" for k in ("train_loss", "valid_loss", "valid_rouge_l") if k in record]
        progress.console.print(" | ".join(parts))

    def on_step(step: int, loss: float) -> None:
        show()
        progress.update(task, completed=step, loss=loss)

    try:
        train_from_files(corpus=corpus, valid=valid, out=out, encoder=encoder, resume=resume, init=init,
                         retarget=retarget, cache=cache, on_log=on_log, on_step=on_step, **architecture, **settings)
    finally:
        if shown:
            progress.stop()
    console.print(f"decoder saved in {out}")
