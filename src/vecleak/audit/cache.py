"""The resume folder of an audit: embeddings and finished stages, kept until the audit succeeds.

It sits beside the output folder (``.OUT.audit-resume``), because the output folder itself is
written atomically at the end. A stage is stored under a digest of everything that decides it
(the sample, the encoder, the attack or defense, the seed), so a changed setting never returns
a stale stage.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

from vecleak.data.atomic import atomic_write_text


def resume_folder(out: Path) -> Path:
    """Where the audit writing ``out`` keeps what ``--resume`` reuses."""
    return out.parent / f".{out.name}.audit-resume"


class StageCache:
    """JSON results of finished stages, by key (any JSON-serializable object)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.embeddings = folder / "embeddings"

    @staticmethod
    def _name(key: Any) -> str:
        return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:32]

    def get(self, key: Any) -> Any | None:
        path = self.folder / "stages" / f"{self._name(key)}.json"
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def put(self, key: Any, value: Any) -> Any:
        atomic_write_text(self.folder / "stages" / f"{self._name(key)}.json", json.dumps(value))
        return value

    def clear(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
