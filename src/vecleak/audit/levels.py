"""The attackers of an audit, one row per knowledge level, on the undefended stored vectors.

* ``fewshot-K``: the attacker holds K leaked (text, stored vector) pairs of the store (other
  rows than the audited ones) and its own encoder and decoder; it aligns the store's space to
  its own with ridge (ALGEN) and decodes.
* ``query``: it can also query the store's encoder (a public model, or an embedding API):
  it embeds its own auxiliary texts and aligns on those and the leaked pairs.
* ``known-encoder``: the store's encoder is one a pretrained inverter exists for (vecleak
  ships one for MiniLM and for use-multilingual): it decodes the stored vectors directly.
* ``lago-K``: when the store holds several languages, K leaked pairs *per language*, the
  per-language maps solved jointly over the URIEL-syntax language graph (LAGO, IEQ-PDMM), each
  language decoded into itself.

Which rows run depends on what is known: without an identified encoder, only ``fewshot-K``.
Each row is the registered attacker of its kind (:mod:`vecleak.attacks`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from vecleak.attacks import Attacker, Knowledge, load_attack, strongest
from vecleak.decoders.inversion_decoder import InversionDecoder
from vecleak.encoders.base import Encoder

KNOWLEDGE = {
    "fewshot": "holds {shots} leaked (text, vector) pairs of this store and its own encoder",
    "query": "can also query the store's encoder with its own {aux} texts",
    "known-encoder": "knows the encoder and holds a decoder trained for it (no alignment)",
    "lago": "holds {shots} leaked pairs per language and solves the languages' maps jointly (LAGO)",
    "search": "queries the store's encoder up to {budget} times per record, its decoder proposing and the encoder "
              "scoring{written} (on the first {records} audited records)",
    "search-black-box": "queries an embedding API of the store's model up to {budget} times per record without "
                        "reading the model, with {shots} leaked pairs{written} (on the first {records} audited "
                        "records)",
    "bag-of-words": "reads which words each vector holds with a word reader trained for {space}",
}


@dataclass
class Level:
    """One attacker row to run: ``kind`` in ``fewshot | query | known-encoder | lago | search |
    search-black-box | bag-of-words`` (``records``: the search's subsample; ``segments``: texts
    the search writes per record; ``space``: the encoder a word reader reads)."""

    kind: str
    shots: int = 0
    aux: int = 0
    budget: int = 0
    records: int = 0
    space: str = ""
    segments: int = 1

    @property
    def name(self) -> str:
        if self.kind == "search-black-box":
            return "search"
        return f"{self.kind}-{self.shots}" if self.kind in ("fewshot", "lago") else self.kind

    def describe(self) -> str:
        written = f", writing each record as {self.segments} texts one after another" if self.segments > 1 else ""
        return KNOWLEDGE[self.kind].format(shots=self.shots, aux=self.aux, budget=self.budget, records=self.records,
                                           space=self.space, written=written)

    def attacker(self) -> Attacker:
        """This row's registered attacker (:mod:`vecleak.attacks`)."""
        return load_attack(self.kind, shots=self.shots or None) if self.kind in ("fewshot", "lago") \
            else load_attack(self.kind)


def run_level(level: Level, *, decoder: InversionDecoder, attacker: Encoder, stored: np.ndarray,
              references: Sequence[str], languages: Sequence[str] | None, leaked_vectors: np.ndarray,
              leaked_targets: np.ndarray, aux_vectors: np.ndarray | None = None,
              aux_targets: np.ndarray | None = None, reference_targets: np.ndarray | None = None,
              num_beams: int = 1) -> tuple[dict[str, Any], list[str]]:
    """Metrics and reconstructions of one attacker row on ``stored (n, m)`` vectors.

    For ``known-encoder``, ``decoder`` / ``attacker`` are the decoder for the store's encoder and
    that encoder (``reference_targets``: its vectors of the references)."""
    known = level.kind == "known-encoder"
    knowledge = Knowledge(decoder, attacker, leaked_vectors=leaked_vectors, leaked_targets=leaked_targets,
                          aux_vectors=aux_vectors, aux_targets=aux_targets, known_decoder=decoder if known else None,
                          known_encoder=attacker if known else None, num_beams=num_beams)
    return _run(level, knowledge, stored, references, languages, reference_targets)


def run_attacker(level: Level, attacker: Attacker, knowledge: Knowledge, *, stored: np.ndarray,
                 references: Sequence[str], languages: Sequence[str] | None,
                 reference_targets: np.ndarray | None = None) -> tuple[dict[str, Any], list[str]]:
    """A row whose attacker is built by the caller (the search and bag-of-words rows carry a
    word reader), scored as every row is; ``metrics["cost"]`` holds its queries and seconds per record."""
    run = strongest({level.name: attacker}, knowledge, stored, references, languages, reference_targets)
    metrics = run["detail"]
    metrics.pop("per_sentence", None)
    cost = run.get("cost", {}).get(level.name, {})
    n = max(1, len(references))
    metrics["cost"] = {"queries_per_record": round(float(cost.get("queries_per_record", 0.0)), 1),
                       "seconds_per_record": round(float(cost.get("seconds", 0.0)) / n, 3)}
    return metrics, run["reconstructions"]


def run_lago_level(level: Level, *, decoder: InversionDecoder, attacker: Encoder, stored: np.ndarray,
                   references: Sequence[str], languages: Sequence[str], leaked_vectors: np.ndarray,
                   leaked_targets: np.ndarray, leaked_languages: Sequence[str],
                   reference_targets: np.ndarray | None = None,
                   num_beams: int = 1) -> tuple[dict[str, Any], list[str]]:
    """The ``lago-K`` row: per-language maps from ``K`` leaked pairs of each language, solved jointly."""
    knowledge = Knowledge(decoder, attacker, leaked_vectors=leaked_vectors, leaked_targets=leaked_targets,
                          leaked_languages=list(leaked_languages), num_beams=num_beams)
    return _run(level, knowledge, stored, references, languages, reference_targets)


def _run(level: Level, knowledge: Knowledge, stored: np.ndarray, references: Sequence[str],
         languages: Sequence[str] | None, reference_targets: np.ndarray | None) -> tuple[dict[str, Any], list[str]]:
    """The row's attacker alone through :func:`vecleak.attacks.strongest`: its full metrics
    (``per_record`` included, ``per_sentence`` dropped) and reconstructions."""
    run = strongest({level.name: level.attacker()}, knowledge, stored, references, languages, reference_targets)
    metrics = run["detail"]
    metrics.pop("per_sentence", None)
    return metrics, run["reconstructions"]
