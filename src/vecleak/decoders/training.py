"""Train an inversion decoder on (text, attacker embedding) pairs, with checkpoints and resume.

Checkpoints are atomic: ``OUT/config.json`` + ``OUT/model.safetensors`` always hold the latest
usable decoder, ``OUT/training_state.pt`` the optimizer and progress (loaded with
``weights_only=True``), ``OUT/log.jsonl`` one line per evaluation.
"""

from __future__ import annotations

import io
import json
import math
import os
import random
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from vecleak.configs import TrainingConfig
from vecleak.data.atomic import MARKER, atomic_write_bytes, atomic_write_text
from vecleak.decoders.inversion_decoder import InversionDecoder
from vecleak.errors import CheckpointConfigError, ConfigError, InputError, TrainingDivergedConfigError
from vecleak.seeding import preserves_global_rng

STATE_NAME = "training_state.pt"
LOG_NAME = "log.jsonl"


def bf16_is_fast() -> bool:
    """Whether this CPU has native bfloat16 matrix instructions (AVX512-BF16 or AMX): there
    bf16 autocast trains about 1.7x faster (measured on an AMD EPYC with AVX512-BF16); without
    them it is emulated and far slower than float32."""
    cpu = getattr(torch, "cpu", None)
    checks = (getattr(cpu, "_is_avx512_bf16_supported", None), getattr(cpu, "_is_amx_tile_supported", None))
    return any(bool(f()) for f in checks if callable(f))


def training_device(name: str = "auto") -> torch.device:
    """The device :func:`train_decoder` trains on (see ``TrainingConfig.device``)."""
    if name == "auto":
        if not torch.cuda.is_available():
            return torch.device("cpu")
        return torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")) % torch.cuda.device_count())
    try:
        device = torch.device(name)
    except RuntimeError:
        raise InputError(f"unknown device '{name}'; use auto, cpu, cuda or cuda:N") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise InputError(f"device '{name}': torch sees no GPU here; use auto or cpu")
    if device.type not in ("cpu", "cuda"):
        raise InputError(f"device '{name}': vecleak trains on cpu or cuda")
    return device


def perturb(e: torch.Tensor, prob: float, max_rel: float, gen: torch.Generator) -> torch.Tensor:
    """Add isotropic noise of relative norm ``U(0, max_rel)`` to a ``prob`` share of rows of ``e (b, d)``."""
    if prob <= 0 or max_rel <= 0:
        return e
    b, d = e.shape
    pick = torch.rand(b, generator=gen) < prob
    scale = torch.rand(b, generator=gen) * max_rel * pick
    noise = torch.randn(b, d, generator=gen)
    noise = noise / noise.norm(dim=1, keepdim=True)
    return e + noise * (scale * e.norm(dim=1))[:, None]


def process_rank() -> tuple[int, int]:
    """``(rank, world size)`` of this process: ``(0, 1)`` outside ``torch.distributed``."""
    dist = torch.distributed
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def init_distributed_from_env() -> tuple[int, int]:
    """Join the process group ``torchrun`` / ``accelerate launch`` describe in the environment
    (``WORLD_SIZE`` > 1; gloo on CPU, nccl on GPU); returns ``(rank, world size)``."""
    if int(os.environ.get("WORLD_SIZE", "1")) > 1 and not torch.distributed.is_initialized():
        torch.distributed.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    return process_rank()


def all_reduce_sum(t: torch.Tensor, world: int) -> torch.Tensor:
    """``t`` summed over the processes (in place; on the device the backend needs)."""
    if world > 1:
        torch.distributed.all_reduce(t)
    return t


def sync_gradients(model: torch.nn.Module, world: int) -> None:
    """Sum every gradient over the processes (each already scaled by the global token count)."""
    if world == 1:
        return
    for p in model.parameters():
        if p.requires_grad:
            if p.grad is None:
                p.grad = torch.zeros_like(p)
            torch.distributed.all_reduce(p.grad)


def broadcast_flag(flag: bool, world: int, device: torch.device | str = "cpu") -> bool:
    t = torch.tensor([1.0 if flag else 0.0], device=device)
    if world > 1:
        torch.distributed.broadcast(t, src=0)
    return bool(t.item())


#: The ``kind`` in a training folder's marker file (:data:`vecleak.data.atomic.MARKER`).
TRAINING_KIND = "decoder-training"


def mark_training_folder(out: Path) -> None:
    """Create ``out`` and mark it as a training run of vecleak's (checked before a rerun writes into it)."""
    out.mkdir(parents=True, exist_ok=True)
    if not (out / MARKER).is_file():
        atomic_write_text(out / MARKER, json.dumps({"kind": TRAINING_KIND}) + "\n")


def lr_factor(step: int, cfg: TrainingConfig) -> float:
    if step < cfg.warmup:
        return (step + 1) / cfg.warmup
    progress = min(1.0, (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup))
    return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress))


#: What a training state holds: key -> accepted types.
_STATE_FIELDS = {"optimizer": (dict,), "step": (int,), "elapsed_s": (int, float), "torch_rng": (torch.Tensor,)}


