"""What every attacker is given and what it returns.

An attacker turns stored vectors ``(n, m)`` into texts. What it may use is a
:class:`Knowledge`: its own encoder A and a decoder for A's space, leaked (text, stored vector)
pairs, query access to the deployed pipeline (:class:`QueryOracle`: texts in, stored-space
vectors out, every text counted), a decoder trained for the store's own encoder (the store's
model is known), the defense it knows, and an auxiliary corpus of its own. It returns an
:class:`AttackResult`: texts, the vectors it decoded from, queries spent per record and seconds.

Attackers are estimators of one call (:meth:`Attacker.attack`); ``requires`` names the
knowledge they need (:data:`KNOWLEDGE`), so :func:`vecleak.attacks.strongest` runs exactly those
a given knowledge allows.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np

from vecleak.configs import DEFAULT_TOKENIZER
from vecleak.errors import InputError

#: Kinds of knowledge an attacker may require (``Attacker.requires``).
KNOWLEDGE = ("leaked", "query", "known_encoder", "aux", "defense", "store_encoder", "languages")


class QueryOracle:
    """Query access to the deployed pipeline: ``texts -> (n, m)`` stored-space vectors.

    ``embed`` is the encoder (and the defense, when one is deployed) behind an API. Every text
    sent is counted (:attr:`queries`) and answered once: a text asked again is served from the
    oracle's memory, as an attacker keeps what it paid for. ``budget`` (texts) raises
    :class:`QueryBudgetExceeded` when a call would go past it.

    Args:
        embed: ``list[str] -> (n, m)`` float32.
        dim: ``m``.
        budget: the most distinct texts this oracle answers (``None``: unbounded).
        batch_size: texts per call of ``embed``.
    """

    def __init__(self, embed: Callable[[list[str]], np.ndarray], dim: int, *, budget: int | None = None,
                 batch_size: int = 256, name: str = "oracle") -> None:
        if budget is not None and budget < 1:
            raise InputError(f"a query budget must be at least 1 text, got {budget}")
        self._embed, self.dim, self.budget, self.batch_size, self.name = embed, int(dim), budget, batch_size, name
        self._memory: dict[str, np.ndarray] = {}
        #: how :meth:`of` built it (encoder name, bf16), so a Ray worker can build the same one
        self.source: dict[str, Any] | None = None
        self.queries = 0
        self.seconds = 0.0

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        """The stored-space vectors ``(n, m)`` of ``texts``; new texts cost one query each."""
        texts = [t if t.strip() else "." for t in texts]
        new = list(dict.fromkeys(t for t in texts if t not in self._memory))
        if self.budget is not None and self.queries + len(new) > self.budget:
            raise QueryBudgetExceeded(f"{self.name}: {len(new)} more queries would pass the budget of {self.budget} "
                                      f"({self.queries} spent)")
        if new:
            t0 = time.monotonic()
            for start in range(0, len(new), self.batch_size):
                chunk = new[start:start + self.batch_size]
                for text, vector in zip(chunk, np.asarray(self._embed(chunk), dtype=np.float32)):
                    self._memory[text] = vector
            self.queries += len(new)
            self.seconds += time.monotonic() - t0
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return np.stack([self._memory[t] for t in texts])

    def known(self, text: str) -> bool:
        """Whether ``text`` was already answered (asking again is free)."""
        return (text if text.strip() else ".") in self._memory

    @classmethod
    def of(cls, encoder: Any, defense: Any = None, *, bf16: bool = False, **kwargs: Any) -> QueryOracle:
        """The oracle of ``encoder`` (an :class:`~vecleak.encoders.base.Encoder`), behind
        ``defense`` (fitted, with ``transform``) when one is deployed.

        ``bf16``: run the encoder under bfloat16 autocast where the CPU does bfloat16 natively
        (an attacker who holds the model runs it as fast as it can: MiniLM 2.3x faster on
        AVX512-BF16, cosine to the float32 vectors 0.99999); an API's answers stay exact."""
        fast = bf16 and _bf16_is_fast()

        def embed(texts: list[str]) -> np.ndarray:
            if not fast:
                vectors = encoder.encode(texts, batch_size=kwargs.get("batch_size", 256))
            else:
                import torch

                with torch.autocast("cpu", dtype=torch.bfloat16):
                    vectors = encoder.encode(texts, batch_size=kwargs.get("batch_size", 256))
            return defense.transform(vectors) if defense is not None else vectors

        oracle = cls(embed, encoder.dim, name=kwargs.pop("name", encoder.name), **kwargs)
        oracle.source = {"encoder": encoder.name, "bf16": bf16, "defended": defense is not None,
                         "batch_size": kwargs.get("batch_size", 256)}
        return oracle


def _bf16_is_fast() -> bool:
    from vecleak.decoders.training import bf16_is_fast

    return bf16_is_fast()


class QueryBudgetExceeded(InputError):
    """A search asked for more queries than its oracle's budget."""


