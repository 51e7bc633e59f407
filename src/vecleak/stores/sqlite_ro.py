"""SQLite files of a store opened read-only, creating and changing no file.

``mode=ro`` alone is not enough: on a WAL-mode database a read-only connection creates ``-wal``
and ``-shm`` files beside it. Such files are opened ``immutable`` (no lock, no side file); a
rollback-journal file keeps ``mode=ro`` so a concurrent writer's lock is still honoured.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import quote

from vecleak.errors import StoreError

SQLITE_HEADER = b"SQLite format 3\x00"


def open_sqlite_read_only(file: Path, *, table: str, where: str, not_a_store: str) -> sqlite3.Connection:
    """A read-only connection to the SQLite ``file`` that holds ``table``; otherwise a one-line
    :class:`StoreError` that starts with ``where`` and ends with ``not_a_store`` (what to give instead)."""
    try:
        with open(file, "rb") as fh:
            header = fh.read(100)
    except OSError as err:
        raise StoreError(f"{where}: cannot read {file.name} ({err.strerror})") from err
    if not header.startswith(SQLITE_HEADER):
        raise StoreError(f"{where}: {file.name} is not an SQLite database; {not_a_store}")
    wal = len(header) > 19 and 2 in header[18:20]          # file format write/read version 2: WAL mode
    try:
        conn = sqlite3.connect(f"file:{quote(str(file.resolve()))}?mode=ro{'&immutable=1' if wal else ''}", uri=True)
        conn.execute("PRAGMA trusted_schema = OFF")
        kind = conn.execute("SELECT type FROM sqlite_master WHERE name = ?", (table,)).fetchone()
    except sqlite3.Error as err:
        raise StoreError(f"{where}: cannot read {file.name} ({str(err).splitlines()[0][:160]}); the store file "
                         "is damaged") from None
    if kind is None or kind[0] != "table":
        conn.close()
        raise StoreError(f"{where}: {file.name} has no {table} table; {not_a_store}")
    return conn
