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


#: The defense sweep of ``vecleak audit`` by default, as ``name:key=value`` specs (see
#: :class:`vecleak.frontier.Candidate`): every family from light to strong.
AUDIT_DEFENSES = (
    "gaussian:sigma=0.01", "gaussian:sigma=0.02", "gaussian:sigma=0.04", "gaussian:sigma=0.08",
    "purmech:epsilon=12", "purmech:epsilon=50",
    "pca:n_components=8", "pca:n_components=16", "pca:n_components=32", "pca:n_components=64",
    "quantize:mode=int8", "quantize:mode=binary", "rotation",
)


@dataclass
class AuditConfig:
    """Settings of ``vecleak audit`` (its CLI reads its defaults from here).

    Attributes:
        sample: audited rows, drawn with ``seed`` (the attack targets).
        shots: leaked-pair levels of the few-shot attacker; the pairs are other rows of the store.
        encoder: ``auto`` (identify by re-embedding) or an encoder name; ``none``: a black box.
        defense_sample: audited rows the defense sweep attacks (a prefix of the sample: the
            sweep decodes each row twice per setting); retrieval uses the whole sample.
        defenses: the sweep (``name:key=value`` specs); ``none`` is always measured.
        beams: beam width of every decode (1 = greedy).
        min_recall: the recall@10 a recommended defense must keep.
        language: the texts' language when rows carry no ``lang`` (ISO 639-3).
        aux_size: auxiliary texts of the query-access attacker.
        backend: where decoding runs: ``local`` or ``ray`` (Ray Data over batches of vectors;
            the same reconstructions).
    """

    sample: int = 500
    shots: tuple[int, ...] = (10, 100, 1000)
    encoder: str = "auto"
    defense_sample: int = 200
    defenses: tuple[str, ...] = AUDIT_DEFENSES
    beams: int = 1
    min_recall: float = 0.95
    language: str = "eng"
    aux_size: int = 2000
    backend: str = "local"
    seed: int = 0
