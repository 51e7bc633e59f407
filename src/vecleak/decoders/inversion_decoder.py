"""A trained inversion decoder: attacker embeddings ``(n, d)`` in, texts out; saved as safetensors."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from vecleak.configs import ArchitectureConfig as _ARCH
from vecleak.data.atomic import atomic_write_bytes, atomic_write_text
from vecleak.data.finite import check_finite_state
from vecleak.data.vectors import check_vectors
from vecleak.decoders import bert_causal, causal_lm  # noqa: F401  (the shipped backbones register)
from vecleak.decoders.backbone import build_backbone, freeze_and_digest
from vecleak.decoders.catalog import SHIPPED_DECODERS, decoder_folder
from vecleak.decoders.prefix_decoder import DecoderConfig, PrefixDecoder
from vecleak.decoders.tokenization import TextCodec
from vecleak.errors import CheckpointError, ConfigError, InputError

CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"
TOKENIZER_NAME = "tokenizer.json"


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

    @property
    def languages(self) -> list[str]:
        """ISO 639-3 codes this decoder writes (empty: not language-conditioned)."""
        return list(self.model.config.languages)

    @classmethod
    def new(cls, encoder_spec: dict[str, Any], *, backbone: str = _ARCH.backbone, source: str = _ARCH.source,
            num_prefix: int = _ARCH.num_prefix, max_length: int = _ARCH.max_length, shape: dict[str, Any] | None = None,
            tokenizer=None, warm_start: bool = True, kept_ids: Sequence[int] = (),
            languages: Sequence[str] = (), trainable_layers: int | None = None) -> InversionDecoder:
        """An untrained decoder on the backbone registered as ``backbone``
        (:func:`~vecleak.decoders.backbone.register_backbone`), warm-started from ``source``'s
        pretrained weights.

        ``shape`` (``bert-causal`` only) builds a randomly initialised backbone of other sizes
        (see :class:`BertShape`) that keeps only ``source``'s tokenizer: for tests and ablations.
        ``tokenizer`` (``bert-causal`` only): a vocabulary of the decoder's own (see
        :func:`vecleak.decoders.vocabulary.train_tokenizer`); its ``<xxx>`` language tokens make
        the decoder language-conditioned, and its word embeddings start from ``source``'s by
        :func:`~vecleak.decoders.vocabulary.transfer_embeddings` and are trained and saved.
        ``warm_start=False`` (with ``tokenizer``) skips that initialisation, for :meth:`load`,
        which overwrites every weight anyway.
        ``kept_ids``, ``languages``, ``trainable_layers`` (``hf-causal-lm`` only): a trimmed
        vocabulary, the languages it is conditioned on, the top layers trained (see
        :meth:`CausalLMBackbone.build <vecleak.decoders.causal_lm.CausalLMBackbone.build>`).
        """
        config = DecoderConfig(encoder=dict(encoder_spec), backbone=backbone, backbone_source=source,
                               num_prefix=num_prefix, max_length=max_length, shape=shape,
                               kept_ids=[int(i) for i in kept_ids], languages=list(languages),
                               trainable_layers=trainable_layers)
        return cls(*build_backbone(backbone, config, tokenizer=tokenizer, warm_start=warm_start))

    @classmethod
    def retarget(cls, base: str, encoder_spec: dict[str, Any]) -> InversionDecoder:
        """A decoder for another attacker encoder on ``base``'s trained backbone and vocabulary.

        ``base`` (a shipped decoder name or a folder) keeps its backbone, frozen; only a fresh
        prefix MLP for ``encoder_spec``'s space (dimension ``d``) is trained and saved, so the
        saved decoder is that MLP alone (a few MB), checked against ``base``'s weights on load.
        ``base`` must own a ``bert-causal`` backbone.
        """
        source = cls.load(decoder_folder(base))
        if source.config.backbone != "bert-causal" or source.config.base is not None:
            raise CheckpointError(f"cannot retarget '{base}': only a decoder with its own bert-causal backbone can be "
                                  "a base; pick 'multilingual', 'default' or a folder trained by train-decoder")
        # a folder is recorded by its absolute path, so the decoder loads from any working directory
        where = Path(base)
        base_name = str(where.resolve()) if base not in SHIPPED_DECODERS and where.is_dir() else str(base)
        config = replace(source.config, encoder=dict(encoder_spec), base=base_name, frozen={})
        old = source.model
        model = PrefixDecoder(config, old.backbone, bos_id=old.bos_id, eos_id=old.eos_id, pad_id=old.pad_id,
                              num_start=old.num_start, never_generated=old.never_generated)
        config.frozen.update(freeze_and_digest(model, lambda name: not name.startswith("prefix.")))
        return cls(model, source.codec)

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | os.PathLike[str], *, dtype: torch.dtype = torch.float32) -> Path:
        """Write ``config.json`` and ``model.safetensors`` (frozen weights left out) into ``path``."""
        from safetensors.torch import save

        path = Path(path)
        state = {k: v.detach().to("cpu", dtype).contiguous() for k, v in self.model.state_dict().items()
                 if k not in self.config.frozen}
        check_finite_state(state, f"decoder for {path}", fix="the training diverged; train again with a lower "
                           "learning rate (nothing was saved)")
        atomic_write_bytes(path / WEIGHTS_NAME, save(state, metadata={"format": "pt"}))
        if self.config.tokenizer == "own" and self.config.base is None:
            atomic_write_text(path / TOKENIZER_NAME, self.codec.tokenizer.backend_tokenizer.to_str())
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
        check_finite_state(state, str(w_path), fix="the decoder's training diverged; re-train it with a lower learning "
                           "rate")
        if config.base is not None:
            decoder = cls.retarget(config.base, config.encoder)
        else:
            tokenizer = None
            if config.tokenizer == "own":
                tokenizer = _load_own_tokenizer(path / TOKENIZER_NAME, config.languages)
            decoder = cls.new(config.encoder, backbone=config.backbone, source=config.backbone_source,
                              num_prefix=config.num_prefix, max_length=config.max_length, shape=config.shape,
                              tokenizer=tokenizer, warm_start=False, kept_ids=config.kept_ids,
                              languages=config.languages if config.kept_ids else (),
                              trainable_layers=config.trainable_layers)
        for name, digest in config.frozen.items():
            if decoder.config.frozen.get(name) != digest:
                origin = f"base decoder '{config.base}'" if config.base else f"backbone source '{config.backbone_source}'"
                raise CheckpointError(
                    f"{path}: frozen weight '{name}' differs from the one in {origin}; "
                    "install the same version the decoder was trained with"
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
    def check_languages(self, languages: str | Sequence[str] | None, n: int) -> list[str] | None:
        """One ISO 639-3 code per row for a language-conditioned decoder (None for one that is not).

        A single code applies to every row; raises :class:`InputError` for a language this
        decoder was not trained on, or a missing one.
        """
        from vecleak.languages import normalize_language

        if not self.languages:
            return None
        if languages is None:
            raise ConfigError.between("this decoder writes {writes}: say which language to decode into ({language} "
                                      "LANG, or a 'lang' field / LANG=FILE input)", "language", owner="AttackConfig",
                                      writes=", ".join(self.languages))
        codes = [languages] * n if isinstance(languages, str) else list(languages)
        if len(codes) != n:
            raise InputError(f"{len(codes)} languages for {n} vectors; give one language per vector")
        codes = [normalize_language(c) for c in codes]
        unknown = sorted(set(codes) - set(self.languages))
        if unknown:
            raise InputError(f"this decoder was not trained on {', '.join(unknown)}; it writes "
                             f"{', '.join(self.languages)} (train one with 'vecleak train-decoder' for others)")
        return codes

    @torch.no_grad()
    def generate(self, embeddings: np.ndarray, *, num_beams: int = 1, num_candidates: int = 1,
                 batch_size: int = 64, length_penalty: float = 1.0,
                 languages: str | Sequence[str] | None = None,
                 prefixes: Sequence[Sequence[int]] | None = None,
                 bias: np.ndarray | None = None, temperature: float = 0.0,
                 seed: int | None = None) -> list[list[str]]:
        """Decode ``embeddings (n, d)``; returns ``n`` lists of ``num_candidates`` texts, best first.

        ``batch_size``: hypotheses per forward pass (inputs × beams), so a wide beam decodes
        fewer inputs at a time.

        ``languages``: for a language-conditioned decoder, the ISO 639-3 code to write (one for
        all rows, or one per row); ignored by a decoder that writes one language.

        ``prefixes``: per row, token ids (:meth:`token_ids`) the text starts with; generation
        continues them and the returned texts include them. ``bias``: ``(n, V)`` added to each
        row's next-token log-probabilities at every step (towards words, say). ``temperature``
        > 0 (greedy width only) samples instead, seeded by ``seed``.
        """
        e = check_vectors(embeddings, name="embeddings to decode", dim=self.model.embedding_dim)
        codes = self.check_languages(languages, len(e))
        if prefixes is not None and len(prefixes) != len(e):
            raise InputError(f"{len(prefixes)} prefixes for {len(e)} vectors; give one per vector")
        if bias is not None and np.shape(bias) != (len(e), self.codec.vocab_size):
            raise InputError(f"bias must be ({len(e)}, {self.codec.vocab_size}), got {np.shape(bias)}")
        self.model.eval()
        out: list[list[str] | None] = [None] * len(e)
        step = max(1, batch_size // num_beams)
        device = next(self.model.parameters()).device
        generator = torch.Generator().manual_seed(seed or 0) if temperature else None
        groups: dict[int, list[int]] = {}
        for i in range(len(e)):                       # one prefix length per batch: start ids are a tensor
            groups.setdefault(0 if prefixes is None else len(prefixes[i]), []).append(i)
        for rows in groups.values():
            for start in range(0, len(rows), step):
                chunk = rows[start:start + step]
                batch = torch.from_numpy(e[chunk]).to(device)
                start_ids = self.codec.start_ids(len(chunk), None if codes is None else [codes[i] for i in chunk])
                if prefixes is not None:
                    start_ids = torch.cat([start_ids, torch.tensor([list(prefixes[i]) for i in chunk],
                                                                   dtype=torch.long).reshape(len(chunk), -1)], 1)
                rows_bias = None if bias is None else torch.from_numpy(np.asarray(bias, np.float32)[chunk])
                ids, _ = self.model.generate_ids(batch, num_beams=num_beams, num_return=num_candidates,
                                                 length_penalty=length_penalty, start_ids=start_ids.to(device),
                                                 bias=rows_bias, temperature=temperature, generator=generator)
                ids = ids.reshape(len(chunk), num_candidates, -1).cpu()
                if prefixes is not None and prefixes[chunk[0]]:
                    head = start_ids[:, self.codec.num_start:]
                    ids = torch.cat([head[:, None, :].expand(-1, num_candidates, -1), ids], dim=2)
                texts = self.codec.decode(ids.reshape(-1, ids.shape[-1]))
                for k, i in enumerate(chunk):
                    out[i] = texts[k * num_candidates:(k + 1) * num_candidates]
        return out  # type: ignore[return-value]

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """Each text's token ids without start or end tokens (a prefix :meth:`generate` continues)."""
        return [ids[self.codec.num_start:-1] for ids in self.codec.encode(texts, [self.languages[0]] * len(texts)
                                                                           if self.languages else None)]

def _load_own_tokenizer(path: Path, languages: Sequence[str]):
    """A decoder's own ``tokenizer.json`` with its special and language tokens."""
    from transformers import PreTrainedTokenizerFast

    from vecleak.decoders.vocabulary import BOS, EOS, PAD, UNK, language_token

    if not path.is_file():
        raise CheckpointError(f"{path.parent}: the decoder's own tokenizer ({path.name}) is missing; "
                              "copy the whole decoder folder")
    try:
        return PreTrainedTokenizerFast(tokenizer_file=str(path), bos_token=BOS, eos_token=EOS, pad_token=PAD,
                                       unk_token=UNK, extra_special_tokens=[language_token(x) for x in languages])
    except Exception as err:  # tokenizers raises a bare Exception for a corrupt file
        raise CheckpointError(f"{path}: corrupt tokenizer ({str(err).splitlines()[0]}); re-save the decoder") from None
