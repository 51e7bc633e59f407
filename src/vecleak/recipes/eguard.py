"""Train Eguard (a projection defense with mutual-information penalties) for one encoder and task.

Objective, per the paper's Algorithm 1, alternating three updates every step on a batch:

1. the MINE statistics network ``S`` ascends the Donsker-Varadhan bound on ``I(z; ê)`` with
   the moving-average gradient correction, ``z`` the defender's text-autoencoder latent of the
   batch texts, ``ê = g_p(e)``;
2. the CLUB network ``V`` ascends ``log V(â | k̂)`` on (keyword, antonym) pairs, both encoded by
   the victim and projected, ``k̂ = g_p(e(k))``, ``â = g_p(e(a))``;
3. ``g_p`` and the task head descend ``ℓ_task + α I_global + β I_local`` (+ ``ω ℓ_neighbours``,
   the optional retrieval task of :func:`neighbour_loss`). Here ``I_global`` is
   the plain DV estimate, floored at 0 (``max(Î, 0)``): the corrected surrogate has no lower
   bound in ``ê`` (``g_p`` could push ``mean exp S`` up without limit), and an estimate at or
   below zero says the critic sees no dependence left to remove.

Tasks: ``sst2`` (cross-entropy of a linear head on ``ê``), ``snli`` (cross-entropy on
``[û, v̂, |û − v̂|, û ⊙ v̂]``), ``retrieval`` (multiple-negatives ranking loss, scale 20, on SNLI
entailment pairs: anchor ``ê`` against every positive of the batch).

``privacy`` selects the privacy term for the ablations and baselines: ``mine`` (Eguard),
``mse`` (push ``ê`` away from ``e``: ``−‖ê − e‖²``), ``cosine`` (lower ``cos(ê, e)``), ``none``
(task loss only), or one of three terms trained against an online token-set attacker ``T``
(updated with the critics on detached ``ê``; ``L_att`` its multi-label loss on the batch words):

* ``adversarial``: ``g_p`` ascends ``L_att(ê)`` directly;
* ``fgsm``: the fast-gradient-sign point ``ê* = ê + ε sign(∇_ê L_att)`` (one step, L∞ radius
  ``ε``), held fixed; ``g_p`` descends ``mean ‖ê − ê*‖² / d``, i.e. moves toward it;
* ``freelb``: ``K = adv_steps`` ascent steps on ``δ`` with L2-normalized gradients, projected
  onto the L2 ball of radius ``ε √d``; the task loss is averaged over ``ê + δ_k`` (FreeLB's
  "free" averaging, so the head tolerates the moves) and ``g_p`` is pulled toward ``ê + δ_K``.

``ε = adv_epsilon`` is in units of the coordinates' standard deviation (the networks' scale).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from vecleak.data.keywords import antonym_pairs
from vecleak.data.records import read_texts
from vecleak.classifiers.text_autoencoder import BagOfWordsAutoencoder
from vecleak.classifiers.token_set import TokenSetDecoder, TokenVocabulary
from vecleak.defenses.mutual_information import CLUB, MINE
from vecleak.configs import ATTACKER_TERMS, EguardConfig
from vecleak.constraints import ConfigError
from vecleak.defenses.projection import ProjectionDefense, build_projector
from vecleak.encoders.base import Encoder
from vecleak.encoders.cache import encode_cached
from vecleak.encoders.registry import load_encoder
from vecleak.errors import InputError, TrainingDivergedError
from vecleak.data.corpora import DEFENDER_CORPUS
from vecleak.seeding import preserves_global_rng
from vecleak.utility.tasks import SNLI_CLASSES, load_task

@dataclass
class TrainingData:
    """Everything a training step reads, precomputed: vectors of the texts, latents, labels, keyword pairs.

    ``E (n, d)``: victim vectors of the texts (for pair tasks, of the first sides); ``E_b (n, d)``:
    of the second sides or None; ``Z (n, dz)``: autoencoder latents of the texts; ``labels (n,)``;
    ``K, A (p, d)``: victim vectors of keywords and of their antonyms; ``texts``: the first sides.
    """

    texts: list[str]
    E: torch.Tensor
    E_b: torch.Tensor | None
    Z: torch.Tensor
    labels: torch.Tensor
    K: torch.Tensor
    A: torch.Tensor


def task_rows(task: str, n: int) -> tuple[list[str], list[str] | None, np.ndarray]:
    """The first ``n`` training rows of ``task``: ``(texts, second texts or None, labels)``."""
    if task == "sst2":
        split = load_task("sst2", limit=(n, 0)).train
        return split.texts, None, np.asarray(split.labels, np.int64)
    split = load_task("snli", limit=(None, 0)).train
    if task == "snli":
        return split.texts[:n], split.texts_b[:n], np.asarray(split.labels[:n], np.int64)
    keep = [i for i, y in enumerate(split.labels) if int(y) == SNLI_CLASSES.index("entailment")][:n]
    return [split.texts[i] for i in keep], [split.texts_b[i] for i in keep], np.zeros(len(keep), np.int64)


def prepare(encoder: Encoder, config: EguardConfig, *, autoencoder: BagOfWordsAutoencoder | None = None,
            cache_dir: str | None = None) -> tuple[TrainingData, BagOfWordsAutoencoder | None]:
    """Encode the task's training texts, find keyword pairs and the latents ``z``: the defender's
    autoencoder (trained here unless given) for ``latent="bow"``, else its sentence encoder."""
    texts, texts_b, labels = task_rows(config.task, config.n_train)
    if config.latent != "bow":
        latent_encoder = load_encoder(config.latent)
        if latent_encoder.spec() == encoder.spec():
            raise ConfigError.between("{latent} {value} is the encoder being defended; the latent must be the "
                                      "defender's own view of the text (bow, or another sentence encoder)", "latent",
                                      owner="EguardConfig", value=config.latent)
        Z = encode_cached(latent_encoder, texts, cache_dir)
    elif autoencoder is None:
        corpus = list(dict.fromkeys(texts + (texts_b or []) + read_texts(DEFENDER_CORPUS)))
        autoencoder = BagOfWordsAutoencoder.train_on(corpus, latent_dim=config.latent_dim, seed=config.seed)
    pairs = antonym_pairs(texts)
    if not pairs:
        raise InputError("no keyword of the training texts has a WordNet antonym; give more (or other) texts")
    words = sorted({p.keyword for p in pairs} | {p.antonym for p in pairs})
    W = dict(zip(words, encode_cached(encoder, words, cache_dir)))
    as_t = lambda x: torch.as_tensor(np.asarray(x, np.float32))  # noqa: E731
    data = TrainingData(
        texts=texts, E=as_t(encode_cached(encoder, texts, cache_dir)),
        E_b=as_t(encode_cached(encoder, texts_b, cache_dir)) if texts_b else None,
        Z=as_t(autoencoder.encode(texts) if config.latent == "bow" else Z), labels=torch.as_tensor(labels),
        K=as_t([W[p.keyword] for p in pairs]), A=as_t([W[p.antonym] for p in pairs]))
    return data, autoencoder


class _TaskHead(nn.Module):
    """The task loss on projected vectors: a linear classifier (sst2, snli) or none (retrieval)."""

    def __init__(self, task: str, dim: int) -> None:
        super().__init__()
        self.task = task
        shapes = {"sst2": (dim, 2), "snli": (4 * dim, len(SNLI_CLASSES))}
        self.linear = nn.Linear(*shapes[task]) if task in shapes else None

    def loss(self, u: torch.Tensor, v: torch.Tensor | None, y: torch.Tensor) -> torch.Tensor:
        if self.task == "sst2":
            return F.cross_entropy(self.linear(u), y)
        if self.task == "snli":
            return F.cross_entropy(self.linear(torch.cat([u, v, (u - v).abs(), u * v], 1)), y)
        scores = 20.0 * F.normalize(u, dim=1) @ F.normalize(v, dim=1).T  # multiple-negatives ranking loss
        return F.cross_entropy(scores, torch.arange(len(u)))


@preserves_global_rng
def train_eguard(encoder: Encoder | None, config: EguardConfig | None = None, *, data: TrainingData | None = None,
                 cache_dir: str | None = None, progress=None) -> ProjectionDefense:
    """Train ``g_p`` for ``encoder`` on ``config.task``; returns the defense with its training log in ``info``.

    ``encoder`` encodes the task data and is recorded in the defense; with precomputed ``data``
    it may be None (nothing is encoded then, and the defense records no encoder).

    ``progress``: optional callable ``(step, total, losses: dict)`` called every 50 steps.
    """
    config = config or EguardConfig()
    config.check()
    t0 = time.monotonic()
    if data is None:
        if encoder is None:
            raise InputError("train_eguard needs an encoder, or precomputed data")
        data, _ = prepare(encoder, config, cache_dir=cache_dir)
    torch.manual_seed(config.seed)
    g = torch.Generator().manual_seed(config.seed)
    dim = data.E.shape[1]
    # networks see vectors scaled to unit coordinate variance (a fixed constant of the data):
    # unit-norm embeddings have coordinates ~ 1/sqrt(d), too small for CLUB's bounded log-variance
    c = 1.0 / float(data.E.std())
    params = {"scale": c}
    projector = build_projector(config.architecture, dim, **params)
    head = _TaskHead(config.task, dim)
    mine = MINE(data.Z.shape[1], dim, hidden=config.critic_hidden)
    club = CLUB(dim, dim, hidden=config.critic_hidden)
    attacker = None
    if config.privacy in ATTACKER_TERMS:
        attacker = TokenSetDecoder(dim, TokenVocabulary.build(data.texts, max_size=4000), hidden=512)
        attack_targets = attacker.vocabulary.multi_hot(data.texts)
    opt_g = torch.optim.Adam([{"params": projector.parameters(), "lr": config.lr},
                              {"params": head.parameters(), "lr": config.head_lr}])
    opt_s = torch.optim.Adam(mine.parameters(), lr=config.critic_lr)
    opt_v = torch.optim.Adam(club.parameters(), lr=config.critic_lr)
    opt_a = torch.optim.Adam(attacker.parameters(), lr=config.critic_lr) if attacker else None
    n, p = len(data.E), len(data.K)
    log: list[dict[str, float]] = []
    def batch() -> tuple[torch.Tensor, torch.Tensor]:
        return (torch.randint(n, (min(config.batch_size, n),), generator=g),
                torch.randint(p, (min(config.batch_size, p),), generator=g))

    def critic_step(idx: torch.Tensor, pidx: torch.Tensor) -> None:
        """Steps 1-2: the estimators (and the adversarial attacker) ascend on detached projections."""
        with torch.no_grad():
            proj, proj_k, proj_a = projector(data.E[idx]), projector(data.K[pidx]), projector(data.A[pidx])
        _step(opt_s, -mine.surrogate(data.Z[idx], critic_view(proj), generator=g)[0])
        _step(opt_v, -club.log_likelihood(critic_view(proj_k), critic_view(proj_a)))
        if attacker is not None:
            _step(opt_a, F.binary_cross_entropy_with_logits(attacker(critic_view(proj)), attack_targets[idx]))

    for _ in range(config.critic_warmup):  # the critics first learn the undefended dependence (g_p = identity)
        critic_step(*batch())
    for step in range(1, config.steps + 1):
        for _ in range(config.critic_steps):
            critic_step(*batch())
        idx, pidx = batch()
        e, z, y = data.E[idx], data.Z[idx], data.labels[idx]
        e_b = data.E_b[idx] if data.E_b is not None else None
        # 3: the projector (and task head) descends task + alpha * I_global + beta * I_local
        proj = projector(e)
        proj_b = c * projector(e_b) if e_b is not None else None
        mi_estimate = mine.lower_bound(z, critic_view(proj), generator=g)
        i_global = mi_estimate.clamp(min=0.0)
        i_local = club.upper_bound(critic_view(projector(data.K[pidx])), critic_view(projector(data.A[pidx])))
        targets = attack_targets[idx] if attacker is not None else None
        if config.privacy in ("fgsm", "freelb"):
            deltas = _attacker_ascent(attacker, c * proj, targets, config)
            task = torch.stack([head.loss(c * proj + d, proj_b, y) for d in deltas]).mean() \
                if config.privacy == "freelb" else head.loss(c * proj, proj_b, y)
            privacy = ((c * proj - (c * proj + deltas[-1]).detach()) ** 2).mean()
        else:
            task = head.loss(c * proj, proj_b, y)
            privacy = _privacy_term(config.privacy, i_global, proj, e, attacker, targets)
        loss = task + config.alpha * privacy + config.beta * i_local
        if config.neighbour_weight:
            neighbours = neighbour_loss(e, proj, config.neighbour_temperature)
            loss = loss + config.neighbour_weight * neighbours
        if not torch.isfinite(loss):
            raise TrainingDivergedError(f"Eguard training diverged at step {step} (loss {float(loss)}); nothing was "
                                        "saved; lower the learning rates or the term weights and train again")
        _step(opt_g, loss)
        if step % 50 == 0 or step == config.steps:
            log.append({"step": step, "task": float(task.detach()), "mi_global": float(mi_estimate.detach()),
                        "mi_local": float(i_local.detach()), "privacy": float(privacy.detach()),
                        **({"neighbours": float(neighbours.detach())} if config.neighbour_weight else {})})
            if progress is not None:
                progress(step, config.steps, log[-1])
    projector.eval()
    info = {"method": "eguard", "encoder": encoder.spec() if encoder is not None else None, **asdict(config), "n_keyword_pairs": p,
            "train_seconds": round(time.monotonic() - t0, 1), "log": log,
            "overhead_ms_per_batch": overhead_ms(projector, dim)}
    return ProjectionDefense(projector, {"architecture": config.architecture, "dim": dim, "params": params}, info)


def neighbour_loss(e: torch.Tensor, proj: torch.Tensor, temperature: float) -> torch.Tensor:
    """How much the projection changes who is whose neighbour, for ``e, proj (b, d)``: the mean
    over rows of ``KL(p_i ‖ q_i)``, ``p_i`` / ``q_i`` the softmax over the other batch rows of
    cosine similarity / ``temperature`` before / after the projection (retrieval distillation)."""
    mask = torch.eye(len(e), dtype=torch.bool)
    def log_neighbours(x: torch.Tensor) -> torch.Tensor:
        x = F.normalize(x, dim=1)
        return F.log_softmax((x @ x.T / temperature).masked_fill(mask, float("-inf")), dim=1).masked_fill(mask, 0.0)

    log_p, log_q = log_neighbours(e).detach(), log_neighbours(proj)
    return (log_p.exp() * (log_p - log_q)).sum(1).mean()


def critic_view(x: torch.Tensor) -> torch.Tensor:
    """What the critics (MINE, CLUB) and the online attacker read of projected vectors ``x (b, d)``:
    centred on the batch mean and scaled to unit RMS. Without it ``g_p`` can fool them for free by
    collapsing every ``ê`` toward one point (our first runs did: pairwise cosine 0.99) while a
    linear attacker, which is blind to offset and scale, reads the small deviations back."""
    x = x - x.mean(0, keepdim=True)
    return x / x.pow(2).mean().sqrt().clamp_min(1e-8)


def _privacy_term(kind: str, i_global: torch.Tensor, proj: torch.Tensor, e: torch.Tensor,
                  attacker: nn.Module | None, targets: torch.Tensor | None) -> torch.Tensor:
    if kind == "mine":
        return i_global
    if kind == "adversarial":
        return -F.binary_cross_entropy_with_logits(attacker(critic_view(proj)), targets)
    if kind == "mse":
        return -((proj - e) ** 2).sum(1).mean()
    if kind == "cosine":
        return F.cosine_similarity(proj, e, dim=1).mean()
    return proj.new_zeros(())


def _attacker_ascent(attacker: nn.Module, u: torch.Tensor, targets: torch.Tensor,
                     config: EguardConfig) -> list[torch.Tensor]:
    """Perturbations of the scaled projections ``u (b, d)`` that raise the attacker's loss
    (the attacker reads them through :func:`critic_view`).

    fgsm: one sign step of size ``ε`` (returns ``[δ]``); freelb: ``K`` L2-normalized steps of
    size ``ε √d / K`` each, projected onto the ball of radius ``ε √d`` (returns ``[δ_1 .. δ_K]``).
    The perturbations are detached: they are targets, not paths for ``g_p``'s gradient.
    """
    eps, u = config.adv_epsilon, u.detach()
    attack_loss = lambda d: F.binary_cross_entropy_with_logits(attacker(critic_view(u + d)), targets)  # noqa: E731
    if config.privacy == "fgsm":
        delta = torch.zeros_like(u, requires_grad=True)
        (grad,) = torch.autograd.grad(attack_loss(delta), delta)
        return [eps * grad.sign()]
    radius = eps * u.shape[1] ** 0.5
    delta, out = torch.zeros_like(u), []
    for _ in range(config.adv_steps):
        delta.requires_grad_(True)
        (grad,) = torch.autograd.grad(attack_loss(delta), delta)
        step = grad / grad.norm(dim=1, keepdim=True).clamp(min=1e-12)
        delta = delta.detach() + radius / config.adv_steps * step
        delta = delta * (radius / delta.norm(dim=1, keepdim=True).clamp(min=radius))  # onto the ball
        out.append(delta)
    return out


def _step(opt: torch.optim.Optimizer, loss: torch.Tensor) -> None:
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()


def overhead_ms(projector: nn.Module, dim: int, *, batch_size: int = 64, repeats: int = 20) -> float:
    """Median wall time in ms of projecting one batch of ``batch_size`` vectors (inference, current threads)."""
    x = torch.randn(batch_size, dim)
    times = []
    with torch.no_grad():
        projector(x)
        for _ in range(repeats):
            t = time.perf_counter()
            projector(x)
            times.append(time.perf_counter() - t)
    return round(1000 * float(np.median(times)), 3)
