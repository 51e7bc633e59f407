"""Loading attack inputs (texts and/or leaked vectors) and writing results, shared by the CLI commands."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

import numpy as np

from vecleak.configs import ALPHA, AttackConfig, check_shots
from vecleak.constraints import ConfigError, check_value
from vecleak.data.atomic import atomic_output_dir, check_path_name
from vecleak.data.digest import file_sha256
from vecleak.data.records import TEXT_COLUMN, read_records, record_embeddings
from vecleak.data.vectors import VECTOR_SUFFIXES, check_vectors, read_vectors
from vecleak.decoders.inversion_decoder import InversionDecoder
from vecleak.encoders.base import Encoder
from vecleak.errors import InputError, VecleakError

#: An input: one file, one file per language, or none.
PathOrPaths = Union[str, os.PathLike, Mapping[str, Union[str, os.PathLike]], None]


@dataclass
class VictimSet:
    """Victim vectors ``(n, m)`` with their texts when known."""

    vectors: np.ndarray
    texts: list[str] | None
    langs: list[str | None] | None = None     # each row's ``lang`` where the file gives one


def load_victim_set(path: str | os.PathLike[str], victim: Encoder | None, *, column: str = TEXT_COLUMN,
                    limit: int | None = None) -> VictimSet:
    """Vectors from the file when it holds them, else the victim encoder's embeddings of its texts.

    ``limit`` keeps the first n items, before anything is embedded.
    """
    path = Path(path)
    dim = victim.dim if victim is not None else None
    if path.suffix in (".npy", ".parquet") or (path.suffix in VECTOR_SUFFIXES and not _has_text(path)):
        return VictimSet(check_vectors(read_vectors(path)[:limit], name=str(path), dim=dim), None)
    records = read_records(path, column=column)[:limit]
    texts = [r.text for r in records]
    langs = [r.lang for r in records] if any(r.lang for r in records) else None
    vectors = record_embeddings(records, path)
    if vectors is None:
        if victim is None:
            raise ConfigError.between("{path}: holds texts but no embeddings; name a {victim} encoder to embed them",
                                      "victim", owner=_OWNER, path=str(path))
        vectors = victim.encode(texts)
    return VictimSet(check_vectors(vectors, name=str(path), dim=dim), texts, langs)


def check_attack_inputs(*, train: str | os.PathLike[str] | None, test: str | os.PathLike[str] | None,
                        shots: int | None = None, alpha: float | str | None = None, column: str = TEXT_COLUMN) -> None:
    """Everything about an attack's inputs that can be checked before a model loads: the files
    exist and parse, there are ``shots`` leaked pairs, ``alpha`` is valid (:data:`~vecleak.configs.ALPHA`)."""
    if shots is not None:
        check_shots(shots)
    if alpha is not None:
        check_value("alpha", alpha, ALPHA, _OWNER)
    for path, setting in ((train, "train"), (test, "test")):
        if path is not None:
            check_path_name(path, setting=setting)
    if train is not None:
        n = len(read_records(train, column=column))
        if shots is not None and n < shots:
            raise _too_few_pairs(train, n, shots)
    if test is not None:
        path = Path(test)
        if path.suffix in (".npy", ".parquet"):
            if path.is_dir() or not path.is_file():
                raise InputError(f"{path}: no such file; check the path")
        else:
            read_records(path, column=column)


_OWNER = AttackConfig.__name__       # the settings these errors name are AttackConfig's


def check_attack_language(language: str | None, decoder: str) -> None:
    """Refuse, before any model loads, a ``language`` the ``decoder`` cannot write: for a
    language-conditioned decoder one it was not trained on, for any other a code that names no
    known language. Reads the decoder's ``config.json`` only; a folder without one is left to the
    decoder's own loading."""
    if language is None:
        return
    import warnings

    from vecleak.decoders.catalog import SHIPPED_DECODERS, decoder_folder
    from vecleak.languages import LanguageCodeNote, normalize_language

    try:
        with warnings.catch_warnings():               # the decoder notes a two-letter code when it reads it
            warnings.simplefilter("ignore", LanguageCodeNote)
            code = normalize_language(language)
    except InputError as err:
        raise ConfigError.between("{language} {value}: {reason}", "language", owner=_OWNER, value=language,
                                  reason=str(err)) from None
    try:
        config = json.loads((decoder_folder(decoder) / "config.json").read_text(encoding="utf-8"))
        writes = [str(x) for x in config.get("languages") or []]
    except (OSError, ValueError, AttributeError, VecleakError):
        return
    if writes:
        if code not in writes:
            raise ConfigError.between("{language} {value}: the {decoder} decoder was not trained on {code}; it writes "
                                      "{writes} (train one with 'vecleak train-decoder' for others)", "language",
                                      owner=_OWNER, value=language, decoder=decoder, code=code,
                                      writes=", ".join(writes))
        return
    if not _known_language(code):
        shipped = sorted({str(x) for name in SHIPPED_DECODERS for x in _decoder_languages(name)})
        raise ConfigError.between("{language} {value}: no such ISO 639-3 language; the shipped decoders write "
                                  "{shipped} (the {decoder} decoder writes one language and needs no {language})",
                                  "language", owner=_OWNER, value=language, shipped=", ".join(shipped),
                                  decoder=decoder)


