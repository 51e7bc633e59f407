"""Learned projection defenses (Eguard's g_p): ``e (n, d) -> ê (n, d)``, saved as a folder.

Two networks, both residual (``ê = e + f(e)`` with ``f``'s last layer zero-initialized, so an
untrained projector is the identity and training starts from full utility), with the output
scaled to unit L2 norm (``normalize=True``, the default: protected vectors keep the victim's
convention, and a network trained against a critic cannot run off to huge norms). Both work in
standardized units: the residual branch reads ``scale · e`` and its output is divided by
``scale`` (``scale`` = 1 / the coordinate standard deviation of the training vectors), so one
learning rate suits encoders whose coordinates are ~1/sqrt(d):

* :class:`ChunkTransformer` reads ``e`` as ``d / chunk`` tokens of ``chunk`` coordinates
  (384 = 12 × 32, 512 = 16 × 32), runs a small transformer encoder over them and writes each
  token back to its chunk: the paper's transformer projector, scaled to a CPU.
* :class:`MLPProjector`: one hidden layer, for the ablation.

A trained defense folder holds ``defense.json`` (the network's configuration, the encoder and
task it was trained for, training settings and measurements) and ``projection.safetensors``.
Loading reads weights with safetensors only: nothing in the folder is unpickled.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file
import torch.nn.functional as F
from torch import nn

from vecleak.data.atomic import write_model_folder
from vecleak.data.finite import check_finite_state
from vecleak.data.vectors import check_vectors
from vecleak.configs import ARCHITECTURES
from vecleak.defenses.base import TRAINED_DEFENSE_FILE, Defense
from vecleak.errors import CheckpointError, ConfigError, DimensionMismatchError, InputError

WEIGHTS_FILE = "projection.safetensors"


class ChunkTransformer(nn.Module):
    """``(n, d)`` -> ``(n, d)``: ``d / chunk`` chunk tokens through a ``layers``-deep transformer encoder."""

    def __init__(self, dim: int, *, chunk: int = 32, width: int = 64, layers: int = 2, heads: int = 4,
                 normalize: bool = True, scale: float = 1.0) -> None:
        super().__init__()
        self.normalize, self.scale = normalize, scale
        if dim % chunk:
            raise ConfigError.between("the transformer projector needs a dimension divisible by chunk={chunk}, got "
                                      "{dim}; use {architecture} mlp (or another chunk size)", "architecture",
                                      owner="EguardConfig", chunk=chunk, dim=dim)
        self.dim, self.chunk, self.tokens = dim, chunk, dim // chunk
        self.read = nn.Linear(chunk, width)
        self.position = nn.Parameter(torch.zeros(self.tokens, width))
        layer = nn.TransformerEncoderLayer(width, heads, dim_feedforward=2 * width, dropout=0.0, batch_first=True,
                                           norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.write = nn.Linear(width, chunk)
        nn.init.zeros_(self.write.weight)
        nn.init.zeros_(self.write.bias)

    def forward(self, e: torch.Tensor) -> torch.Tensor:
        h = self.read(self.scale * e.reshape(len(e), self.tokens, self.chunk)) + self.position
        out = e + self.write(self.encoder(h)).reshape(len(e), self.dim) / self.scale
        return F.normalize(out, dim=1) if self.normalize else out


class MLPProjector(nn.Module):
    """``(n, d)`` -> ``(n, d)``: ``e + W2 gelu(W1 scale·e) / scale`` (then unit-normalized)."""

    def __init__(self, dim: int, *, hidden: int = 512, normalize: bool = True, scale: float = 1.0) -> None:
        super().__init__()
        self.dim, self.normalize, self.scale = dim, normalize, scale
        self.net = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim))
        nn.init.zeros_(self.net[2].weight)
        nn.init.zeros_(self.net[2].bias)

    def forward(self, e: torch.Tensor) -> torch.Tensor:
        out = e + self.net(self.scale * e) / self.scale
        return F.normalize(out, dim=1) if self.normalize else out


def build_projector(architecture: str, dim: int, **params: Any) -> nn.Module:
    """A projector by name (``transformer`` or ``mlp``) for ``dim``-dimensional vectors."""
    if architecture == "transformer":
        return ChunkTransformer(dim, **params)
    if architecture == "mlp":
        return MLPProjector(dim, **params)
    raise InputError(f"unknown projector architecture '{architecture}'; use one of {', '.join(ARCHITECTURES)}")


class ProjectionDefense(Defense):
    """A trained projector as a :class:`Defense` (deterministic; ``fit`` learns nothing more).

    Args:
        projector: the network, ``(n, d) -> (n, d)``.
        config: ``{"architecture": ..., "dim": d, "params": {...}}``, enough to rebuild it.
        info: what else ``defense.json`` records (encoder spec, task, losses, timings).
    """

    name = "eguard"

    def __init__(self, projector: nn.Module, config: dict[str, Any], info: dict[str, Any] | None = None) -> None:
        self.projector = projector.eval()
        self.config = config
        self.info = dict(info or {})

    @property
    def dim(self) -> int:
        return int(self.config["dim"])

    def transform(self, E: np.ndarray, *, generator: np.random.Generator | None = None,
                  batch_size: int = 4096) -> np.ndarray:
        """Project ``E: (n, d)`` -> ``(n, d)`` float32."""
        x = check_vectors(E, name="eguard input")
        if x.shape[1] != self.dim:
            raise DimensionMismatchError(
                f"this defense projects {self.dim}-d vectors, got {x.shape[1]}-d; use the encoder it was trained for "
                f"({(self.info.get('encoder') or {}).get('name', 'see defense.json')})")
        with torch.no_grad():
            parts = [self.projector(torch.from_numpy(x[i:i + batch_size])) for i in range(0, len(x), batch_size)]
        return torch.cat(parts).numpy().astype(np.float32) if parts else x.copy()

    def _params(self) -> dict[str, Any]:
        return {"architecture": self.config["architecture"], **{k: v for k, v in self.info.items()
                                                                  if k in ("encoder", "task", "alpha", "beta")}}

    def save(self, folder: str | os.PathLike[str]) -> Path:
        """Write ``defense.json`` and ``projection.safetensors`` into ``folder`` atomically."""
        meta = {"name": self.name, "format": 1, "projector": self.config, **self.info}
        check_finite_state(self.projector.state_dict(), f"the {self.name} projection", fix="its training diverged; "
                           "train again with other settings (nothing was saved)")
        return write_model_folder(folder, json_files={TRAINED_DEFENSE_FILE: meta},
                                  tensor_files={WEIGHTS_FILE: self.projector.state_dict()})

    @classmethod
    def load(cls, folder: str | os.PathLike[str]) -> ProjectionDefense:
        """Rebuild a saved projection defense (safetensors weights, JSON configuration)."""
        folder = Path(folder)
        try:
            meta = json.loads((folder / TRAINED_DEFENSE_FILE).read_text(encoding="utf-8"))
            config = meta.pop("projector")
            meta.pop("name", None), meta.pop("format", None)
            net = build_projector(config["architecture"], int(config["dim"]), **config.get("params", {}))
            weights = load_file(str(folder / WEIGHTS_FILE))
            check_finite_state(weights, str(folder / WEIGHTS_FILE), fix="retrain it with 'vecleak defend train'")
            net.load_state_dict(weights)
        except CheckpointError:
            raise
        except (OSError, KeyError, TypeError, ValueError, RuntimeError, AttributeError, SafetensorError) as err:
            raise CheckpointError(f"{folder}: not a readable trained defense ({type(err).__name__}: "
                                  f"{str(err).splitlines()[0][:120]}); retrain it with 'vecleak defend train'") from err
        return cls(net, config, meta)