def load_training_state(path: Path) -> dict:
    """The ``training_state.pt`` a run wrote, read with ``weights_only=True`` (tensors and plain
    values only: a file asking to unpickle anything else is refused, never run). Raises
    :class:`CheckpointError` with one line, and prints nothing (torch's warnings about the
    file are silenced), for a file that is not such a state."""
    def refuse() -> CheckpointConfigError:
        return CheckpointConfigError.between("{path}: not a training state vecleak wrote, or a corrupt one; it was not "
                                             "loaded (a training state holds only tensors and plain values); start "
                                             "without {resume}", "resume", path=str(path))

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            state = torch.load(path, weights_only=True, map_location="cpu")
    except Exception:  # pickle.UnpicklingError for a foreign object, RuntimeError / EOFError ... for a corrupt file
        raise refuse() from None
    if not isinstance(state, dict) or any(not isinstance(state.get(k), types) or isinstance(state.get(k), bool)
                                          for k, types in _STATE_FIELDS.items()):
        raise refuse()
    return state


def _epoch_order(n: int, epoch: int, seed: int) -> np.ndarray:
    return np.random.default_rng([seed, epoch]).permutation(n)


@preserves_global_rng
def train_decoder(
    decoder: InversionDecoder,
    texts: Sequence[str],
    embeddings: np.ndarray,
    out_dir: str | os.PathLike[str],
    *,
    valid_texts: Sequence[str],
    valid_embeddings: np.ndarray,
    config: TrainingConfig | None = None,
    languages: Sequence[str] | None = None,
    valid_languages: Sequence[str] | None = None,
    resume: bool = False,
    on_log: Callable[[dict], None] | None = None,
    on_step: Callable[[int, float], None] | None = None,
) -> InversionDecoder:
    """Train ``decoder`` on ``texts`` and their attacker ``embeddings (n, d)``.

    Args:
        valid_texts / valid_embeddings: held-out pairs for validation loss and ROUGE-L.
        config: optimisation settings (default: ``TrainingConfig()``).
        languages / valid_languages: ISO 639-3 code of every text, for a language-conditioned
            decoder (one with ``decoder.languages``).
        resume: continue from ``out_dir``'s last checkpoint (same data, same config).
        on_log: called with each log record (step, elapsed_s, losses, ROUGE-L).
        on_step: called after every optimizer step with (step, training loss).

    Data-parallel: under ``torchrun`` / ``accelerate launch`` (a ``torch.distributed`` process
    group, e.g. :func:`init_distributed_from_env`), every process takes its share of each global
    batch of ``config.batch_size``, gradients are summed so the update equals one process's
    (tested with 2 CPU processes on gloo), and only rank 0 evaluates, logs and checkpoints.
    """
    from vecleak.metrics.text import rouge_l

    config = TrainingConfig() if config is None else config
    rank, world = process_rank()
    out = Path(out_dir)
    if len(texts) != len(embeddings):
        raise InputError(f"{len(texts)} texts but {len(embeddings)} embeddings; give one embedding per text")
    if len(texts) < config.batch_size:
        raise ConfigError.between("the corpus has {n} texts, fewer than the batch size {size}; lower {batch_size} or "
                                  "give more texts", "batch_size", owner="TrainingConfig", n=len(texts),
                                  size=config.batch_size)
    torch.manual_seed(config.seed)
    random.seed(config.seed)
    device = training_device(config.device)
    if config.bf16 is not None:
        use_bf16 = config.bf16
    else:
        use_bf16 = torch.cuda.is_bf16_supported() if device.type == "cuda" else bf16_is_fast()
    model = decoder.model.to(device)
    codec = decoder.codec
    languages = decoder.check_languages(languages, len(texts))
    valid_languages = decoder.check_languages(valid_languages, len(valid_texts))
    seqs = codec.encode(texts, languages)
    valid_seqs = codec.encode(valid_texts, valid_languages)
    emb = torch.from_numpy(np.ascontiguousarray(embeddings, dtype=np.float32))
    valid_emb = torch.from_numpy(np.ascontiguousarray(valid_embeddings, dtype=np.float32))

    prefix_params = [p for n, p in model.named_parameters() if n.startswith("prefix.") and p.requires_grad]
    other = [p for n, p in model.named_parameters() if not n.startswith("prefix.") and p.requires_grad]
    opt = torch.optim.AdamW([{"params": other, "lr": config.lr}, {"params": prefix_params, "lr": config.prefix_lr}],
                            weight_decay=config.weight_decay)
    base_lrs = [config.lr, config.prefix_lr]
    step, elapsed_before = 0, 0.0
    state_path = out / STATE_NAME
    if resume:
        if not state_path.is_file():
            raise CheckpointConfigError.between("{path}: nothing to resume (no {state}); drop {resume} to start fresh",
                                                "resume", path=str(out), state=STATE_NAME)
        state = load_training_state(state_path)                   # refused before anything else is read
        loaded = InversionDecoder.load(out)
        try:
            model.load_state_dict(loaded.model.state_dict())      # copied onto the training device
            opt.load_state_dict(state["optimizer"])
            torch.set_rng_state(state["torch_rng"])
        except (KeyError, ValueError, TypeError, RuntimeError):
            raise CheckpointConfigError.between("{path}: the saved run does not match the decoder built for it; resume "
                                                "with the settings the run started with, or start without {resume}",
                                                "resume", path=str(out)) from None
        step, elapsed_before = int(state["step"]), float(state["elapsed_s"])
        if on_log and rank == 0:
            on_log({"step": step, "elapsed_s": elapsed_before, "resumed": True})
    gen = torch.Generator()

    def evaluate() -> dict:
        model.eval()
        with torch.no_grad(), torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_bf16):
            losses = []
            for i in range(0, len(valid_seqs), 128):
                ids, mask = codec.pad(valid_seqs[i:i + 128])
                losses.append(float(model.loss(valid_emb[i:i + 128].to(device), ids.to(device), mask.to(device)))
                              * len(ids))
            k = min(config.valid_decode, len(valid_texts))
            hyps = [c[0] for c in decoder.generate(valid_emb[:k].numpy(), num_beams=1, batch_size=64,
                                                   languages=None if valid_languages is None else valid_languages[:k])]
        model.train()
        return {"valid_loss": sum(losses) / len(valid_seqs),
                "valid_rouge_l": rouge_l(hyps, list(valid_texts[:k])),
                "sample": {"reference": valid_texts[0], "reconstruction": hyps[0]}}

    def checkpoint(elapsed: float) -> None:
        if rank != 0:
            return
        decoder.save(out)
        buf = io.BytesIO()
        torch.save({"optimizer": opt.state_dict(), "step": step, "elapsed_s": elapsed,
                    "torch_rng": torch.get_rng_state(), "config": asdict(config)}, buf)
        atomic_write_bytes(state_path, buf.getvalue())

    def log(record: dict) -> None:
        if rank != 0:
            return
        mark_training_folder(out)
        with open(out / LOG_NAME, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record) + "\n")
        if on_log:
            on_log(record)

    model.train()
    t0 = time.monotonic()
    n = len(seqs)
    per_epoch = n // config.batch_size
    running, running_n = 0.0, 0
    if step == 0 and rank == 0:
        log({"step": 0, "elapsed_s": 0.0, **evaluate()})
    while step < config.steps:
        epoch, pos = divmod(step, per_epoch)
        order = _epoch_order(n, epoch, config.seed)
        idx = order[pos * config.batch_size:(pos + 1) * config.batch_size]
        gen.manual_seed(config.seed * 1_000_003 + step)  # per-step seed: a resumed run draws the same noise
        e = perturb(emb[idx], config.noise_prob, config.noise_max, gen)     # drawn on the CPU: same on any device
        mine = slice(rank, None, world)                  # this process's share of the global batch
        ids, mask = codec.pad([seqs[i] for i in idx[mine]])
        for g, base in zip(opt.param_groups, base_lrs):
            g["lr"] = base * lr_factor(step, config)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_bf16):
            loss_sum, count = model.loss(e[mine].to(device), ids.to(device), mask.to(device), reduction="sum")
        total = all_reduce_sum(torch.tensor([float(count)], device=device), world)
        opt.zero_grad(set_to_none=True)
        (loss_sum / total).backward()                    # summed over processes: the one-process gradient
        sync_gradients(model, world)
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        loss_value = float(all_reduce_sum(loss_sum.detach().float().reshape(1), world) / total)
        if not math.isfinite(loss_value):
            last = (step - 1) // config.checkpoint_every * config.checkpoint_every
            raise TrainingDivergedConfigError.between(
                "training diverged at step {step} (loss {loss}); nothing after step {last} was saved; lower the "
                "learning rate ({lr} / {prefix_lr}) and train again"
                + (" or {resume} from that checkpoint" if last else ""),
                "lr", "prefix_lr", "resume", owner="TrainingConfig", step=step, loss=loss_value, last=last)
        running += loss_value
        running_n += 1
        if on_step and rank == 0:
            on_step(step, loss_value)
        elapsed = elapsed_before + time.monotonic() - t0
        out_of_time = (config.max_minutes is not None and time.monotonic() - t0 > config.max_minutes * 60) \
            or (config.stop_at is not None and step >= config.stop_at)
        if world > 1:                                    # the processes stop together (rank 0's clock decides)
            out_of_time = broadcast_flag(out_of_time, world, device)
        if rank == 0 and (step % config.eval_every == 0 or step == config.steps or out_of_time):
            log({"step": step, "elapsed_s": round(elapsed, 1), "train_loss": running / max(1, running_n),
                 **evaluate()})
            running, running_n = 0.0, 0
        if step % config.checkpoint_every == 0 or step == config.steps or out_of_time:
            checkpoint(elapsed)
        if out_of_time:
            break
    model.eval()
    model.to("cpu")                                      # the decoder is handed back where inference runs
    return decoder
