"""Atomic file output: write to a temporary sibling, then rename over the target.

A crash or a bad input half-way never leaves a half-written file or folder behind, and an
output folder is replaced whole, so files of an earlier run never mix with a new one.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp creates 0600; give the usual file mode
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return path


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically."""
    return atomic_write_bytes(path, text.encode("utf-8"))


#: Marker file in every output folder vecleak writes: JSON ``{"kind": ...}``.
MARKER = ".vecleak-output.json"


def check_output_file(path: str | os.PathLike[str], *, option: str = "--out") -> Path:
    """Refuse, before any work, an output file path that is a folder or cannot be written."""
    from vecleak.errors import InputError

    path = Path(path)
    if path.is_dir():
        raise InputError(f"{option} {path}: is a folder; give a file name")
    _check_writable_parent(path, option)
    return path


def check_output_dir(path: str | os.PathLike[str], *, kind: str, option: str = "--out") -> Path:
    """Refuse, before any work, an output folder that :func:`atomic_output_dir` could not replace:
    a file, a folder with files that are not an earlier vecleak output of the same ``kind``, or a
    place this process cannot write."""
    from vecleak.errors import InputError

    path = Path(path)
    if path.exists() and not path.is_dir():
        raise InputError(f"{option} {path}: is a file; give a folder name (it is created)")
    if path.is_dir() and any(path.iterdir()):
        marker = path / MARKER
        try:
            found = json.loads(marker.read_text(encoding="utf-8")).get("kind") if marker.is_file() else None
        except (OSError, ValueError, AttributeError):
            found = None
        if found != kind:
            what = f"an output of another kind ({found})" if found else "files vecleak did not write"
            raise InputError(f"{option} {path}: the folder holds {what}; give a new or empty folder "
                             f"(an earlier {kind} output is replaced whole)")
    _check_writable_parent(path, option)
    return path


def _check_writable_parent(path: Path, option: str) -> None:
    from vecleak.errors import InputError

    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"{option} {path}: cannot write in {parent}; choose a folder you can write to")


@contextlib.contextmanager
def atomic_output_dir(path: str | os.PathLike[str], *, kind: str = "results") -> Iterator[Path]:
    """Yield a temporary sibling folder; on success it replaces ``path`` whole.

    Readers see the old folder or the complete new one, never a mix; on an error nothing of
    this run reaches ``path``. An existing ``path`` must be empty or an earlier output of the
    same ``kind`` (see :func:`check_output_dir`); the folder gets a marker naming ``kind``.
    """
    path = Path(path)
    check_output_dir(path, kind=kind)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    old = None
    try:
        yield tmp
        (tmp / MARKER).write_text(json.dumps({"kind": kind}) + "\n", encoding="utf-8")
        os.chmod(tmp, 0o777 & ~_umask())     # mkdtemp creates 0700: give the usual folder mode
        if path.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{path.name}.old.", dir=path.parent))
            os.replace(path, old / "previous")
        os.replace(tmp, path)
    except BaseException:
        if old is not None and (old / "previous").exists() and not path.exists():
            os.replace(old / "previous", path)
        raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def output_lock(path: str | os.PathLike[str], *, option: str = "--out") -> Iterator[None]:
    """Hold an exclusive lock on the output ``path`` while a long run works towards it: a second
    run into the same ``path`` is refused at once with one line, instead of both finishing and
    the later silently replacing the earlier (the lock is ``.NAME.lock`` beside ``path``)."""
    import fcntl

    from vecleak.errors import InputError

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = path.parent / f".{path.name}.lock"
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            raise InputError(f"{option} {path}: another vecleak run (pid {holder or '?'}) is writing it now; wait "
                             "for it to finish or choose another folder") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
        try:
            yield
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(lock)
    finally:
        os.close(fd)


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def write_model_folder(path: str | os.PathLike[str], *, json_files: dict[str, Any],
                       tensor_files: dict[str, dict[str, Any]]) -> Path:
    """Write a model folder atomically: each ``name -> object`` of ``json_files`` as JSON, each
    ``name -> {key: torch.Tensor}`` of ``tensor_files`` as safetensors (never pickle)."""
    from safetensors.torch import save_file

    with atomic_output_dir(path, kind="model") as tmp:
        for name, tensors in tensor_files.items():
            save_file({k: v.detach().contiguous() for k, v in tensors.items()}, str(tmp / name))
        for name, obj in json_files.items():
            (tmp / name).write_text(json.dumps(obj, indent=2) + "\n", encoding="utf-8")
    return Path(path)
