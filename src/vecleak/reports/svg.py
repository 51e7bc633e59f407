"""Small self-contained SVG charts (no plotting library, no network): lines, scatter, bars.

Every chart is a ``viewBox`` SVG that scales to its container, with its axes labelled and a
``<title>`` per point, so the report reads on a phone as on a laptop.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#7f7f7f")
W, H = 640, 360
LEFT, RIGHT, TOP, BOTTOM = 60, 20, 20, 50


def _scale(lo: float, hi: float, a: float, b: float, log: bool = False):
    if log:
        lo, hi = math.log10(lo), math.log10(hi)
    span = (hi - lo) or 1.0

    def f(v: float) -> float:
        v = math.log10(v) if log else v
        return a + (v - lo) / span * (b - a)
    return f


def _ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if hi <= lo:
        return [lo]
    return [lo + (hi - lo) * i / (n - 1) for i in range(n)]


def _frame(x_label: str, y_label: str, xs: list[tuple[float, str]], ys: list[tuple[float, str]]) -> list[str]:
    parts = [f'<line x1="{LEFT}" y1="{H - BOTTOM}" x2="{W - RIGHT}" y2="{H - BOTTOM}" stroke="#333"/>',
             f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{H - BOTTOM}" stroke="#333"/>']
    for px, label in xs:
        parts.append(f'<line x1="{px:.1f}" y1="{H - BOTTOM}" x2="{px:.1f}" y2="{H - BOTTOM + 5}" stroke="#333"/>'
                     f'<text x="{px:.1f}" y="{H - BOTTOM + 18}" text-anchor="middle">{escape(label)}</text>')
    for py, label in ys:
        parts.append(f'<line x1="{LEFT}" y1="{py:.1f}" x2="{W - RIGHT}" y2="{py:.1f}" stroke="#eee"/>'
                     f'<text x="{LEFT - 6}" y="{py + 4:.1f}" text-anchor="end">{escape(label)}</text>')
    parts.append(f'<text x="{(LEFT + W - RIGHT) / 2}" y="{H - 8}" text-anchor="middle">{escape(x_label)}</text>')
    parts.append(f'<text x="14" y="{(TOP + H - BOTTOM) / 2}" text-anchor="middle" '
                 f'transform="rotate(-90 14 {(TOP + H - BOTTOM) / 2})">{escape(y_label)}</text>')
    return parts


def _svg(parts: list[str], title: str) -> str:
    return (f'<svg viewBox="0 0 {W} {H}" role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg" '
            f'style="width:100%;height:auto;font:12px sans-serif">{"".join(parts)}</svg>')


def _legend(names: Sequence[str], colors: Sequence[str]) -> list[str]:
    out = []
    for i, (name, color) in enumerate(zip(names, colors)):
        x, y = LEFT + 10 + (i % 4) * 140, TOP + 8 + (i // 4) * 16
        out.append(f'<rect x="{x}" y="{y - 8}" width="10" height="10" fill="{color}"/>'
                   f'<text x="{x + 14}" y="{y + 1}">{escape(name)}</text>')
    return out


def line_chart(series: dict[str, Sequence[tuple[float, float]]], *, x_label: str, y_label: str, title: str,
               log_x: bool = False, dashed: Sequence[str] = ()) -> str:
    """Lines through ``(x, y)`` points, one per series (``dashed`` series drawn dashed, e.g. chance)."""
    pts = [p for s in series.values() for p in s]
    if not pts:
        return ""
    xlo, xhi = min(p[0] for p in pts), max(p[0] for p in pts)
    yhi = max(max(p[1] for p in pts) * 1.1, 0.05)
    fx = _scale(xlo, xhi if xhi > xlo else xlo * 10, LEFT + 10, W - RIGHT - 10, log=log_x)
    fy = _scale(0.0, yhi, H - BOTTOM, TOP + 30)
    xs = sorted({p[0] for p in pts})
    parts = _frame(x_label, y_label, [(fx(x), f"{x:g}") for x in xs], [(fy(v), f"{v:.2f}") for v in _ticks(0, yhi)])
    colors = [PALETTE[i % len(PALETTE)] for i in range(len(series))]
    for (name, s), color in zip(series.items(), colors):
        s = sorted(s)
        path = " ".join(f"{fx(x):.1f},{fy(y):.1f}" for x, y in s)
        dash = ' stroke-dasharray="5,4"' if name in dashed else ""
        parts.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"{dash}/>')
        for x, y in s:
            parts.append(f'<circle cx="{fx(x):.1f}" cy="{fy(y):.1f}" r="3.5" fill="{color}">'
                         f'<title>{escape(name)}: {x:g} -> {y:.3f}</title></circle>')
    return _svg(parts + _legend(list(series), colors), title)


def scatter_chart(groups: dict[str, Sequence[tuple[float, float, str]]], *, x_label: str, y_label: str, title: str,
                  highlight: Sequence[str] = (), baseline: str | None = None,
                  chance: float | None = None) -> str:
    """Points ``(x, y, label)`` by group, joined within a group in x order; ``highlight`` labels
    ringed; the ``baseline`` label (the undefended point) drawn as a large hollow square on top, so
    a defense that changes nothing (a rotation) cannot hide it; ``chance``: a dashed horizontal
    line at that ``y`` (a defense at chance level leaks nothing more than chance, not less)."""
    pts = [p for g in groups.values() for p in g]
    if not pts:
        return ""
    xlo = min(0.0, min(p[0] for p in pts))
    yhi = max(max(p[1] for p in pts) * 1.1, 0.05, (chance or 0.0) * 1.1)
    fx = _scale(xlo, 1.0, LEFT + 10, W - RIGHT - 10)
    fy = _scale(0.0, yhi, H - BOTTOM, TOP + 40)
    parts = _frame(x_label, y_label, [(fx(v), f"{v:.1f}") for v in _ticks(xlo, 1.0, 6)],
                   [(fy(v), f"{v:.2f}") for v in _ticks(0, yhi)])
    colors = [PALETTE[i % len(PALETTE)] for i in range(len(groups))]
    for (name, g), color in zip(groups.items(), colors):
        g = sorted(g)
        if len(g) > 1:
            parts.append(f'<polyline points="{" ".join(f"{fx(x):.1f},{fy(y):.1f}" for x, y, _ in g)}" fill="none" '
                         f'stroke="{color}" stroke-width="1.5" opacity="0.7"/>')
        for x, y, label in g:
            ring = (f'<circle cx="{fx(x):.1f}" cy="{fy(y):.1f}" r="8" fill="none" stroke="#000" stroke-width="1.5"/>'
                    if label in highlight else "")
            parts.append(f'{ring}<circle cx="{fx(x):.1f}" cy="{fy(y):.1f}" r="4.5" fill="{color}">'
                         f'<title>{escape(label)}: {x_label} {x:.3f}, {y_label} {y:.3f}</title></circle>')
    for x, y, label in (p for p in pts if p[2] == baseline):
        parts.append(f'<rect x="{fx(x) - 7:.1f}" y="{fy(y) - 7:.1f}" width="14" height="14" fill="none" stroke="#000" '
                     f'stroke-width="2"><title>{escape(label)} (no defense): {x_label} {x:.3f}, {y_label} {y:.3f}'
                     f'</title></rect><text x="{fx(x) - 10:.1f}" y="{fy(y) - 11:.1f}" text-anchor="end">'
                     f'{escape(label)}</text>')
    if chance is not None:
        parts.append(f'<line x1="{LEFT + 10}" x2="{W - RIGHT - 10}" y1="{fy(chance):.1f}" y2="{fy(chance):.1f}" '
                     f'stroke="#777" stroke-dasharray="5,4"><title>chance level {chance:.3f}</title></line>'
                     f'<text x="{LEFT + 14}" y="{fy(chance) - 4:.1f}" fill="#555">chance</text>')
    return _svg(parts + _legend(list(groups), colors), title)


def bar_chart(counts: Sequence[int], edges: Sequence[float], *, x_label: str, y_label: str, title: str) -> str:
    """A histogram: ``counts[i]`` records between ``edges[i]`` and ``edges[i + 1]``."""
    top = max(max(counts), 1)
    fx = _scale(edges[0], edges[-1], LEFT + 10, W - RIGHT - 10)
    fy = _scale(0.0, top * 1.1, H - BOTTOM, TOP)
    parts = _frame(x_label, y_label, [(fx(e), f"{e:.1f}") for e in edges[::2]],
                   [(fy(v), f"{v:.0f}") for v in _ticks(0, top * 1.1)])
    for i, c in enumerate(counts):
        x0, x1 = fx(edges[i]) + 1, fx(edges[i + 1]) - 1
        parts.append(f'<rect x="{x0:.1f}" y="{fy(c):.1f}" width="{x1 - x0:.1f}" height="{fy(0) - fy(c):.1f}" '
                     f'fill="{PALETTE[0]}"><title>{edges[i]:.1f}-{edges[i + 1]:.1f}: {c} records</title></rect>')
    return _svg(parts, title)
