"""A language graph: distances between languages and the edges a threshold r keeps.

``A_ij = (1 − sign(D_ij − r)) / 2`` without self-loops, i.e. an edge where D_ij < r (and
half an edge at equality in the paper's formula, which we round down: ties get no edge).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vecleak.constraints import ConfigError
from vecleak.errors import InputError

METRICS = ("syntax", "asjp")
#: LAGO's thresholds: r = 0.45 on URIEL syntax distance, 0.9 on ASJP LDND (as a fraction).
DEFAULT_THRESHOLDS = {"syntax": 0.45, "asjp": 0.9}
#: The languages of LAGO's experiments (ISO 639-3).
PAPER_LANGUAGES = ("eng", "deu", "fra", "nld", "spa", "ita", "por")


@dataclass(frozen=True)
class LanguageGraph:
    """Languages, their ``(k, k)`` distance matrix, the threshold and the metric that made it."""

    languages: tuple[str, ...]
    distances: np.ndarray
    threshold: float
    metric: str
    definition: str = ""

    @property
    def adjacency(self) -> np.ndarray:
        """``(k, k)`` 0/1 matrix, 1 where ``D_ij < r`` and i ≠ j."""
        A = (self.distances < self.threshold).astype(np.int64)
        np.fill_diagonal(A, 0)
        return A

    @property
    def edges(self) -> list[tuple[str, str]]:
        """Undirected edges as language pairs, each once, in matrix order."""
        A = self.adjacency
        k = len(self.languages)
        return [(self.languages[i], self.languages[j]) for i in range(k) for j in range(i + 1, k) if A[i, j]]

    def to_dict(self) -> dict:
        return {"metric": self.metric, "definition": self.definition, "threshold": self.threshold,
                "languages": list(self.languages), "distances": np.round(self.distances, 4).tolist(),
                "edges": [list(e) for e in self.edges], "isolated": self.isolated}

    @property
    def isolated(self) -> list[str]:
        """Languages with no edge: LAGO leaves their map plain ridge regression."""
        linked = {x for e in self.edges for x in e}
        return [x for x in self.languages if x not in linked]

    def isolation_notes(self) -> list[str]:
        """One sentence per isolated language: its nearest language and the threshold that would link it."""
        notes = []
        for lang in self.isolated:
            i = self.languages.index(lang)
            others = [j for j in range(len(self.languages)) if j != i]
            near = min(others, key=lambda j: self.distances[i, j]) if others else None
            where = (f"; its nearest, {self.languages[near]}, is at {self.distances[i, near]:.3f}: raise the "
                     "threshold above that to link it" if near is not None else "")
            notes.append(f"{lang} has no neighbour within r={self.threshold:g} on the {self.metric} graph, so LAGO "
                         f"is plain ridge regression for it{where}")
        return notes

    def plot(self, path: str | Path) -> Path:
        """Save :meth:`plot_png`'s drawing (PNG/SVG/PDF by suffix), atomically."""
        from vecleak.data.atomic import atomic_write_bytes

        path = Path(path)
        atomic_write_bytes(path, self.plot_png(fmt=path.suffix.lstrip(".") or "png"))
        return path

    def plot_png(self, fmt: str = "png") -> bytes:
        """Languages on a circle, edges labelled by distance; the image bytes in ``fmt``."""
        import io

        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        k = len(self.languages)
        angle = np.pi / 2 - 2 * np.pi * np.arange(k) / k
        xy = np.stack([np.cos(angle), np.sin(angle)], 1)
        index = {lang: i for i, lang in enumerate(self.languages)}
        fig, ax = plt.subplots(figsize=(4.5, 4.5))
        for a, b in self.edges:
            i, j = index[a], index[b]
            ax.plot(*xy[[i, j]].T, color="tab:blue", lw=1.5, zorder=1)
            ax.annotate(f"{self.distances[i, j]:.2f}", xy[[i, j]].mean(0), fontsize=7, ha="center", va="center",
                        bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none"})
        ax.scatter(*xy.T, s=700, color="white", edgecolor="black", zorder=2)
        for (x, y), lang in zip(xy, self.languages):
            ax.text(x, y, lang, ha="center", va="center", fontsize=9, zorder=3)
        ax.set_title(f"{self.metric} distance < {self.threshold:g}: {len(self.edges)} edges", fontsize=10)
        ax.set_xlim(-1.35, 1.35)
        ax.set_ylim(-1.35, 1.35)
        ax.set_aspect("equal")
        ax.axis("off")
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt, bbox_inches="tight", dpi=150)
        plt.close(fig)
        return buf.getvalue()


def distance_matrix(langs: Sequence[str], metric: str) -> tuple[np.ndarray, str]:
    """``(k, k)`` distances for ``langs`` under ``metric`` (``syntax`` or ``asjp``) and its definition."""
    if metric == "syntax":
        from vecleak.graphs.syntax import SYNTAX_DEFINITION, syntax_distances

        return syntax_distances(langs), SYNTAX_DEFINITION
    if metric == "asjp":
        from vecleak.graphs.lexical import ASJP_DEFINITION, asjp_distances

        return asjp_distances(langs), ASJP_DEFINITION
    raise InputError(f"unknown graph metric '{metric}'; use one of {', '.join(METRICS)}")


def build_graph(langs: Sequence[str], *, metric: str = "syntax", threshold: float | None = None) -> LanguageGraph:
    """The language graph of ``langs`` (ISO 639-3) with edges where distance < ``threshold``.

    ``threshold=None`` takes LAGO's value for the metric (:data:`DEFAULT_THRESHOLDS`).

    Example:
        >>> g = build_graph(["spa", "por", "eng"], metric="syntax", threshold=0.45)
        >>> g.edges
        [('spa', 'por'), ('spa', 'eng')]
    """
    langs = tuple(lang.strip().lower() for lang in langs)
    if len(langs) < 1:
        raise InputError("a language graph needs at least one language")
    if len(set(langs)) != len(langs):
        raise InputError(f"languages repeat in {', '.join(langs)}; give each once")
    if threshold is None:
        if metric not in DEFAULT_THRESHOLDS:
            raise InputError(f"unknown graph metric '{metric}'; use one of {', '.join(METRICS)}")
        threshold = DEFAULT_THRESHOLDS[metric]
    if not np.isfinite(threshold) or not 0 < threshold <= 1:
        raise ConfigError("threshold", f"must be in (0, 1] (distances are fractions), got {threshold}")
    D, definition = distance_matrix(langs, metric)
    return LanguageGraph(langs, D, float(threshold), metric, definition)
