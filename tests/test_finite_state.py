"""Nothing NaN is trained on, saved, loaded or written: a diverged model is an error, never "no leak"."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest
import torch

from conftest import TINY_SHAPE, run_cli
from vecleak.configs import AuditConfig, EguardConfig, LagoConfig, TrainingConfig
from vecleak.constraints import ConfigError
from vecleak.data.atomic import output_lock
from vecleak.decoders import InversionDecoder
from vecleak.decoders.training import train_decoder
from vecleak.errors import CheckpointError, InputError, TrainingDivergedError


@pytest.mark.parametrize("config, field, value", [
    (TrainingConfig, "lr", float("nan")), (TrainingConfig, "noise_prob", 1.5), (TrainingConfig, "max_minutes", -1.0),
    (TrainingConfig, "steps", 0), (EguardConfig, "alpha", float("nan")), (EguardConfig, "lr", float("inf")),
    (LagoConfig, "eta", float("nan")), (LagoConfig, "theta", 0.0), (AuditConfig, "min_recall", float("nan")),
    (AuditConfig, "sample", 0), (AuditConfig, "shots", (10, -1)),
])
def test_configs_refuse_non_finite_and_out_of_range(config, field, value):
    with pytest.raises(ConfigError) as err:
        config(**{field: value})
    assert err.value.field == field and "\n" not in str(err.value)
    assert str(err.value).startswith(field)              # the library's own name, not a CLI flag


def test_lago_box_width_may_be_infinite():
    assert LagoConfig(box_epsilon=float("inf")).box_epsilon == float("inf")   # eps -> inf is ALGEN
    with pytest.warns(DeprecationWarning, match="box_epsilon"):              # the old name still works
        assert LagoConfig(epsilon=float("inf")).box_epsilon == float("inf")


def _nan_weights(decoder: InversionDecoder) -> None:
    with torch.no_grad():
        next(p for n, p in decoder.model.named_parameters() if n.startswith("prefix.")).fill_(float("nan"))


def test_decoder_with_nan_weights_is_neither_saved_nor_loaded(tmp_path, minilm, tiny_decoder):
    decoder = InversionDecoder.new(minilm.spec(), shape=TINY_SHAPE, num_prefix=2, max_length=8)
    _nan_weights(decoder)
    with pytest.raises(CheckpointError, match="NaN or inf"):
        decoder.save(tmp_path / "dec")
    assert not (tmp_path / "dec" / "model.safetensors").exists()
    # a folder written by someone else with NaN weights: refused on load
    from safetensors.torch import load_file, save_file

    bad = tmp_path / "bad"
    bad.mkdir()
    for f in tiny_decoder.iterdir():
        (bad / f.name).write_bytes(f.read_bytes())
    state = load_file(str(bad / "model.safetensors"))
    first = sorted(state)[0]
    state[first] = torch.full_like(state[first], float("nan"))
    save_file(state, str(bad / "model.safetensors"))
    with pytest.raises(CheckpointError, match="NaN or inf"):
        InversionDecoder.load(bad)


def test_training_stops_when_the_loss_is_not_finite(tmp_path, minilm, sentences, monkeypatch):
    decoder = InversionDecoder.new(minilm.spec(), shape=TINY_SHAPE, num_prefix=2, max_length=8)
    emb = minilm.encode(sentences[:24])
    real_loss = decoder.model.loss
    calls = {"n": 0}

    def diverging(*args, **kwargs):                       # the third training step overflows
        result = real_loss(*args, **kwargs)
        if kwargs.get("reduction") != "sum":              # validation: the mean loss, left alone
            return result
        calls["n"] += 1
        loss, count = result
        return (loss * float("nan"), count) if calls["n"] >= 3 else (loss, count)

    monkeypatch.setattr(decoder.model, "loss", diverging)
    cfg = TrainingConfig(steps=6, batch_size=8, warmup=1, eval_every=100, checkpoint_every=1, valid_decode=2)
    with pytest.raises(TrainingDivergedError, match="diverged at step 3"):
        train_decoder(decoder, sentences[:24], emb, tmp_path / "run", valid_texts=sentences[24:28],
                      valid_embeddings=minilm.encode(sentences[24:28]), config=cfg)
    saved = InversionDecoder.load(tmp_path / "run")          # the last checkpoint before it is intact
    assert all(torch.isfinite(p).all() for p in saved.model.parameters())
    state = torch.load(tmp_path / "run" / "training_state.pt", weights_only=True)
    assert state["step"] == 2


def test_fitted_defense_with_nan_state_is_refused(tmp_path):
    from vecleak.defenses import load_defense
    from vecleak.defenses.fitted import save_fitted

    pca = load_defense("pca", n_components=2).fit(np.random.default_rng(0).normal(size=(20, 6)).astype(np.float32))
    save_fitted(pca, tmp_path / "ok")
    from safetensors.numpy import load_file, save_file

    arrays = load_file(str(tmp_path / "ok" / "state.safetensors"))
    name = sorted(arrays)[0]
    arrays[name] = np.full_like(arrays[name], np.nan)
    save_file(arrays, str(tmp_path / "ok" / "state.safetensors"))
    with pytest.raises(CheckpointError, match="NaN or inf"):
        load_defense(str(tmp_path / "ok"))
    setattr(pca, name, arrays[name])
    with pytest.raises(CheckpointError, match="NaN or inf"):
        save_fitted(pca, tmp_path / "again")
    assert not (tmp_path / "again").exists()


def test_projection_with_nan_weights_is_refused(tmp_path):
    from vecleak.defenses.projection import ProjectionDefense, build_projector

    net = build_projector("mlp", 8)
    with torch.no_grad():
        next(net.parameters()).fill_(float("nan"))
    defense = ProjectionDefense(net, {"architecture": "mlp", "dim": 8, "params": {}}, {"method": "eguard"})
    with pytest.raises(CheckpointError, match="NaN or inf"):
        defense.save(tmp_path / "proj")
    assert not (tmp_path / "proj").exists()


def test_defend_apply_refuses_a_nan_defense_folder(tmp_path, capsys):
    """The CLI path of the finding: a NaN state never becomes 'wrote N protected vectors'."""
    np.save(tmp_path / "v.npy", np.random.default_rng(1).normal(size=(10, 6)).astype(np.float32))
    assert run_cli(capsys, "defend", "fit", "--defense", "pca", "--param", "n_components=2", "--in",
                   tmp_path / "v.npy", "--out", tmp_path / "pca")[0] == 0
    from safetensors.numpy import load_file, save_file

    arrays = load_file(str(tmp_path / "pca" / "state.safetensors"))
    arrays = {k: np.full_like(v, np.nan) for k, v in arrays.items()}
    save_file(arrays, str(tmp_path / "pca" / "state.safetensors"))
    code, out, err = run_cli(capsys, "defend", "apply", "--defense", tmp_path / "pca", "--in", tmp_path / "v.npy",
                             "--out", tmp_path / "p.npy")
    assert code == 2 and "NaN or inf" in err and "wrote" not in out
    assert not (tmp_path / "p.npy").exists()


def test_a_second_run_into_a_locked_output_is_refused(tmp_path):
    out = tmp_path / "audit"
    with output_lock(out):
        with pytest.raises(InputError, match="another vecleak run"):
            with output_lock(out):
                pass
    with output_lock(out):                                 # released: usable again, lock file gone after
        pass
    assert not (tmp_path / ".audit.lock").exists()


def test_two_audits_into_one_folder_at_once(tmp_path, store_rows):
    """The second audit into the same --out is refused while the first holds it."""
    from vecleak.audit import run_audit
    from vecleak.stores.files import ArrayStore

    store = ArrayStore(store_rows["vectors"][:50], store_rows["texts"][:50], ["eng"] * 50)
    out = tmp_path / "audit"
    held, release = threading.Event(), threading.Event()

    def first() -> None:
        with output_lock(out):
            held.set()
            release.wait(30)

    thread = threading.Thread(target=first)
    thread.start()
    held.wait(30)
    try:
        with pytest.raises(InputError, match="another vecleak run"):
            run_audit(store, AuditConfig(sample=10, shots=(10,)), out=out)
    finally:
        release.set()
        thread.join()
    assert not out.exists()
