"""Embedding matrices from `.npy`, `.jsonl` and `.parquet` files, with validation."""

from __future__ import annotations

import json
import os

import numpy as np

from vecleak.errors import InputTypeError, DimensionMismatchError, InputError, NonFiniteError, VecleakError

VECTOR_SUFFIXES = (".npy", ".jsonl", ".parquet")


def check_vectors(x: np.ndarray, *, name: str = "vectors", dim: int | None = None,
                  dtype: np.dtype | type | None = np.float32) -> np.ndarray:
    """Return ``x`` as a C-contiguous ``(n, d)`` array of ``dtype``, or raise a one-line error.

    Args:
        x: array-like of shape ``(n, d)``.
        name: what the vectors are, for the message.
        dim: the expected ``d``, when known.
        dtype: the dtype returned (float32 for models); ``None`` keeps a floating dtype as it is
            (float64 stays float64 for exact solves; integers become float64).
    """
    if hasattr(x, "toarray") or hasattr(x, "tocsr"):
        raise InputError(f"{name}: sparse input is not supported; give a dense array (x.toarray())")
    x = np.asarray(x)
    if x.dtype == object:
        try:
            x = x.astype(np.float64)
        except (TypeError, ValueError) as err:
            raise InputTypeError(f"{name}: expected numbers, got objects ({err})") from None
    if np.iscomplexobj(x):
        raise InputError(f"{name}: Complex data not supported; give real vectors")
    if not np.issubdtype(x.dtype, np.number):
        raise InputError(f"{name}: expected numbers, got dtype {x.dtype}")
    if x.ndim != 2:
        raise InputError(f"{name}: expected a 2-D array (n, d), got shape {x.shape}; "
                         "Reshape your data: x.reshape(1, -1) for one vector")
    if x.shape[0] == 0 or x.shape[1] == 0:
        what = "sample" if x.shape[0] == 0 else "feature"
        raise InputError(f"{name}: 0 {what}(s) (shape={x.shape}) while a minimum of 1 is required; "
                         "give at least one non-empty vector")
    if dim is not None and x.shape[1] != dim:
        raise DimensionMismatchError(
            f"{name}: vectors have dimension {x.shape[1]} but {dim} is expected; "
            "use vectors from the matching encoder"
        )
    if dtype is None:
        dtype = x.dtype if np.issubdtype(x.dtype, np.floating) else np.float64
    x = np.ascontiguousarray(x, dtype=dtype)
    bad = ~np.isfinite(x).all(axis=1)
    if bad.any():
        raise NonFiniteError(
            f"{name}: {int(bad.sum())} vector(s) contain NaN or inf (first at row {int(np.argmax(bad))}); "
            "drop or recompute them"
        )
    return x


def check_features(x: np.ndarray, estimator: object, *, reset: bool, name: str = "vectors") -> np.ndarray:
    """Record (``reset``, in ``fit``) or check ``x``'s dimension against ``estimator.n_features_in_``.

    scikit-learn's convention, in its words, so that its estimator checks and users read the same
    message; an estimator not yet fitted accepts any dimension. Returns ``x``.
    """
    if reset:
        estimator.n_features_in_ = x.shape[1]
    elif getattr(estimator, "n_features_in_", x.shape[1]) != x.shape[1]:
        raise DimensionMismatchError(
            f"{name}: X has {x.shape[1]} features, but {type(estimator).__name__} is expecting "
            f"{estimator.n_features_in_} features as input; use vectors from the matching encoder")
    return x


def read_vectors(path: str | os.PathLike[str], *, column: str = "embedding") -> np.ndarray:
    """Read an ``(n, d)`` float32 matrix from ``.npy``, ``.jsonl`` (``embedding`` field) or ``.parquet``."""
    from vecleak.data.atomic import check_path_name

    path = check_path_name(path)
    try:
        if path.is_dir():
            raise InputError(f"{path}: is a folder; give a file of vectors (.npy, .jsonl or .parquet)")
        if not path.is_file():
            raise InputError(f"{path}: no such file; check the path")
    except OSError as err:
        raise InputError(f"{path}: cannot be read ({err.strerror or type(err).__name__}); check the path") from None
    suffix = path.suffix
    try:
        if suffix == ".npy":
            x = np.load(path, allow_pickle=False)
        elif suffix == ".jsonl":
            rows = []
            with open(path, encoding="utf-8") as fh:
                for lineno, line in enumerate(fh, 1):
                    if line.strip():
                        try:
                            rows.append(json.loads(line)[column])
                        except (json.JSONDecodeError, KeyError, TypeError):
                            raise InputError(
                                f"{path}:{lineno}: expected a JSON object with a '{column}' list"
                            ) from None
            x = np.asarray(rows, dtype=np.float32) if rows else np.zeros((0, 0), np.float32)
        elif suffix == ".parquet":
            import pyarrow.parquet as pq

            table = pq.read_table(path)
            if column not in table.column_names:
                raise InputError(f"{path}: no '{column}' column (columns: {', '.join(table.column_names)})")
            x = np.asarray(table.column(column).to_pylist(), dtype=np.float32)
        else:
            raise InputError(f"{path}: unsupported vector file type '{suffix}'; use .npy, .jsonl or .parquet")
    except VecleakError:
        raise
    except ValueError as err:
        raise InputError(f"{path}: cannot read vectors ({err}); rows must be equal-length number lists") from None
    except OSError as err:
        raise InputError(f"{path}: cannot read vectors ({err}); check the file") from None
    return check_vectors(x, name=str(path))

