from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def minilm():
    from vecleak.encoders import load_encoder

    return load_encoder("minilm")


@pytest.fixture(scope="session")
def sentences() -> list[str]:
    """40 real English sentences (STSb train; see fixtures/README.md)."""
    return (FIXTURES / "sentences.txt").read_text(encoding="utf-8").splitlines()


#: A decoder small enough to build in a blink: exercises whole pipelines, reconstructs nothing.
TINY_SHAPE = {"hidden_size": 32, "num_layers": 1, "num_heads": 2, "intermediate_size": 64, "max_positions": 64,
              "dropout": 0.0}


@pytest.fixture(scope="session")
def tiny_decoder(tmp_path_factory, minilm):
    """An untrained decoder folder for MiniLM's space."""
    from vecleak.decoders import InversionDecoder

    path = tmp_path_factory.mktemp("tiny-decoder")
    InversionDecoder.new(minilm.spec(), shape=TINY_SHAPE, num_prefix=2, max_length=8).save(path)
    return path
