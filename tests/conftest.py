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
