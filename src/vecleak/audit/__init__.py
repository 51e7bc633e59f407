"""``vecleak audit``: leakage of a vector store's texts, and the price of each defense."""

from __future__ import annotations

from vecleak.audit.run import run_audit

__all__ = ["run_audit"]
