"""Pretrained backbones and tokenizers that ship offline, by name."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import torch

from vecleak.errors import CheckpointError


def source_folder(source: str) -> Path:
    """The model folder of a backbone source (``"minilm"`` or a local folder)."""
    if source == "minilm":
        from vecleak.encoders.sentence_transformers import minilm_path

        return minilm_path()
    path = Path(source)
    if not path.exists():
        raise CheckpointError(f"backbone source '{source}' not found; use 'minilm' or a local model folder")
    return path


def load_tokenizer(source: str):
    """The fast tokenizer that belongs to ``source``."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(source_folder(source)))


def load_bert_state(source: str) -> dict[str, torch.Tensor]:
    """The BERT weights of ``source`` (safetensors only)."""
    from safetensors.torch import load_file

    path = source_folder(source) / "model.safetensors"
    if not path.is_file():
        raise CheckpointError(f"{path}: no model.safetensors in backbone source '{source}'")
    return load_file(str(path))


def tensor_digest(t: torch.Tensor) -> str:
    """SHA-256 of a tensor's float32 bytes: proves a frozen weight is the one trained with."""
    return hashlib.sha256(t.detach().to(torch.float32).contiguous().numpy().tobytes()).hexdigest()
