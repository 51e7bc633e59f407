"""Reading texts and vectors from user files, and writing outputs atomically."""

from __future__ import annotations

from vecleak.data.atomic import atomic_output_dir, atomic_write_bytes, atomic_write_text
from vecleak.data.records import Record, read_records, read_texts
from vecleak.data.vectors import check_vectors, read_vectors

__all__ = [
    "Record",
    "atomic_output_dir",
    "atomic_write_bytes",
    "atomic_write_text",
    "check_vectors",
    "read_records",
    "read_texts",
    "read_vectors",
]
