"""A trained inversion decoder: attacker embeddings ``(n, d)`` in, texts out; saved as safetensors."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import torch

from vecleak.data.atomic import atomic_write_bytes, atomic_write_text
from vecleak.data.vectors import check_vectors
from vecleak.decoders.causal_lm import build_causal_lm_decoder
from vecleak.decoders.prefix_decoder import DecoderConfig, PrefixDecoder, build_bert_causal
from vecleak.decoders.sources import load_bert_state, load_tokenizer, tensor_digest
from vecleak.decoders.tokenization import TextCodec
from vecleak.errors import CheckpointError

CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"
_FROZEN = ("backbone.embeddings.word_embeddings.weight",)


class InversionDecoder:
    """Generates text from attacker-space embeddings.

    Build a fresh one with :meth:`new`, a saved one with :meth:`load`; ``generate`` takes
    ``(n, d)`` vectors of the attacker encoder this decoder was trained for.
    """

    def __init__(self, model: PrefixDecoder, codec: TextCodec) -> None:
        self.model = model
        self.codec = codec

    @property
    def config(self) -> DecoderConfig:
        return self.model.config

    @property
    def encoder_spec(self) -> dict[str, Any]:
        return dict(self.model.config.encoder)

    @classmethod
    def new(cls, encoder_spec: dict[str, Any], *, backbone: str = "bert-causal", source: str = "minilm",
            num_prefix: int = 6, max_length: int = 32, shape: dict[str, Any] | None = None) -> InversionDecoder:
        """An untrained decoder warm-started from ``source``'s pretrained weights.

        ``shape`` (``bert-causal`` only) builds a randomly initialised backbone of other sizes
        (see :class:`BertShape`) that keeps only ``source``'s tokenizer: for tests and ablations.
        """
        if backbone == "hf-causal-lm":
            return cls(*build_causal_lm_decoder(encoder_spec, source=source, num_prefix=num_prefix,
                                                max_length=max_length))
        if backbone != "bert-causal":
            raise CheckpointError(f"unknown decoder backbone '{backbone}'; use 'bert-causal' or 'hf-causal-lm'")
        config = DecoderConfig(encoder=dict(encoder_spec), backbone=backbone, backbone_source=source,
                               num_prefix=num_prefix, max_length=max_length, shape=shape)
        codec = TextCodec(load_tokenizer(source), max_length=max_length)
        model = build_bert_causal(config, codec.vocab_size, bos_id=codec.bos_id, eos_id=codec.eos_id,
                                  pad_id=codec.pad_id)
        if shape is not None:
            return cls(model, codec)
        model.backbone.load_pretrained(load_bert_state(source))
        for name, p in model.named_parameters():
            if name in _FROZEN:
                p.requires_grad_(False)
                config.frozen[name] = tensor_digest(p)
        return cls(model, codec)

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | os.PathLike[str], *, dtype: torch.dtype = torch.float32) -> Path:
        """Write ``config.json`` and ``model.safetensors`` (frozen weights left out) into ``path``."""
        from safetensors.torch import save

        path = Path(path)
        state = {k: v.detach().to(dtype).contiguous() for k, v in self.model.state_dict().items()
                 if k not in self.config.frozen}
        atomic_write_bytes(path / WEIGHTS_NAME, save(state, metadata={"format": "pt"}))
        atomic_write_text(path / CONFIG_NAME, json.dumps(self.config.to_dict(), indent=2) + "\n")
        return path

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> InversionDecoder:
        """Load a decoder saved by :meth:`save`; raises :class:`CheckpointError` when it is unusable."""
        from safetensors import SafetensorError
        from safetensors.torch import load_file

        path = Path(path)
        cfg_path, w_path = path / CONFIG_NAME, path / WEIGHTS_NAME
        if not cfg_path.is_file() or not w_path.is_file():
            raise CheckpointError(f"{path}: not a decoder folder (needs {CONFIG_NAME} and {WEIGHTS_NAME}); "
                                  "train one with 'vecleak train-decoder' or use 'default'")
        try:
            config = DecoderConfig.from_dict(json.loads(cfg_path.read_text(encoding="utf-8")))
        except (json.JSONDecodeError, TypeError, UnicodeDecodeError) as err:
            raise CheckpointError(f"{cfg_path}: corrupt decoder config ({err}); re-save the decoder") from None
        try:
            state = load_file(str(w_path))
        except (SafetensorError, OSError, ValueError) as err:
            raise CheckpointError(f"{w_path}: corrupt or unreadable weights ({err}); re-train or re-download") from None
        decoder = cls.new(config.encoder, backbone=config.backbone, source=config.backbone_source,
                          num_prefix=config.num_prefix, max_length=config.max_length, shape=config.shape)
        for name, digest in config.frozen.items():
            if decoder.config.frozen.get(name) != digest:
                raise CheckpointError(
                    f"{path}: frozen weight '{name}' differs from the one in backbone source "
                    f"'{config.backbone_source}'; install the same model version the decoder was trained with"
                )
        own = decoder.model.state_dict()
        expected = {k for k in own if k not in config.frozen}
        if set(state) != expected:
            missing = sorted(expected - set(state))[:3]
            extra = sorted(set(state) - expected)[:3]
            raise CheckpointError(f"{w_path}: weights do not match the config (missing {missing}, unexpected {extra}); "
                                  "the folder mixes files of different decoders")
        for k, v in state.items():
            if own[k].shape != v.shape:
                raise CheckpointError(f"{w_path}: '{k}' has shape {tuple(v.shape)}, expected {tuple(own[k].shape)}")
        decoder.model.load_state_dict({k: v.float() for k, v in state.items()}, strict=False)
        decoder.model.config.frozen = dict(config.frozen)
        decoder.model.eval()
        return decoder

    # ------------------------------------------------------------------ generation
    @torch.no_grad()
    def generate(self, embeddings: np.ndarray, *, num_beams: int = 1, num_candidates: int = 1,
                 batch_size: int = 32, length_penalty: float = 1.0) -> list[list[str]]:
        """Decode ``embeddings (n, d)``; returns ``n`` lists of ``num_candidates`` texts, best first."""
        e = check_vectors(embeddings, name="embeddings to decode", dim=self.model.embedding_dim)
        self.model.eval()
        out: list[list[str]] = []
        for start in range(0, len(e), batch_size):
            batch = torch.from_numpy(e[start:start + batch_size])
            ids, _ = self.model.generate_ids(batch, num_beams=num_beams, num_return=num_candidates,
                                             length_penalty=length_penalty)
            texts = self.codec.decode(ids.reshape(-1, ids.shape[-1]))
            out.extend(texts[i:i + num_candidates] for i in range(0, len(texts), num_candidates))
        return out