@dataclass
class Knowledge:
    """What an attacker holds. Every field but ``decoder`` / ``attacker`` may be missing.

    Attributes:
        decoder: the attacker's decoder for its own encoder's space.
        attacker: its own encoder A (``decoder``'s encoder), ``d``-dimensional.
        leaked_vectors: ``(b, m)`` stored vectors of leaked texts (as stored: defended if the
            store is), ``leaked_texts`` their texts, ``leaked_targets (b, d)`` A's vectors of them.
        oracle: query access to the deployed pipeline (stored space).
        known_decoder: a decoder trained for the store's own encoder (the encoder is known).
        known_encoder: the store's encoder itself, when the attacker can run it.
        defense: the deployed defense, when the attacker knows it (fitted).
        aux_texts: the attacker's own corpus; ``aux_vectors (a, m)`` / ``aux_targets (a, d)``
            their stored-space (through the deployed pipeline) and A-space vectors, when computed;
            ``aux_raw (a, m)`` the store's encoder's undefended vectors of them (what a defense is
            applied to), when computed; ``aux_language`` their language.
        leaked_languages: each leaked pair's language (``(b,)``), when known.
        num_beams, tokenizer, seed, language: decoding beam, metric tokenizer, seed, and the
            language a language-conditioned decoder writes when rows carry none.
    """

    decoder: Any
    attacker: Any
    leaked_vectors: np.ndarray | None = None
    leaked_texts: list[str] | None = None
    leaked_targets: np.ndarray | None = None
    oracle: QueryOracle | None = None
    known_decoder: Any = None
    known_encoder: Any = None
    defense: Any = None
    aux_texts: list[str] | None = None
    aux_vectors: np.ndarray | None = None
    aux_targets: np.ndarray | None = None
    aux_raw: np.ndarray | None = None
    aux_language: str = "eng"
    leaked_languages: list[str] | None = None
    num_beams: int = 1
    tokenizer: str = DEFAULT_TOKENIZER
    seed: int = 0
    language: str | None = None

    def has(self, kind: str) -> bool:
        """Whether this knowledge includes ``kind`` (one of :data:`KNOWLEDGE`)."""
        if kind == "leaked":            # pairs: stored vectors with their texts or A's vectors of them
            return self.leaked_vectors is not None and len(self.leaked_vectors) > 0 and (
                bool(self.leaked_texts) or self.leaked_targets is not None)
        if kind == "query":
            return self.oracle is not None or self.aux_vectors is not None
        if kind == "known_encoder":
            return self.known_decoder is not None
        if kind == "aux":
            return bool(self.aux_texts)
        if kind == "defense":
            return self.defense is not None
        if kind == "store_encoder":
            return self.known_encoder is not None or self.aux_raw is not None
        if kind == "languages":
            return self.leaked_languages is not None
        raise InputError(f"unknown kind of knowledge '{kind}'; use one of {', '.join(KNOWLEDGE)}")

    def leaked_in_attacker_space(self) -> np.ndarray:
        """``(b, d)``: A's vectors of the leaked texts (computed once)."""
        if self.leaked_targets is None:
            self.leaked_targets = self.attacker.encode(list(self.leaked_texts or []))
        return self.leaked_targets

    def aux_in_stored_space(self) -> np.ndarray:
        """``(a, m)``: the aux texts as the deployed pipeline stores them (``aux_vectors``, else
        asked of the oracle once)."""
        if self.aux_vectors is None:
            if self.oracle is None or not self.aux_texts:
                raise InputError("this attacker sends its own texts through the deployed pipeline: give aux texts "
                                 "and query access (an oracle), or their stored vectors (aux_vectors)")
            self.aux_vectors = self.oracle(self.aux_texts)
        return self.aux_vectors

    def aux_in_attacker_space(self) -> np.ndarray:
        """``(a, d)``: A's vectors of the aux texts (computed once)."""
        if self.aux_targets is None:
            self.aux_targets = self.attacker.encode(list(self.aux_texts or []))
        return self.aux_targets

    def aux_undefended(self) -> np.ndarray:
        """``(a, m)``: the store's encoder's own vectors of the aux texts (computed once)."""
        if self.aux_raw is None:
            if self.known_encoder is None:
                raise InputError("this attacker runs the store's encoder on its own texts: give known_encoder "
                                 "or their undefended vectors (aux_raw)")
            self.aux_raw = self.known_encoder.encode(list(self.aux_texts or []))
        return self.aux_raw


@dataclass
class AttackResult:
    """What an attack produced for ``n`` stored vectors.

    ``texts (n,)``: reconstructions; ``aligned (n, d)``: the vectors the decoder read (``None``
    for attackers without a decoder); ``queries (n,)``: encoder queries spent per record (a
    one-off cost, such as an aux corpus sent through the pipeline, is shared out over the
    records); ``seconds``: wall time of the attack; ``info``: attacker-specific settings and
    numbers; ``encoder``: the encoder of ``aligned``'s space, in which the reconstructions are
    scored (``None``: the knowledge's own ``attacker``).
    """

    texts: list[str]
    aligned: np.ndarray | None = None
    queries: np.ndarray | None = None
    seconds: float = 0.0
    info: dict[str, Any] = field(default_factory=dict)
    encoder: Any = None

    def __post_init__(self) -> None:
        if self.queries is None:
            self.queries = np.zeros(len(self.texts), np.int64)

    @property
    def queries_per_record(self) -> float:
        return float(np.mean(self.queries)) if len(self.texts) else 0.0


@runtime_checkable
class Attacker(Protocol):
    """An attack recipe: ``attack(vectors (n, m), knowledge, languages) -> AttackResult``."""

    #: registry name (``fewshot``, ``query``, ``known-encoder``, ``search``, ...)
    name: ClassVar[str]
    #: the kinds of :data:`KNOWLEDGE` it needs
    requires: ClassVar[frozenset[str]]

    def attack(self, vectors: np.ndarray, knowledge: Knowledge, *,
               languages: Sequence[str] | None = None) -> AttackResult:
        """Reconstruct the texts of stored ``vectors (n, m)`` (each row in its language)."""
        ...


def can_run(attacker: Attacker, knowledge: Knowledge) -> bool:
    """Whether ``knowledge`` holds everything ``attacker`` requires."""
    return all(knowledge.has(kind) for kind in attacker.requires)
