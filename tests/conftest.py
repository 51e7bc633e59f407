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


def run_cli(capsys, *args) -> tuple[int, str, str]:
    """Run ``vecleak ARGS`` in-process: (exit code, stdout, stderr)."""
    from vecleak.cli.main import main

    with pytest.raises(SystemExit) as exit_info:
        main([str(a) for a in args])
    captured = capsys.readouterr()
    return exit_info.value.code, captured.out, captured.err


def run_cli_err(capsys, *args) -> tuple[int, str]:
    """:func:`run_cli` without stdout: (exit code, stderr)."""
    code, _, err = run_cli(capsys, *args)
    return code, err


def assert_clean_failure(code: int, err: str, out: Path | None, needle: str) -> None:
    """Exit code 2, one line on stderr containing ``needle``, no traceback, ``out`` not written."""
    assert code == 2, err
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    assert needle in lines[0], lines[0]
    if out is not None:
        assert not out.exists()
