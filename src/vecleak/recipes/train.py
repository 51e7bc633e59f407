"""File-level decoder training: what ``vecleak train-decoder`` runs."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import torch

from vecleak.configs import BACKBONES, ENCODER, ArchitectureConfig  # noqa: F401  (BACKBONES: importable here)
from vecleak.constraints import ConfigError
from vecleak.data.atomic import MARKER
from vecleak.data.records import read_texts
from vecleak.decoders.inversion_decoder import InversionDecoder
from vecleak.decoders.training import (STATE_NAME, TRAINING_KIND, TrainingConfig, init_distributed_from_env,
                                       train_decoder, training_device)
from vecleak.encoders.cache import encode_cached
from vecleak.encoders.registry import load_encoder
from vecleak.errors import InputError

VALID_SPLIT = 500
_ARCH = ArchitectureConfig


def check_training_inputs(*, corpus: Sequence[str | os.PathLike[str]], out: str | os.PathLike[str],
                          valid: str | os.PathLike[str] | None = None, backbone: str = _ARCH.backbone,
                          source: str = _ARCH.source, num_prefix: int = _ARCH.num_prefix,
                          max_length: int = _ARCH.max_length, resume: bool = False,
                          init: str | os.PathLike[str] | None = None, retarget: str | None = None,
                          trim_vocabulary: bool = _ARCH.trim_vocabulary,
                          trainable_layers: int | None = _ARCH.trainable_layers, **training: object) -> TrainingConfig:
    """Everything :func:`train_from_files` can refuse without a model: the settings (the
    architecture's and the optimisation's, a :class:`~vecleak.constraints.ConfigError` naming the
    setting), the corpus files, the device and ``out`` (a new or empty folder, or an earlier
    training run of vecleak's, in a place that can be written). Returns the training config."""
    ArchitectureConfig(backbone=backbone, source=source, num_prefix=num_prefix, max_length=max_length,
                       trim_vocabulary=trim_vocabulary, trainable_layers=trainable_layers)
    if retarget is not None and init is not None:
        raise ConfigError.between("{retarget} and {init} both name the decoder to start from; give one of them",
                                  "retarget", "init")
    training.setdefault("checkpoint_every", training.get("eval_every", TrainingConfig.eval_every))
    config = TrainingConfig(**training)  # type: ignore[arg-type]
    for path in [*corpus, *([valid] if valid is not None else [])]:
        if not Path(path).is_file():
            what = "a folder" if Path(path).is_dir() else "no such file"
            raise InputError(f"{path}: {what}; give a text file (.txt, .jsonl, .csv/.tsv)")
    training_device(config.device)   # an unusable --device fails before any embedding
    check_training_output(out, resume=resume)
    return config


def check_training_output(out: str | os.PathLike[str], *, resume: bool) -> Path:
    """Refuse an ``out`` a training run must not write into: a file, a place that cannot be
    written, a folder holding files vecleak did not write (a training run writes its checkpoints
    in place, so it never replaces a folder), or a run to resume that is not there."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ConfigError.between("{out} {path}: is a file; give a folder for the decoder and its checkpoints", "out",
                                  path=out)
    has_state = (out / STATE_NAME).is_file()
    if resume and not has_state:
        raise ConfigError.between("{path}: nothing to resume (no {state}); drop {resume} to start fresh", "resume",
                                  path=out, state=STATE_NAME)
    if not resume and has_state:
        raise ConfigError.between("{path} already holds a training run; pass {resume} to continue it or choose another "
                                  "{out}", "resume", "out", path=out)
    if out.is_dir() and any(out.iterdir()) and not has_state and not _marked_training(out):
        raise ConfigError.between("{out} {path}: the folder holds files vecleak did not write; give a new or empty "
                                  "folder", "out", path=out)
    target = out if out.is_dir() else out.parent
    while not target.exists() and target != target.parent:
        target = target.parent
    if not target.is_dir() or not os.access(target, os.W_OK | os.X_OK):
        raise ConfigError.between("{out} {path}: cannot write in {target}; choose a folder you can write to", "out",
                                  path=out, target=target)
    return out


def _marked_training(out: Path) -> bool:
    try:
        return json.loads((out / MARKER).read_text(encoding="utf-8")).get("kind") == TRAINING_KIND
    except (OSError, ValueError, AttributeError):
        return False


def train_from_files(*, corpus: Sequence[str | os.PathLike[str]], out: str | os.PathLike[str], encoder: str = ENCODER,
                     valid: str | os.PathLike[str] | None = None, backbone: str = _ARCH.backbone,
                     source: str = _ARCH.source, num_prefix: int = _ARCH.num_prefix,
                     max_length: int = _ARCH.max_length, resume: bool = False,
                     init: str | os.PathLike[str] | None = None, retarget: str | None = None,
                     trim_vocabulary: bool = _ARCH.trim_vocabulary,
                     trainable_layers: int | None = _ARCH.trainable_layers,
                     cache: str | os.PathLike[str] | None = None, threads: int | None = None,
                     on_log: Callable[[dict], None] | None = None,
                     on_step: Callable[[int, float], None] | None = None, **training: object) -> InversionDecoder:
    """Embed the corpus with ``encoder`` (cached), then train or resume a decoder in ``out``.

    ``init``: a trained decoder folder (or ``"default"``) to start from instead of the backbone's
    pretrained weights, with a fresh optimizer and schedule (fine-tuning, or a longer second run);
    its backbone, prefix count and length are kept, and it must have been trained for ``encoder``.
    ``retarget``: a trained decoder (or ``"default"``) whose backbone is kept frozen under a new
    prefix MLP for ``encoder`` (:meth:`InversionDecoder.retarget`): only that MLP is trained and saved.
    ``trim_vocabulary`` (``hf-causal-lm``): keep only the tokens of the training texts (Gemma's
    262,144 shrink to tens of thousands; :mod:`vecleak.decoders.gemma`); ``trainable_layers``
    (with it): train the top layers only.
    """
    config = check_training_inputs(corpus=corpus, out=out, valid=valid, backbone=backbone, source=source,
                                   num_prefix=num_prefix, max_length=max_length, resume=resume, init=init,
                                   retarget=retarget, trim_vocabulary=trim_vocabulary,
                                   trainable_layers=trainable_layers, **training)
    if threads:
        torch.set_num_threads(threads)
    init_distributed_from_env()   # under torchrun / accelerate launch: data-parallel
    texts = [t for path in corpus for t in read_texts(path)]
    if valid is None:
        if len(texts) < 2 * VALID_SPLIT:
            raise ConfigError.between("the {corpus} has {n} texts; give at least {least} or a {valid} file", "corpus",
                                      "valid", n=len(texts), least=2 * VALID_SPLIT)
        texts, valid_texts = texts[VALID_SPLIT:], texts[:VALID_SPLIT]
    else:
        valid_texts = read_texts(valid)
    out = Path(out)
    enc = load_encoder(encoder)
    if retarget is not None:
        decoder = InversionDecoder.retarget(str(retarget), enc.spec())
        if decoder.languages:
            raise ConfigError.between("{retarget} {value} writes {langs} and needs each text's language; train it "
                                      "with scripts/train_multilingual_decoder.py --retarget", "retarget",
                                      value=retarget, langs=", ".join(decoder.languages))
    elif init is not None:
        from vecleak.decoders.shipped import load_decoder

        decoder = load_decoder(str(init))
        if decoder.encoder_spec != enc.spec():
            raise ConfigError.between("{init} decoder {value} was trained for {name} ({spec}), not for {want}; pick a "
                                      "decoder of {encoder} '{enc}'", "init", "encoder", value=init,
                                      name=decoder.encoder_spec.get("name"), spec=decoder.encoder_spec,
                                      want=enc.spec(), enc=encoder)
    else:
        kept: list[int] = []
        if trim_vocabulary:
            from vecleak.decoders.causal_lm import load_source_tokenizer
            from vecleak.decoders.gemma import kept_token_ids

            kept = kept_token_ids(load_source_tokenizer(source), texts + valid_texts)
        decoder = InversionDecoder.new(enc.spec(), backbone=backbone, source=source, num_prefix=num_prefix,
                                       max_length=max_length, kept_ids=kept, trainable_layers=trainable_layers)
    emb = encode_cached(enc, texts, cache, batch_size=128)
    valid_emb = encode_cached(enc, valid_texts, cache, batch_size=128)
    return train_decoder(decoder, texts, emb, out, valid_texts=valid_texts, valid_embeddings=valid_emb,
                         config=config, resume=resume, on_log=on_log, on_step=on_step)
