"""Settings of vecleak's components, one dataclass each: the single source of their defaults.

Torch-free, so the command line can read its option defaults from here without loading models
(a test checks that the CLI's defaults equal these).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class TrainingConfig:
    """Optimisation settings: the one source of defaults (``vecleak train-decoder`` reads its
    option defaults from here; these are the settings the shipped English decoder's first
    phase was trained with).

    Attributes:
        steps: optimizer steps in all (a resumed run continues up to this count).
        batch_size: texts per step.
        lr: peak learning rate of the pretrained backbone; ``prefix_lr`` for the new prefix MLP.
        warmup: linear warm-up steps, then cosine decay to 10% of the peak at ``steps``.
        noise_prob: share of training embeddings perturbed to mimic alignment error.
        noise_max: the perturbation's largest relative norm (drawn uniformly in ``[0, noise_max]``).
        eval_every: steps between validation (loss + greedy ROUGE-L on ``valid_decode`` texts).
        checkpoint_every: steps between checkpoints.
        max_minutes: stop (after a checkpoint) once this much wall time has passed in this run.
        stop_at: stop (after a checkpoint) at this step, keeping the schedule of ``steps``:
            train in chunks and ``resume``.
        bf16: bfloat16 autocast for the forward pass; None: on where :func:`bf16_is_fast`.
    """

    steps: int = 20000
    batch_size: int = 64
    lr: float = 3e-4
    prefix_lr: float = 1e-3
    warmup: int = 150
    weight_decay: float = 0.01
    noise_prob: float = 0.25
    noise_max: float = 0.5
    eval_every: int = 200
    checkpoint_every: int = 200
    valid_decode: int = 100
    max_minutes: float | None = None
    stop_at: int | None = None
    bf16: bool | None = None
    seed: int = 0


@dataclass
class LagoConfig:
    """Solver settings (LAGO's defaults). ``alpha`` is the ridge of ``align="algen"`` (0 = ALGEN,
    > 0 = ALGEN+λ, ``"auto"`` = leave-one-out); ``lam`` is LAGO's λ."""

    align: str = "lago-ieq"
    metric: str = "syntax"
    threshold: float | None = None
    epsilon: float = 0.01
    eta: float = 0.01
    lam: float = 0.01
    c: float = 0.4
    theta: float = 1.0
    step: float = 0.01
    iterations: int = 500
    alpha: float | str = 0.0
    backend: str = "local"
