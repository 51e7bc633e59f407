"""SHA-256 digests of files and folders (model fingerprints, input provenance in ``settings``)."""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=64)
def _sha256(path: str, size: int, mtime_ns: int) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            h.update(block)
    return h.hexdigest()


def file_sha256(path: str | os.PathLike[str]) -> str:
    """SHA-256 of one file's bytes, memoized per (path, size, mtime) within a process."""
    st = os.stat(path)
    return _sha256(str(path), st.st_size, st.st_mtime_ns)


def files_digest(root: str | os.PathLike[str]) -> str:
    """SHA-256 over every file under ``root`` (names and contents; a single file works too;
    bytecode caches left out)."""
    root = Path(root)
    files = [root] if root.is_file() else sorted(
        p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")
    h = hashlib.sha256()
    for p in files:
        h.update(str(p.relative_to(root) if p != root else p.name).encode())
        h.update(file_sha256(p).encode())
    return h.hexdigest()
