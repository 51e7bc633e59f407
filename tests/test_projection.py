"""Projection defenses: identity at initialization, save/load, registry and sentence-transformers use."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from vecleak.defenses import load_defense
from vecleak.defenses.projection import ChunkTransformer, MLPProjector, ProjectionDefense, build_projector
from vecleak.errors import CheckpointError, DimensionMismatchError, InputError


def _unit(n: int, d: int, seed: int = 0) -> np.ndarray:
    x = np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def _trained_like(architecture: str, d: int = 64) -> ProjectionDefense:
    torch.manual_seed(0)
    net = build_projector(architecture, d, scale=8.0)
    for p in net.parameters():                       # move every weight off its initialization
        torch.nn.init.normal_(p, std=0.05)
    return ProjectionDefense(net, {"architecture": architecture, "dim": d, "params": {"scale": 8.0}},
                             {"encoder": {"name": "toy"}, "task": "sst2"})


@pytest.mark.parametrize("net", [ChunkTransformer(64, chunk=16), MLPProjector(64, hidden=32)])
def test_an_untrained_projector_is_the_identity_on_unit_vectors(net):
    x = torch.from_numpy(_unit(5, 64))
    with torch.no_grad():
        assert torch.allclose(net(x), x, atol=1e-6)


@pytest.mark.parametrize("architecture", ["transformer", "mlp"])
def test_save_load_round_trip_and_registry(tmp_path, architecture):
    defense = _trained_like(architecture)
    E = _unit(7, 64)
    out = defense.transform(E)
    assert out.shape == (7, 64) and not np.allclose(out, E, atol=1e-3)
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
    defense.save(tmp_path / "d")
    meta = json.loads((tmp_path / "d" / "defense.json").read_text())
    assert meta["name"] == "eguard" and meta["projector"]["architecture"] == architecture
    for loaded in (ProjectionDefense.load(tmp_path / "d"), load_defense(str(tmp_path / "d"))):
        np.testing.assert_allclose(loaded.transform(E), out, atol=1e-6)
        assert loaded.spec()["task"] == "sst2"


def test_bad_folders_and_dimensions_are_one_line_errors(tmp_path):
    with pytest.raises(InputError, match="defend train"):
        load_defense(str(tmp_path))                                     # a folder without defense.json
    (tmp_path / "defense.json").write_text("{not json")
    with pytest.raises(CheckpointError, match="not a readable trained defense"):
        load_defense(str(tmp_path))
    with pytest.raises(DimensionMismatchError, match="64-d vectors, got 32-d"):
        _trained_like("mlp").transform(_unit(2, 32))
    with pytest.raises(InputError, match="divisible by chunk"):
        build_projector("transformer", 100)
    with pytest.raises(InputError, match="unknown projector"):
        build_projector("lstm", 64)


def test_sentence_transformers_module_protects_model_encode(tmp_path, minilm):
    from sentence_transformers import SentenceTransformer

    from vecleak.defenses.st_module import ProtectedEmbedding

    defense = _trained_like("transformer", d=384)
    defense.save(tmp_path / "defense")
    model = SentenceTransformer(minilm.source, device="cpu")
    texts = ["a protected sentence", "another one"]
    expected = defense.transform(model.encode(texts))
    model.append(ProtectedEmbedding.from_folder(tmp_path / "defense"))
    np.testing.assert_allclose(model.encode(texts), expected, atol=1e-5)
    model.save(str(tmp_path / "model"))
    # sentence-transformers imports a module class from outside its package only when told to
    reloaded = SentenceTransformer(str(tmp_path / "model"), device="cpu", trust_remote_code=True)
    np.testing.assert_allclose(reloaded.encode(texts), expected, atol=1e-5)
