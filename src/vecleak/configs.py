"""Settings of vecleak's components, one dataclass each: the single source of their defaults.

Torch-free, so the command line can read its option defaults from here without loading models
(a test checks that the CLI's defaults equal these).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from vecleak.constraints import Constraint, Each, Interval, Options, check_fields

_POSITIVE = Interval(float, 0, None, closed="neither")
_NONNEGATIVE = Interval(float, 0, None)
_COUNT = Interval(int, 1, None)
_SEED = Interval(int, 0, None)


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
        bf16: bfloat16 autocast for the forward pass; None: on where :func:`bf16_is_fast`
            (on a GPU: where it supports bfloat16).
        device: ``"auto"`` (the GPU when torch sees one, each process of a data-parallel run on
            its ``LOCAL_RANK``'s; else the CPU), ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.
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
    device: str = "auto"

    CONSTRAINTS: ClassVar[dict[str, Constraint]] = {
        "steps": _COUNT, "batch_size": _COUNT, "lr": _POSITIVE, "prefix_lr": _POSITIVE,
        "warmup": Interval(int, 0, None), "weight_decay": _NONNEGATIVE, "noise_prob": Interval(float, 0, 1),
        "noise_max": _NONNEGATIVE, "eval_every": _COUNT, "checkpoint_every": _COUNT,
        "valid_decode": _COUNT, "max_minutes": Interval(float, 0, None, closed="neither", optional=True),
        "stop_at": Interval(int, 1, None, optional=True), "seed": _SEED,
    }

    def __post_init__(self) -> None:
        self.check()

    def check(self) -> None:
        """Refuse a setting outside :attr:`CONSTRAINTS` (a :class:`~vecleak.constraints.ConfigError`)."""
        check_fields(self, self.CONSTRAINTS)


@dataclass
class LagoConfig:
    """Solver settings (LAGO's defaults). ``alpha`` is the ridge of ``align="algen"`` (0 = ALGEN,
    > 0 = ALGEN+λ, ``"auto"`` = leave-one-out; the CLI's default is ``"auto"``); ``lam`` is
    LAGO's λ. ``tv_solver``: ``"subgradient"`` (LAGO's schedule) or ``"admm"`` (converges);
    ``tol`` > 0 stops IEQ-PDMM and ADMM early."""

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
    tol: float = 0.0
    tv_solver: str = "subgradient"
    alpha: float | str = 0.0
    backend: str = "local"

    CONSTRAINTS: ClassVar[dict[str, Constraint]] = {
        "align": Options("lago-ieq", "lago-tv", "algen"), "metric": Options("syntax", "asjp"),
        "threshold": Interval(float, 0, None, closed="neither", optional=True),
        "epsilon": Interval(float, 0, None, closed="neither", allow_inf=True), "eta": _NONNEGATIVE,
        "lam": _NONNEGATIVE, "c": _POSITIVE, "theta": Interval(float, 0, 1, closed="right"), "step": _POSITIVE,
        "iterations": _COUNT, "tol": _NONNEGATIVE, "tv_solver": Options("subgradient", "admm"),
        "backend": Options("local", "ray"),
    }

    def __post_init__(self) -> None:
        self.check()

    def check(self) -> None:
        """Refuse a setting outside :attr:`CONSTRAINTS`; ``alpha`` is ``"auto"`` or a number >= 0."""
        check_fields(self, self.CONSTRAINTS)
        if self.alpha != "auto" and not _NONNEGATIVE.accepts(self.alpha):
            from vecleak.constraints import ConfigError

            raise ConfigError("alpha", f"must be 'auto' or {_NONNEGATIVE.describe()}, got {self.alpha!r}", "LagoConfig")


#: Audited rows the ``search`` row attacks by default (a 1,000-record audit stays within 15 minutes on 2 cores).
SEARCH_SAMPLE = 100

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
        attacker_decoder: the few-shot and query attackers' decoder (a shipped name or a folder);
            ``auto``: the best shipped one whose encoder is not the store's, for the store's languages.
        search_sample: audited rows (a prefix of the sample) the ``search`` row attacks; ``None``:
            :data:`SEARCH_SAMPLE` when the store's encoder (or a ``query_encoder``) answers queries,
            else no search row; ``0``: no search row.
        search_budget: the search's encoder queries per record.
        query_encoder: an encoder the attacker may query but not read (an embedding API's model):
            the black-box search's oracle when the store's encoder is not identified.
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
    attacker_decoder: str = "auto"
    seed: int = 0
    search_sample: int | None = None
    search_budget: int = 300
    query_encoder: str | None = None

    CONSTRAINTS: ClassVar[dict[str, Constraint]] = {
        "search_sample": Interval(int, 0, None, optional=True), "search_budget": _COUNT,
        "sample": _COUNT, "shots": Each(_COUNT), "defense_sample": _COUNT, "beams": _COUNT,
        "min_recall": Interval(float, 0, 1, closed="right"), "aux_size": _COUNT, "backend": Options("local", "ray"),
        "seed": _SEED,
    }

    def __post_init__(self) -> None:
        self.check()

    def check(self) -> None:
        """Refuse a setting outside :attr:`CONSTRAINTS` (before any store or model opens)."""
        check_fields(self, self.CONSTRAINTS)


#: Eguard's task losses, privacy terms and projector architectures.
EGUARD_TASKS = ("sst2", "snli", "retrieval")
ARCHITECTURES = ("transformer", "mlp")
PRIVACY_TERMS = ("mine", "adversarial", "fgsm", "freelb", "mse", "cosine", "none")
ATTACKER_TERMS = ("adversarial", "fgsm", "freelb")


@dataclass
class EguardConfig:
    """Training settings; ``alpha`` weighs the global MI term, ``beta`` the local (CLUB) one.

    ``lr`` is the projector's learning rate, ``head_lr`` the task head's; ``critic_lr`` the
    MINE / CLUB networks'; ``critic_warmup`` critic-only steps before the projector moves, then
    ``critic_steps`` critic updates (fresh batches) before every projector update.
    ``adv_epsilon`` and ``adv_steps``: the fgsm / freelb perturbation radius (coordinate
    standard deviations) and freelb's ascent steps.

    Second-pass knobs (the paper's recipe is their defaults): ``latent`` is what the global MI
    term measures information about: ``"bow"`` (the paper's text-autoencoder latent, of
    ``latent_dim``) or the name of a sentence encoder of the defender's own (e.g.
    ``use-multilingual`` for a MiniLM store); ``critic_hidden``: the MINE / CLUB networks' width;
    ``neighbour_weight``: weight of a second task that keeps retrieval (the KL divergence between
    each batch row's softmax neighbour distribution over the batch before and after the
    projection, temperature ``neighbour_temperature``).
    """

    task: str = "sst2"
    architecture: str = "transformer"
    privacy: str = "mine"
    alpha: float = 1.0
    beta: float = 0.1
    steps: int = 800
    batch_size: int = 64
    lr: float = 1e-3
    head_lr: float = 1e-3
    critic_lr: float = 1e-3
    critic_warmup: int = 300
    critic_steps: int = 1
    adv_epsilon: float = 0.5
    adv_steps: int = 3
    n_train: int = 3000
    latent_dim: int = 128
    latent: str = "bow"
    critic_hidden: int = 256
    neighbour_weight: float = 0.0
    neighbour_temperature: float = 0.05
    seed: int = 0

    CONSTRAINTS: ClassVar[dict[str, Constraint]] = {
        "task": Options(*EGUARD_TASKS), "architecture": Options(*ARCHITECTURES), "privacy": Options(*PRIVACY_TERMS),
        "alpha": _NONNEGATIVE, "beta": _NONNEGATIVE, "steps": _COUNT, "batch_size": Interval(int, 2, None),
        "lr": _POSITIVE, "head_lr": _POSITIVE, "critic_lr": _POSITIVE, "critic_warmup": Interval(int, 0, None),
        "critic_steps": _COUNT, "adv_epsilon": _NONNEGATIVE, "adv_steps": _COUNT, "n_train": Interval(int, 2, None),
        "latent_dim": _COUNT, "critic_hidden": _COUNT, "neighbour_weight": _NONNEGATIVE,
        "neighbour_temperature": _POSITIVE, "seed": _SEED,
    }

    def __post_init__(self) -> None:
        self.check()

    def check(self) -> None:
        """Refuse settings no run can use (a :class:`~vecleak.constraints.ConfigError`, one line)."""
        check_fields(self, self.CONSTRAINTS)
