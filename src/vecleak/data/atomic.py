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
    from vecleak.errors import InputError

    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as err:
        raise InputError(f"cannot write {_shown(path)} ({err.strerror or type(err).__name__}); nothing was written; "
                         "choose a place you can write to") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp creates 0600; give the usual file mode
        os.replace(tmp, path)
    except BaseException as err:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(err, OSError):
            raise InputError(f"cannot write {_shown(path)} ({err.strerror or type(err).__name__}); nothing was "
                             "written; free some space or choose another place") from None
        raise
    return path


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically."""
    return atomic_write_bytes(path, text.encode("utf-8"))


#: Marker file in every output folder vecleak writes: JSON ``{"kind": ...}``.
MARKER = ".vecleak-output.json"


def check_output_file(path: str | os.PathLike[str], *, setting: str = "out") -> Path:
    """Refuse, before any work, an output file path that is a folder or cannot be written (a
    :class:`~vecleak.errors.ConfigError` naming ``setting``, the parameter that gave ``path``)."""
    path = check_path_name(path, setting=setting)
    try:
        if path.is_dir():
            raise _refused(setting, str(path), "is a folder; give a file name")
        _check_writable_parent(path, setting)
    except OSError as err:
        raise _os_error(path, setting, err) from None
    return path


def check_output_dir(path: str | os.PathLike[str], *, kind: str, setting: str = "out") -> Path:
    """Refuse, before any work, an output folder that :func:`atomic_output_dir` could not replace:
    a file, a folder with files that are not an earlier vecleak output of the same ``kind``, or a
    place this process cannot write (a :class:`~vecleak.errors.ConfigError` naming ``setting``)."""
    path = check_path_name(path, setting=setting)
    try:
        if path.exists() and not path.is_dir():
            raise _refused(setting, str(path), "is a file; give a folder name (it is created)")
        if path.is_dir() and any(path.iterdir()):
            marker = path / MARKER
            try:
                found = json.loads(marker.read_text(encoding="utf-8")).get("kind") if marker.is_file() else None
            except (OSError, ValueError, AttributeError):
                found = None
            if found != kind:
                what = f"an output of another kind ({found})" if found else "files vecleak did not write"
                raise _refused(setting, str(path), f"the folder holds {what}; give a new or empty folder (an "
                               f"earlier {kind} output is replaced whole)")
        _check_writable_parent(path, setting)
    except OSError as err:
        raise _os_error(path, setting, err) from None
    return path


def check_writable_dir(path: str | os.PathLike[str], *, setting: str) -> Path:
    """Refuse, before any work, a folder that files cannot be added to: a file, or a place this
    process cannot write (the folder itself when it exists, else where it would be created)."""
    path = check_path_name(path, setting=setting)
    try:
        if path.exists() and not path.is_dir():
            raise _refused(setting, str(path), "is a file; give a folder")
        if path.is_dir():
            if not _can_create_in(path):
                raise _refused(setting, str(path), "cannot write in this folder; choose a folder you can write to")
        else:
            _check_writable_parent(path, setting)
    except OSError as err:
        raise _os_error(path, setting, err) from None
    return path


#: Longest file name (one path component) and whole path most file systems take, in bytes.
NAME_MAX, PATH_MAX = 255, 4096


def check_path_name(path: str | os.PathLike[str], *, setting: str | None = None) -> Path:
    """Refuse a path the file system cannot even look up: a name (one component) or the whole path
    longer than the system's limit, or a NUL character. One line, naming ``setting`` (the
    parameter that gave ``path``) when given."""
    path = Path(path)
    if "\x00" in str(path):
        raise _refused(setting, _shown(path), "the path holds a NUL character; give a plain file name")
    limit = _name_max(path)
    for part in path.parts:
        size = len(os.fsencode(part))
        if size > limit:
            raise _refused(setting, _shown(path), f"the name {_shown(part, 24)} is {size} bytes long, over this "
                           f"system's limit of {limit}; use a shorter name")
    size = len(os.fsencode(str(path.absolute())))
    if size >= PATH_MAX:
        raise _refused(setting, _shown(path), f"the path is {size} bytes long, over this system's limit of "
                       f"{PATH_MAX - 1}; use a shorter path")
    return path


def _refused(setting: str | None, shown: str, problem: str) -> Exception:
    """``SETTING PATH: problem``: a :class:`~vecleak.errors.ConfigError` naming the parameter
    ``setting`` (the command line prints its flag, ``--out``), or ``PATH: problem`` without one."""
    from vecleak.errors import ConfigError, InputError

    if setting is None:
        return InputError(f"{shown}: {problem}")
    return ConfigError.between("{%s} {shown_path}: {problem}" % setting, setting, shown_path=shown, problem=problem)


def _name_max(path: Path) -> int:
    """The file-name limit of the file system ``path`` lies on (``NAME_MAX`` when unknown)."""
    parent = path.absolute().parent
    try:
        while not parent.exists() and parent != parent.parent:
            parent = parent.parent
        return int(os.pathconf(parent, "PC_NAME_MAX"))
    except (OSError, ValueError):
        return NAME_MAX


def _shown(path: str | os.PathLike[str], keep: int = 60) -> str:
    """``path`` for a message: a very long one shortened in the middle (one readable line)."""
    text = str(path)
    return text if len(text) <= 2 * keep else f"{text[:keep]}...{text[-keep // 2:]}"


def _os_error(path: Path, setting: str, err: OSError) -> Exception:
    reason = err.strerror or type(err).__name__
    return _refused(setting, _shown(path), f"cannot use this path ({reason}); choose another")


def _check_writable_parent(path: Path, setting: str) -> None:
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir() or not _can_create_in(parent):
        raise _refused(setting, _shown(path), f"cannot write in {_shown(parent)}; choose a folder you can write to")


def _can_create_in(folder: Path) -> bool:
    """Whether an entry can be created in ``folder``: tried, not guessed (``os.access`` says yes to
    root on a read-only mount or in ``/proc``); the probe folder is removed at once."""
    if not os.access(folder, os.W_OK | os.X_OK):
        return False
    try:
        probe = tempfile.mkdtemp(prefix=".vecleak-probe-", dir=folder)
    except OSError:
        return False
    with contextlib.suppress(OSError):
        os.rmdir(probe)
    return True


@contextlib.contextmanager
def atomic_output_dir(path: str | os.PathLike[str], *, kind: str = "results") -> Iterator[Path]:
    """Yield a temporary sibling folder; on success it replaces ``path`` whole.

    Readers see the old folder or the complete new one, never a mix; on an error nothing of
    this run reaches ``path``. An existing ``path`` must be empty or an earlier output of the
    same ``kind`` (see :func:`check_output_dir`); the folder gets a marker naming ``kind``.
    """
    from vecleak.errors import InputError

    path = Path(path)
    check_output_dir(path, kind=kind)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    except OSError as err:
        raise InputError(f"cannot write {_shown(path)} ({err.strerror or type(err).__name__}); nothing was written; "
                         "choose a folder you can write to") from None
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
def output_lock(path: str | os.PathLike[str], *, setting: str = "out") -> Iterator[None]:
    """Hold an exclusive lock on the output ``path`` while a long run works towards it: a second
    run into the same ``path`` is refused at once with one line, instead of both finishing and
    the later silently replacing the earlier (the lock is ``.NAME.lock`` beside ``path``)."""
    import fcntl

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = path.parent / f".{path.name}.lock"
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            raise _refused(setting, str(path), f"another vecleak run (pid {holder or '?'}) is writing it now; wait "
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
