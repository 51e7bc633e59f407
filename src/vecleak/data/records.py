"""Text records from `.txt`, `.jsonl`, `.csv` and `.tsv` files.

- `.txt`: one text per line (blank lines are an error: they cannot be inverted or scored).
- `.jsonl`: one object per line with ``text`` and optional ``lang`` and ``embedding``.
- `.csv` / `.tsv`: a header row; the text column is ``text`` unless ``column`` names another.
"""

from __future__ import annotations

import csv
import gzip
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vecleak.data.atomic import check_path_name
from vecleak.errors import InputError

TEXT_SUFFIXES = (".txt", ".jsonl", ".csv", ".tsv")
#: The column of .csv / .tsv files (and the field of .jsonl lines) that holds the text.
TEXT_COLUMN = "text"


@dataclass(frozen=True)
class Record:
    """One text, with its language and leaked embedding when the file gives them."""

    text: str
    lang: str | None = None
    embedding: tuple[float, ...] | None = None


def _open_text(path: Path):
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8", newline="")
    return open(path, encoding="utf-8", newline="")


def _kind(path: Path) -> str:
    suffixes = [s for s in path.suffixes if s != ".gz"]
    kind = suffixes[-1] if suffixes else ""
    if kind not in TEXT_SUFFIXES:
        raise InputError(
            f"{path}: unsupported text file type '{kind or path.name}'; "
            f"use one of {', '.join(TEXT_SUFFIXES)} (optionally .gz)"
        )
    return kind


def read_records(path: str | os.PathLike[str], *, column: str = TEXT_COLUMN) -> list[Record]:
    """Read text records from ``path``; raise :class:`InputError` on any malformed line."""
    path = check_path_name(path)
    try:
        if path.is_dir():
            raise InputError(f"{path}: is a folder; give a file of texts")
        if not path.is_file():
            raise InputError(f"{path}: no such file; check the path")
    except OSError as err:
        raise InputError(f"{path}: cannot be read ({err.strerror or type(err).__name__}); check the path") from None
    kind = _kind(path)
    try:
        with _open_text(path) as fh:
            if kind == ".txt":
                records = _read_txt(fh, path)
            elif kind == ".jsonl":
                records = _read_jsonl(fh, path, column)
            else:
                records = _read_table(fh, path, column, "\t" if kind == ".tsv" else ",")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text; re-save it as UTF-8") from None
    except (OSError, EOFError) as err:
        raise InputError(f"{path}: cannot be read ({err}); check the file") from None
    if not records:
        raise InputError(f"{path}: holds no texts; give a file with at least one text")
    return records


def read_texts(path: str | os.PathLike[str], *, column: str = TEXT_COLUMN) -> list[str]:
    """Read only the texts of :func:`read_records`."""
    return [r.text for r in read_records(path, column=column)]


def _read_txt(fh, path: Path) -> list[Record]:
    records, blank = [], None
    for lineno, line in enumerate(fh, 1):
        text = line.rstrip("\r\n")
        if not text.strip():
            blank = blank or lineno      # blank lines at the end of the file are fine
            continue
        if blank is not None:
            raise InputError(f"{path}:{blank}: empty line; remove blank lines (one text per line)")
        records.append(Record(text=text.strip()))
    return records


def _read_jsonl(fh, path: Path, column: str) -> list[Record]:
    records = []
    for lineno, line in enumerate(fh, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as err:
            raise InputError(f"{path}:{lineno}: invalid JSON ({err.msg}); fix that line") from None
        if not isinstance(obj, dict):
            raise InputError(f"{path}:{lineno}: expected a JSON object with a '{column}' field")
        text = obj.get(column)
        if not isinstance(text, str) or not text.strip():
            raise InputError(f"{path}:{lineno}: missing or empty '{column}'; every line needs a text")
        emb = obj.get("embedding")
        if emb is not None:
            if not isinstance(emb, list) or not emb or not all(isinstance(v, (int, float)) for v in emb):
                raise InputError(f"{path}:{lineno}: 'embedding' must be a non-empty list of numbers")
            emb = tuple(float(v) for v in emb)
        lang = obj.get("lang")
        records.append(Record(text=text.strip(), lang=str(lang) if lang is not None else None, embedding=emb))
    return records


def _read_table(fh, path: Path, column: str, delimiter: str) -> list[Record]:
    reader = csv.DictReader(fh, delimiter=delimiter)
    if reader.fieldnames is None or column not in reader.fieldnames:
        found = ", ".join(reader.fieldnames or []) or "none"
        raise InputError(f"{path}: no '{column}' column (columns: {found}); name the text column")
    records = []
    for lineno, row in enumerate(reader, 2):
        text = row.get(column)
        if text is None or not text.strip():
            raise InputError(f"{path}:{lineno}: empty '{column}' cell; every row needs a text")
        lang = row.get("lang") or None
        records.append(Record(text=text.strip(), lang=lang))
    return records


def record_embeddings(records: list[Record], path: str | os.PathLike[str]) -> np.ndarray | None:
    """Stack the records' embeddings to ``(n, d)`` float32, or None when none has one.

    Raises :class:`InputError` when only some records carry an embedding or their
    lengths differ.
    """
    have = [r.embedding is not None for r in records]
    if not any(have):
        return None
    if not all(have):
        missing = have.index(False) + 1
        raise InputError(f"{path}: record {missing} has no 'embedding' while others do; give all or none")
    dims = {len(r.embedding) for r in records}  # type: ignore[arg-type]
    if len(dims) != 1:
        raise InputError(f"{path}: embeddings have different lengths {sorted(dims)}; use one dimension")
    return np.asarray([r.embedding for r in records], dtype=np.float32)
