"""Data-parallel decoder training (torchrun / accelerate): 2 CPU processes on gloo follow the
same loss curve as one process at the same global batch."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.multiprocessing as mp

TINY = {"hidden_size": 32, "num_layers": 1, "num_heads": 2, "intermediate_size": 64, "max_positions": 64,
        "dropout": 0.0}   # no dropout: the processes' dropout masks cannot match one process's
SPEC = {"name": "toy", "backend": "test", "dim": 8, "pooling": "none", "normalize": True}


def _run(rank: int, world: int, port: int, texts: list[str], out: str) -> None:
    from vecleak.decoders import InversionDecoder, TrainingConfig, train_decoder

    if world > 1:
        os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), WORLD_SIZE=str(world))
        torch.distributed.init_process_group("gloo", rank=rank, world_size=world)
    torch.set_num_threads(1)
    torch.manual_seed(0)
    dec = InversionDecoder.new(SPEC, shape=TINY, num_prefix=1, max_length=12)
    emb = np.random.default_rng(1).normal(size=(len(texts), 8)).astype(np.float32)
    losses: list[float] = []
    cfg = TrainingConfig(steps=6, batch_size=8, lr=1e-3, prefix_lr=1e-3, warmup=2, noise_prob=0.5, eval_every=6,
                         checkpoint_every=6, valid_decode=2, bf16=False, seed=5)
    train_decoder(dec, texts, emb, Path(out) / "run", valid_texts=texts[:2], valid_embeddings=emb[:2], config=cfg,
                  on_step=lambda step, loss: losses.append(loss))
    if rank == 0:
        (Path(out) / "losses.json").write_text(json.dumps(losses))
    if world > 1:
        torch.distributed.destroy_process_group()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_two_gloo_processes_match_one_process(tmp_path, sentences):
    texts = sentences[:24]
    _run(0, 1, 0, texts, str(tmp_path / "one"))
    mp.start_processes(_run, args=(2, _free_port(), texts, str(tmp_path / "two")), nprocs=2, start_method="spawn")
    one = json.loads((tmp_path / "one" / "losses.json").read_text())
    two = json.loads((tmp_path / "two" / "losses.json").read_text())
    assert len(one) == len(two) == 6
    assert np.allclose(one, two, rtol=1e-4, atol=1e-5), (one, two)
    assert one[-1] < one[0]      # it trained
    assert (tmp_path / "two" / "run" / "log.jsonl").read_text().count("\n") == 2   # rank 0 logged, once each
