"""Settings of vecleak's components, one dataclass each: the single source of their defaults
and of their constraints.

Each config declares its rules once (``CONSTRAINTS``, as scikit-learn's
``_parameter_constraints``, plus the rules between settings in ``check``) and checks them on
construction, so a bad setting is refused before any model or store opens. Estimators and
solvers take their defaults from here, and the command line reads its option defaults from here
(``tests/test_single_source.py`` walks the commands and finds no second copy). Errors name the
library's settings (``box_epsilon``); the command line maps them to its flags.

Torch-free, so the command line can import it without loading models.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from vecleak.constraints import ConfigError, Constraint, Each, Either, Interval, Options, check_fields
from vecleak.data.records import TEXT_COLUMN

_POSITIVE = Interval(float, 0, None, closed="neither")
_NONNEGATIVE = Interval(float, 0, None)
_COUNT = Interval(int, 1, None)
_SEED = Interval(int, 0, None)

#: The ridge strength of ALGEN's alignment: a number >= 0 (0: the pseudo-inverse) or ``"auto"``
#: (leave-one-out); :class:`~vecleak.align.ridge.Ridge` and :class:`LagoConfig` check it.
ALPHA = Either(Options("auto"), _NONNEGATIVE)

#: Word tokenizers of the text metrics (see :mod:`vecleak.metrics.text`) and the default one.
TOKENIZERS = ("unicode", "rouge-score")
DEFAULT_TOKENIZER = "unicode"

#: Where the command line caches embeddings unless told otherwise (``--cache``).
CACHE_DIR = ".vecleak-cache"

#: The encoder a command embeds with, defends or trains a decoder for unless told otherwise:
#: all-MiniLM-L6-v2, the English encoder that ships.
ENCODER = "minilm"



def check_shots(shots: Any, owner: str = "AttackConfig") -> int:
    """``shots`` (leaked pairs) when it is a count >= 1, else a :class:`~vecleak.constraints.ConfigError`
    (``shots must be at least 1, got 0``)."""
    if not _COUNT.accepts(shots):
        raise ConfigError("shots", f"must be at least 1, got {shots!r}", owner)
    return int(shots)


def check_tokenizer_name(name: str) -> str:
    """``name`` when it is one of :data:`TOKENIZERS`, else a :class:`~vecleak.constraints.ConfigError`
    (``unknown tokenizer 'spacy'; use one of unicode, rouge-score``)."""
    if name not in TOKENIZERS:
        raise ConfigError("tokenizer", "", template="unknown tokenizer '{value}'; use one of {choices}",
                          values={"value": name, "choices": ", ".join(TOKENIZERS)})
    return name


@dataclass
class AttackConfig:
    """Settings of a few-shot inversion (``vecleak attack``, ``demo``, ``evaluate-defense`` and
    the file-level recipes read their defaults from here).

    Attributes:
        victim: the victim encoder (a name, ``st:PATH``, ``hf:PATH`` or ``file:PATH``).
        shots: leaked pairs used for alignment (the first ``shots`` of the training file).
        decoder: ``"default"``, ``"multilingual"`` (shipped) or a decoder folder.
        align: ``"algen"`` (ridge), ``"lago-ieq"`` / ``"lago-tv"`` (joint over a language
            graph, see :class:`LagoConfig`) or ``"none"`` (the victim is the decoder's encoder).
        alpha: ALGEN's ridge strength (:data:`ALPHA`).
        beams: beam width (1: greedy).
        rerank: rerank beam hypotheses by re-embedding them.
        tokenizer: the metrics' word tokenizer (:data:`TOKENIZERS`).
        column: text column of .csv / .tsv inputs.
        limit: invert only the first ``limit`` test items (None: all).
        language: the language a multilingual decoder writes (ISO 639-3; None: each input's own).
        defense: the defense every victim vector is stored through (a name, see
            :func:`vecleak.defenses.load_defense`, or a folder; ``"none"``).
    """

    victim: str = "use-multilingual"
    shots: int = 100
    decoder: str = "default"
    align: str = "algen"
    alpha: float | str = "auto"
    beams: int = 4
    rerank: bool = False
    tokenizer: str = DEFAULT_TOKENIZER
    column: str = TEXT_COLUMN
    limit: int | None = None
    language: str | None = None
    defense: str = "none"

    ALIGNS: ClassVar[tuple[str, ...]] = ("algen", "lago-ieq", "lago-tv", "none")
    CONSTRAINTS: ClassVar[dict[str, Constraint]] = {
        "shots": _COUNT, "align": Options(*ALIGNS), "alpha": ALPHA, "beams": _COUNT,
        "limit": Interval(int, 1, None, optional=True),
    }
    #: The settings each ``align`` reads; any other one a caller sets would do nothing
    #: (``plot``: the LAGO solver's drawings).
    READS: ClassVar[dict[str, tuple[str, ...]]] = {
        "algen": ("alpha",), "none": (),
        "lago-ieq": ("metric", "threshold", "box_epsilon", "lam", "iterations", "tol", "backend", "plot"),
        "lago-tv": ("metric", "threshold", "eta", "lam", "iterations", "tv_solver", "tol", "backend", "plot"),
    }

    def __post_init__(self) -> None:
        self.check()

    def check(self) -> None:
        """Refuse a setting outside :attr:`CONSTRAINTS` (a :class:`~vecleak.constraints.ConfigError`);
        an unknown ``align`` reads ``unknown align 'ridge'; use ...``."""
        if self.align not in self.ALIGNS:
            raise ConfigError.between("unknown {align} '{value}'; use algen, lago-ieq, lago-tv or none", "align",
                                      owner=type(self).__name__, value=self.align)
        check_tokenizer_name(self.tokenizer)
        check_shots(self.shots, type(self).__name__)
        check_fields(self, self.CONSTRAINTS)

    def refuse_unused(self, given: Iterable[str]) -> None:
        """Refuse settings (by name, in the caller's order) that ``align`` does not read: a
        setting that would do nothing is a mistake, not a no-op."""
        unused = [name for name in given if name not in self.READS[self.align]]
        if unused:
            places = ", ".join("{" + name + "}" for name in unused)
            raise ConfigError.between(
                places + f" {'does' if len(unused) == 1 else 'do'} nothing with {{align}} {{value}}; drop it or "
                "choose the method it belongs to", *unused, "align", owner=type(self).__name__, value=self.align)


@dataclass
class UtilityConfig:
    """Settings of a downstream-utility measurement (``vecleak utility`` and
    :func:`vecleak.utility.evaluate_utility`).

    Attributes:
        encoder: the encoder whose (defended) vectors the task reads.
        task: a task of :data:`vecleak.utility.TASKS` (checked where the tasks are known).
        lang: the STSb language (``stsb`` only; every other task is English).
        seed: the defense's and the head's held-out draw.
        limit: keep the first ``limit`` rows of every split (None: all).
    """

    encoder: str = ENCODER
    task: str = "sst2"
    lang: str = "en"
    seed: int = 0
    limit: int | None = None

    CONSTRAINTS: ClassVar[dict[str, Constraint]] = {"seed": _SEED, "limit": Interval(int, 0, None, optional=True)}

    def __post_init__(self) -> None:
        check_fields(self, self.CONSTRAINTS)


@dataclass
class EmbedConfig:
    """Settings of ``vecleak embed``: the encoder and the text column of .csv / .tsv inputs."""

    encoder: str = ENCODER
    column: str = TEXT_COLUMN


@dataclass
class DefenseEvalConfig:
    """Settings of an attack on defended vectors (``vecleak evaluate-defense``) beyond
    :class:`AttackConfig`'s: ``attacker`` (``fewshot``, ``adaptive``, ``denoise``, ``decoder-aux``,
    ``token-set`` or ``strongest``), ``aux_size`` texts of the attacker's own corpus sent through
    the defense, ``adapt_steps`` fine-tuning steps of the adaptive attacker, ``seed`` of the
    defense's randomness and of fine-tuning."""

    attacker: str = "fewshot"
    aux_size: int = 1000
    adapt_steps: int = 60
    seed: int = 0

    CONSTRAINTS: ClassVar[dict[str, Constraint]] = {
        "aux_size": _COUNT, "adapt_steps": Interval(int, 0, None), "seed": _SEED,
    }

    def __post_init__(self) -> None:
        self.check()

    def check(self) -> None:
        """Refuse a setting outside :attr:`CONSTRAINTS`."""
        check_fields(self, self.CONSTRAINTS)


#: Decoder backbones: the compact CPU-trainable one and any Hugging Face causal LM.
BACKBONES = ("bert-causal", "hf-causal-lm")


@dataclass
class ArchitectureConfig:
    """A new decoder's architecture (``vecleak train-decoder``, :meth:`InversionDecoder.new`,
    and the defaults of a saved decoder's ``DecoderConfig``).

    Attributes:
        backbone: ``"bert-causal"`` (compact, CPU-trainable) or ``"hf-causal-lm"``.
        source: the pretrained weights: ``"minilm"``, ``"smollm2"``, ``"gemma3"``, a folder or a .gguf file.
        num_prefix: k, the prefix vectors an embedding becomes.
        max_length: most tokens generated (and trained on) per text.
        trim_vocabulary: ``hf-causal-lm``: keep only the corpus's tokens.
        trainable_layers: with ``trim_vocabulary``: train only the top N layers (None: all).
    """

    backbone: str = "bert-causal"
    source: str = ENCODER
    num_prefix: int = 6
    max_length: int = 32
    trim_vocabulary: bool = False
    trainable_layers: int | None = None

    CONSTRAINTS: ClassVar[dict[str, Constraint]] = {
        "num_prefix": _COUNT, "max_length": Interval(int, 4, None),
        "trainable_layers": Interval(int, 0, None, optional=True),
    }

    def __post_init__(self) -> None:
        self.check()

    def check(self) -> None:
        """Refuse an unknown backbone, a setting outside :attr:`CONSTRAINTS`, and the vocabulary
        options on a backbone without them."""
        owner = type(self).__name__
        if self.backbone not in BACKBONES:
            raise ConfigError.between(f"unknown {{backbone}} '{{value}}'; use one of {', '.join(BACKBONES)}",
                                      "backbone", owner=owner, value=self.backbone)
        check_fields(self, self.CONSTRAINTS)
        if (self.trim_vocabulary or self.trainable_layers is not None) and self.backbone != "hf-causal-lm":
            raise ConfigError.between("{trim_vocabulary} and {trainable_layers} need {backbone} hf-causal-lm",
                                      "trim_vocabulary", "trainable_layers", "backbone", owner=owner)
        if self.trainable_layers is not None and not self.trim_vocabulary:
            raise ConfigError.between("{trainable_layers} needs {trim_vocabulary}", "trainable_layers",
                                      "trim_vocabulary", owner=owner)


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
    """Settings of a cross-lingual alignment: the one source of LAGO's defaults (the solvers of
    :mod:`vecleak.align.lago_solvers` and :class:`~vecleak.align.lago.LAGO` take theirs from here;
    the values are the LAGO paper's).

    Attributes:
        align: ``"lago-ieq"``, ``"lago-tv"`` or per-language ``"algen"``.
        metric: the language graph's distance: ``"syntax"`` (URIEL) or ``"asjp"`` (lexical).
        threshold: an edge where the distance is below it (None: the metric's default).
        box_epsilon: IEQ-PDMM's ε, the box half-width ``max |W_i - W_j|`` on an edge (``inf``:
            no constraint, per-language ridge). ``epsilon=`` is its deprecated spelling.
        eta: the TV penalty η; ``lam``: every language's ridge λ.
        c, theta: IEQ-PDMM's penalty and averaging; ``step``: the TV subgradient step.
        iterations: solver iterations; ``tol`` > 0 stops IEQ-PDMM and ADMM early (the TV
            subgradient schedule runs every iteration, so ``tol`` is refused there).
        tv_solver: ``"subgradient"`` (LAGO's schedule) or ``"admm"`` (converges).
        alpha: the ridge of ``align="algen"`` (:data:`ALPHA`; 0 = ALGEN, > 0 = ALGEN+λ, ``"auto"``
            = leave-one-out; the CLI's default is ``"auto"``).
        backend: ``"local"`` or ``"ray"`` (one actor per language).
    """

    align: str = "lago-ieq"
    metric: str = "syntax"
    threshold: float | None = None
    box_epsilon: float = 0.01
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

    ALIGNS: ClassVar[tuple[str, ...]] = ("algen", "lago-ieq", "lago-tv")
    CONSTRAINTS: ClassVar[dict[str, Constraint]] = {
        "align": Options("lago-ieq", "lago-tv", "algen"), "metric": Options("syntax", "asjp"),
        "threshold": Interval(float, 0, None, closed="neither", optional=True),
        "box_epsilon": Interval(float, 0, None, closed="neither", allow_inf=True), "eta": _NONNEGATIVE,
        "lam": _NONNEGATIVE, "c": _POSITIVE, "theta": Interval(float, 0, 1, closed="right"), "step": _POSITIVE,
        "iterations": _COUNT, "tol": _NONNEGATIVE, "tv_solver": Options("subgradient", "admm"),
        "alpha": ALPHA, "backend": Options("local", "ray"),
    }

    def __post_init__(self) -> None:
        self.check()

    @property
    def epsilon(self) -> float:
        """Deprecated: :attr:`box_epsilon`."""
        warnings.warn("LagoConfig.epsilon is deprecated; read box_epsilon", DeprecationWarning, stacklevel=2)
        return self.box_epsilon

    def check(self) -> None:
        """Refuse a setting outside :attr:`CONSTRAINTS`, and ``tol`` with the TV subgradient
        schedule (which runs every iteration)."""
        check_fields(self, self.CONSTRAINTS)
        if self.align == "lago-tv" and self.tv_solver == "subgradient" and self.tol > 0:
            raise ConfigError.between("{tol} stops the admm TV solver; the subgradient schedule runs every "
                                      "iteration (add {tv_solver} admm or drop {tol})", "tol", "tv_solver",
                                      owner=type(self).__name__)


#: The ``lago`` attacker's box half-width (the audit's LAGO row; the README's few-shot experiment):
#: wider than the paper's :attr:`LagoConfig.box_epsilon`, for shots of a few dozen pairs.
LAGO_ATTACK_BOX_EPSILON = 0.1


def _accept_old_epsilon(init):
    @functools.wraps(init)
    def __init__(self, *args: Any, epsilon: float | None = None, **kwargs: Any) -> None:
        if epsilon is not None:
            warnings.warn("LagoConfig(epsilon=...) is deprecated; use box_epsilon=... (LAGO's box half-width)",
                          DeprecationWarning, stacklevel=2)
            kwargs["box_epsilon"] = epsilon
        init(self, *args, **kwargs)

    return __init__


LagoConfig.__init__ = _accept_old_epsilon(LagoConfig.__init__)  # type: ignore[method-assign]  # epsilon=: the old name


#: Audited rows the ``search`` row attacks by default (a 1,000-record audit stays within 15 minutes on 2 cores).
SEARCH_SAMPLE = 100
#: The ``search`` attacker's encoder queries per record by default: about 2 s per record on 2
#: CPU cores (MiniLM, WikiQA: token F1 0.31 -> 0.37 over the plain decode; 300 queries: 0.38 at
#: three times the time; benchmarks/results/search_budget_minilm_wikiqa.md).
SEARCH_BUDGET = 100
#: Words of a record per text the ``search`` writes (a decoder writes at most 32 tokens, about 25
#: English words): an audit of passages writes ``round(median words / SEARCH_SEGMENT_WORDS)``
#: texts one after another per record (at least 1, at most :data:`SEARCH_MAX_SEGMENTS`). On 24
#: passages of WikiQA's train split (development data, median 178 words), 100 queries per
#: record, 1 / 2 / 3 / 4 / 6 / 8 texts rebuilt 5.7 / 10.8 / 10.6 / 14.0 / 15.1 / 13.9% of their
#: content words (token F1 0.15 / 0.26 / 0.26 / 0.36 / 0.35 / 0.35).
SEARCH_SEGMENT_WORDS = 40
SEARCH_MAX_SEGMENTS = 8

#: Every defense family from light to strong, as ``name:key=value`` specs (see
#: :class:`vecleak.frontier.Candidate`): ``vecleak audit --defenses full``.
AUDIT_DEFENSES = (
    "gaussian:sigma=0.01", "gaussian:sigma=0.02", "gaussian:sigma=0.04", "gaussian:sigma=0.08",
    "purmech:epsilon=12", "purmech:epsilon=50",
    "pca:n_components=8", "pca:n_components=16", "pca:n_components=32", "pca:n_components=64",
    "quantize:mode=int8", "quantize:mode=binary", "rotation",
)
#: The named defense sweeps of ``vecleak audit --defenses``: ``quick`` (the default: the
#: settings most often recommended, a few minutes at 1,000 records), ``full`` and ``none``.
DEFENSE_SETS = {
    "none": (),
    "quick": ("gaussian:sigma=0.02", "gaussian:sigma=0.04", "gaussian:sigma=0.08", "pca:n_components=32",
              "quantize:mode=int8"),
    "full": AUDIT_DEFENSES,
}


def resolve_defenses(value: str | Iterable[str]) -> tuple[str, ...]:
    """A defense sweep: a set name of :data:`DEFENSE_SETS`, a comma-separated list of specs, or
    the specs themselves."""
    if isinstance(value, str):
        if value.strip().lower() in DEFENSE_SETS:
            return DEFENSE_SETS[value.strip().lower()]
        return tuple(v.strip() for v in value.split(",") if v.strip())
    return tuple(value)


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
        search_segments: texts the search writes one after another per record (long records);
            ``None``: from the audited records' median length (:data:`SEARCH_SEGMENT_WORDS`),
            1 for sentences. The data owner knows the store's chunk size, and so may an attacker.
        query_encoder: an encoder the attacker may query but not read (an embedding API's model):
            the black-box search's oracle when the store's encoder is not identified.
    """

    sample: int = 500
    shots: tuple[int, ...] = (10, 100, 1000)
    encoder: str = "auto"
    defense_sample: int = 200
    defenses: tuple[str, ...] = DEFENSE_SETS["quick"]
    beams: int = 1
    min_recall: float = 0.95
    language: str = "eng"
    aux_size: int = 2000
    backend: str = "local"
    attacker_decoder: str = "auto"
    seed: int = 0
    search_sample: int | None = None
    search_budget: int = SEARCH_BUDGET
    search_segments: int | None = None
    query_encoder: str | None = None
    ids: tuple[str, ...] | None = None
    where: tuple[str, ...] = ()

    CONSTRAINTS: ClassVar[dict[str, Constraint]] = {
        "search_sample": Interval(int, 0, None, optional=True), "search_budget": _COUNT,
        "search_segments": Interval(int, 1, None, optional=True),
        "sample": _COUNT, "shots": Each(_COUNT), "defense_sample": _COUNT, "beams": _COUNT,
        "min_recall": Interval(float, 0, 1, closed="right"), "aux_size": _COUNT, "backend": Options("local", "ray"),
        "seed": _SEED,
    }

    def __post_init__(self) -> None:
        self.defenses = resolve_defenses(self.defenses)
        if self.ids is not None:
            self.ids = tuple(str(i) for i in self.ids)
        self.where = (self.where,) if isinstance(self.where, str) else tuple(self.where)
        self.check()

    def check(self) -> None:
        """Refuse a setting outside :attr:`CONSTRAINTS` (before any store or model opens)."""
        check_fields(self, self.CONSTRAINTS)
        if self.ids is not None and not self.ids:
            raise ConfigError("ids", "names no row; give at least one id, or leave it out to draw a sample",
                              "AuditConfig")
        self.where_filter()

    def where_filter(self) -> dict[str, str]:
        """``where`` as ``{key: value}``: the metadata every audited row must hold."""
        out = {}
        for cond in self.where:
            key, sep, value = cond.partition("=")
            if not sep or not key.strip():
                raise ConfigError("where", f"must be key=value, got {cond!r}", "AuditConfig")
            out[key.strip()] = value.strip()
        return out


#: ``vecleak frontier``'s settings: an audit of the given texts that attacks fewer of them (the
#: rest are the leak pool and the retrieval corpus) with one leak level.
FRONTIER_DEFAULTS = AuditConfig(sample=300, shots=(1000,), defenses="full", search_sample=0)


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