def _decoder_languages(name: str) -> list[str]:
    from vecleak.decoders.catalog import decoder_folder

    try:
        return list(json.loads((decoder_folder(name) / "config.json").read_text(encoding="utf-8")).get("languages")
                    or [])
    except (OSError, ValueError, AttributeError, VecleakError):
        return []


def _known_language(code: str) -> bool:
    """Whether ``code`` is a language URIEL (lang2vec) or vecleak's own tables know; True when
    neither table can be read (nothing to check against)."""
    from vecleak.languages import ISO1_TO_ISO3

    if code in ISO1_TO_ISO3.values():
        return True
    try:
        from vecleak.graphs.syntax import _syntax_table

        return code in _syntax_table()[2]          # every code URIEL lists, with or without features
    except Exception:            # lang2vec missing or unreadable: no table to refuse against
        return True


def _too_few_pairs(path: str | os.PathLike[str], n: int, shots: int) -> ConfigError:
    return ConfigError.between("{path}: holds {n} pairs but {shots} is {value}; lower {shots} or add pairs", "shots",
                               owner=_OWNER, path=str(path), n=n, value=shots)


def load_leaked_pairs(path: str | os.PathLike[str], victim: Encoder, shots: int, *, column: str = TEXT_COLUMN) -> VictimSet:
    """The first ``shots`` leaked (text, victim vector) pairs of ``path``, checked: texts present, enough pairs."""
    check_shots(shots)
    n_items = len(read_records(path, column=column))
    if n_items < shots:
        raise _too_few_pairs(path, n_items, shots)
    leaked = load_victim_set(path, victim, column=column, limit=shots)
    if leaked.texts is None:
        raise InputError(f"{path}: leaked pairs need texts; give .txt/.csv/.tsv or .jsonl with 'text'")
    return leaked


def decoding_languages(decoder: InversionDecoder, language: str | None, targets: VictimSet,
                       leaked: VictimSet | None = None) -> str | list[str] | None:
    """The language(s) to decode into: ``language`` if given, else each target row's ``lang``,
    else the leaked pairs' one language; ``None`` for a decoder that writes one language."""
    if not decoder.languages:
        return None
    if language is not None:
        return language
    if targets.langs is not None and all(targets.langs):
        return [str(x) for x in targets.langs]
    leaked_langs = {x for x in (leaked.langs or []) if x} if leaked is not None else set()
    if len(leaked_langs) == 1:
        return leaked_langs.pop()
    raise ConfigError.between("the decoder writes {languages}: say which language to decode into with {language} "
                              "LANG, or give 'lang' in the .jsonl rows", "language", owner=_OWNER,
                              languages=", ".join(decoder.languages))


def attacker_for(decoder: InversionDecoder, victim: Encoder) -> Encoder:
    """The encoder the decoder was trained for: the victim itself when they match, else loaded."""
    from vecleak.encoders.registry import load_encoder

    return victim if victim.spec() == decoder.encoder_spec else load_encoder(decoder.encoder_spec["name"])


def _has_text(path: Path) -> bool:
    with open(path, encoding="utf-8") as fh:
        first = fh.readline()
    try:
        return isinstance(json.loads(first).get("text"), str)
    except (json.JSONDecodeError, AttributeError):
        return False


def input_digests(*paths: str | os.PathLike[str] | None) -> dict[str, str]:
    """SHA-256 of each input file (recorded in ``settings`` so a result names its exact inputs)."""
    return {str(p): file_sha256(p) for p in paths if p is not None and Path(p).is_file()}


def input_settings(train: PathOrPaths, test: PathOrPaths) -> dict[str, Any]:
    """Where a run's inputs came from: ``train`` / ``test`` (a path, ``{lang: path}`` or None) and
    the SHA-256 of every file (``inputs``)."""
    def named(p: PathOrPaths) -> str | dict[str, str] | None:
        return None if p is None else {k: str(v) for k, v in p.items()} if isinstance(p, Mapping) else str(p)

    def paths(p: PathOrPaths) -> list:
        return [] if p is None else list(p.values()) if isinstance(p, Mapping) else [p]

    return {"train": named(train), "test": named(test), "inputs": input_digests(*paths(train), *paths(test))}


def attach_sentence_scores(rows: list[dict[str, Any]], metrics: dict[str, Any]) -> None:
    """Move ``metrics["per_sentence"]`` ({metric: n scores}) into each row's ``scores``."""
    per = metrics.pop("per_sentence", None)
    if per:
        for i, row in enumerate(rows):
            row["scores"] = {k: round(float(v[i]), 4) for k, v in per.items()}


def write_results(out_dir: str | os.PathLike[str], results: dict[str, Any],
                  rows: list[dict[str, Any]] | None = None, extra_files: dict[str, str | bytes] | None = None) -> Path:
    """Write ``results.json`` (and ``reconstructions.jsonl``, and ``extra_files`` {name: text}) into
    ``out_dir``, atomically: the folder appears complete or not at all."""
    with atomic_output_dir(out_dir, kind="results") as tmp:
        for name, content in (extra_files or {}).items():
            if isinstance(content, bytes):
                (tmp / name).write_bytes(content)
            else:
                (tmp / name).write_text(content, encoding="utf-8")
        (tmp / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        if rows is not None:
            with open(tmp / "reconstructions.jsonl", "w", encoding="utf-8") as fh:
                for row in rows:
                    fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return Path(out_dir)
