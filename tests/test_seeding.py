"""Seeded library calls leave the caller's global random state untouched (opacus-style)."""

from __future__ import annotations

import random

import numpy as np
import torch

from vecleak.decoders import InversionDecoder, TrainingConfig, train_decoder
from vecleak.classifiers.text_autoencoder import BagOfWordsAutoencoder

TINY = {"hidden_size": 32, "num_layers": 1, "num_heads": 2, "intermediate_size": 64, "max_positions": 64,
        "dropout": 0.1}
SPEC = {"name": "toy", "backend": "test", "dim": 8, "pooling": "none", "normalize": True}


def _draws() -> tuple[float, float, float]:
    return float(torch.rand(1)), random.random(), float(np.random.rand())


def _after(call) -> tuple[float, float, float]:
    torch.manual_seed(123)
    random.seed(123)
    np.random.seed(123)
    call()
    return _draws()


def test_training_a_decoder_leaves_the_callers_rng_alone(tmp_path, sentences):
    texts = sentences[:8]
    emb = np.random.default_rng(0).normal(size=(8, 8)).astype(np.float32)
    dec = InversionDecoder.new(SPEC, shape=TINY, num_prefix=1, max_length=8)
    cfg = TrainingConfig(steps=2, batch_size=4, warmup=1, eval_every=2, checkpoint_every=2, valid_decode=2, seed=7)
    untouched = _after(lambda: None)
    assert _after(lambda: train_decoder(dec, texts, emb, tmp_path / "r", valid_texts=texts[:2],
                                        valid_embeddings=emb[:2], config=cfg)) == untouched


def test_training_the_text_autoencoder_leaves_the_callers_rng_alone(sentences):
    untouched = _after(lambda: None)
    assert _after(lambda: BagOfWordsAutoencoder.train_on(sentences[:20], latent_dim=4, epochs=1, seed=3)) == untouched


def test_token_vocabulary_does_not_depend_on_the_hash_seed(sentences):
    """Tied words keep their first-appearance order in every process (a ``set`` would not)."""
    import json
    import os
    import subprocess
    import sys

    code = ("import json, sys; from vecleak.classifiers.token_set import TokenVocabulary; "
            "print(json.dumps(TokenVocabulary.build(json.load(sys.stdin), max_size=50).words))")
    texts = json.dumps(sentences[:40])
    words = [json.loads(subprocess.run([sys.executable, "-c", code], input=texts, capture_output=True, text=True,
                                       env={**os.environ, "PYTHONHASHSEED": seed}, check=True).stdout)
             for seed in ("1", "2", "3")]
    assert words[0] == words[1] == words[2]
    assert len(words[0]) == 50
