"""A training state to resume that vecleak did not write is refused in one line, never run, and
nothing else (torch's text, a warning) is printed."""

from __future__ import annotations

import io
import os
import pickle
import warnings

import numpy as np
import pytest
import torch

from conftest import run_cli
from vecleak.decoders import InversionDecoder, TrainingConfig, train_decoder
from vecleak.decoders.training import STATE_NAME
from vecleak.errors import CheckpointError

TINY = {"hidden_size": 32, "num_layers": 1, "num_heads": 2, "intermediate_size": 64, "max_positions": 64,
        "dropout": 0.0}
SPEC = {"name": "toy", "backend": "test", "dim": 16, "pooling": "none", "normalize": True}
TEXTS = ["a dog runs in the park", "two men play chess", "the cat sleeps", "a woman reads a book"] * 2
REFUSAL = "not a training state vecleak wrote, or a corrupt one; it was not loaded"


class _Payload:
    """Unpickling this runs ``os.mkdir(path)``: the mark of a state that was executed."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return os.mkdir, (self.path,)


def _torch_saved(obj) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


def _states(mark: str) -> dict[str, bytes]:
    return {
        "pickle": pickle.dumps({"optimizer": _Payload(mark), "step": 1}, protocol=4),
        "torch-save": _torch_saved({"optimizer": _Payload(mark), "step": 1, "elapsed_s": 0.0}),
        "garbage": b"\x00not a checkpoint at all" * 10,
        "empty": b"",
        "wrong-fields": _torch_saved({"optimizer": [], "step": "7", "elapsed_s": 0.0}),
        "not-a-dict": _torch_saved([1, 2, 3]),
    }


@pytest.mark.parametrize("kind", list(_states("x")))
def test_resume_refuses_a_foreign_state_in_one_line_and_prints_nothing(tmp_path, capfd, kind):
    out, mark = tmp_path / "run", tmp_path / "payload-ran"
    torch.manual_seed(0)
    decoder = InversionDecoder.new(SPEC, shape=TINY, num_prefix=2, max_length=8)
    decoder.save(out)
    (out / STATE_NAME).write_bytes(_states(str(mark))[kind])
    e = np.random.default_rng(0).normal(size=(len(TEXTS), 16)).astype(np.float32)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(CheckpointError) as err:
            train_decoder(decoder, TEXTS, e, out, valid_texts=TEXTS[:2], valid_embeddings=e[:2],
                          config=TrainingConfig(steps=2, batch_size=4), resume=True)
    message = str(err.value)
    assert REFUSAL in message and message.endswith("start without resume") and "\n" not in message
    assert not mark.exists()
    assert [str(w.message) for w in caught] == []
    assert capfd.readouterr() == ("", "")


def test_resume_with_a_state_of_another_architecture_is_one_line(tmp_path, sentences):
    texts = sentences[:8]
    e = np.random.default_rng(0).normal(size=(8, 16)).astype(np.float32)
    config = TrainingConfig(steps=2, batch_size=4, eval_every=2, checkpoint_every=2, valid_decode=2)
    train_decoder(InversionDecoder.new(SPEC, shape=TINY, num_prefix=2, max_length=8), texts, e, tmp_path / "run",
                  valid_texts=texts[:2], valid_embeddings=e[:2], config=config)
    other = InversionDecoder.new(SPEC, shape={**TINY, "hidden_size": 16}, num_prefix=2, max_length=8)
    with pytest.raises(CheckpointError, match="does not match the decoder built for it") as err:
        train_decoder(other, texts, e, tmp_path / "run", valid_texts=texts[:2], valid_embeddings=e[:2],
                      config=TrainingConfig(steps=4, batch_size=4), resume=True)
    assert "\n" not in str(err.value)


def test_cli_train_decoder_refuses_a_pickled_resume_state_with_one_line(capsys, tmp_path, sentences):
    (tmp_path / "train.txt").write_text("\n".join(sentences[:30]) + "\n", encoding="utf-8")
    (tmp_path / "test.txt").write_text("\n".join(sentences[30:36]) + "\n", encoding="utf-8")
    out, mark = tmp_path / "run", tmp_path / "payload-ran"
    out.mkdir()
    (out / STATE_NAME).write_bytes(_states(str(mark))["pickle"])
    code, _, err = run_cli(capsys, "train-decoder", "--corpus", tmp_path / "train.txt", "--valid",
                           tmp_path / "test.txt", "--out", out, "--resume", "--batch-size", 8,
                           "--cache", tmp_path / "cache")
    assert code == 2
    assert err.strip().splitlines() == [f"vecleak: error: {out / STATE_NAME}: {REFUSAL} (a training state holds "
                                        "only tensors and plain values); start without --resume"]
    assert not mark.exists()
