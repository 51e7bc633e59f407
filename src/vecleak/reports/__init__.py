"""Reports a data owner reads: self-contained HTML pages with inline SVG charts."""

from __future__ import annotations

from vecleak.reports.audit_html import render_audit

__all__ = ["render_audit"]
