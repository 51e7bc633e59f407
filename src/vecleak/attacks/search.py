"""``search``: the decoder proposes, an encoder scores, within a query budget per record.

One decode reads a vector once; a search asks the encoder how close its guesses come and
keeps the closest, as vec2text's sequence-level beam does (without its trained corrector) and
as ZSInvert and Zero2Text do with a language model as proposer. Each round, for every record:

1. **propose**: from each of the ``keep`` best hypotheses so far, continuations of a prefix
   (cut at ``cuts`` random token positions) sampled at ``temperature``; ``samples`` fresh
   samples; and greedy decodes of the *steered* vector ``c + λ (c - A(h))`` for each λ of
   ``steer`` (away from what the hypothesis already says). Every proposal is conditioned on the
   record's vector ``c`` in the decoder's space and, when a bag-of-words reader is given, pushed
   towards the words it reads in ``c`` (``bow_weight`` × probability added to each word's first
   token at every step);
2. **score**: the oracle embeds the new hypotheses (each distinct text once per record: one
   query) and the cosine to the record's stored vector ranks them;
3. **keep** the ``keep`` best.

Round 0 is a beam search of ``first_beams`` (and its greedy path). A record stops when its
``budget`` is spent or a round brings nothing new; the result is its best-scoring hypothesis.

Two settings, chosen by what the :class:`~vecleak.attacks.base.Knowledge` holds:

* **known encoder** (``known_decoder`` given): the store's encoder is identified or held; its
  own decoder proposes from the stored vector and the oracle is that encoder.
* **black box** (leaked pairs and query access only): a ridge maps the stored space into the
  attacker's A (ALGEN); A's decoder proposes from the mapped vector; the oracle is the victim
  (an embedding API) and scores in the stored space. After every round the ridge is refitted on
  the leaked pairs and every pair the search paid for (``(oracle(h), A(h))``, Zero2Text's local
  refit), so the map sharpens around the records being attacked.

Queries (distinct texts sent to the oracle per record) and seconds are reported per record.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator

from vecleak.align.ridge import Ridge
from vecleak.attacks.base import AttackResult, Knowledge, QueryOracle
from vecleak.attacks.registry import register_attack
from vecleak.configs import SEARCH_BUDGET, SEARCH_MAX_SEGMENTS, SEARCH_SEGMENT_WORDS
from vecleak.data.vectors import check_vectors
from vecleak.encoders.base import l2_normalize
from vecleak.errors import InputError


@register_attack("search")
class Search(BaseEstimator):
    """Encoder-scored search over decoder proposals (see the module docstring).

    Args:
        budget: most oracle queries (distinct texts) per record.
        keep: hypotheses kept between rounds (the sequence-level beam).
        first_beams: beam width of round 0.
        samples: fresh samples per record and round.
        cuts: prefix continuations per kept hypothesis and round.
        temperature: sampling temperature of samples and continuations.
        steer: the λ of the steered greedy decodes (one per kept hypothesis and λ).
        bow: a bag-of-words reader in the decoder's space (``predict_proba(vectors) -> (n, V)``
            over ``vocabulary.words``), or ``None``.
        bow_weight: log-probability bonus per unit of word probability.
        bow_min: word probability below which no bonus is given.
        max_rounds: rounds at most (the budget usually ends the search first).
        refit: black box only: refit the map on the pairs the search queried after each round.
        edit_share: share of the budget kept for word edits after the decoder's rounds.
        words: a word reader (``candidates(vectors, k) -> k words per row``) proposing the
            words the edits may insert, or ``None`` (words of the kept hypotheses only).
        edit_words: words per record the reader proposes.
        substitute: word edits also replace each word of the best hypothesis by each of the
            reader's first ``substitute`` words (0: inserts and deletions only).
        segments: texts written one after another per record (passages are longer than one
            decode); a segment stays only where it brings the whole closer to the stored vector.
        chunk: records searched together (their proposals share decoder batches; a black box
            refits its map on their queried pairs). Chunks are independent, each with its own
            seed, so a chunk gives the same texts here and on a Ray worker.
        seed: seed of the sampling (chunk ``k`` uses ``seed + 100003 k``).
    """

    name: ClassVar[str] = "search"
    requires: ClassVar[frozenset[str]] = frozenset({"query"})

    def __init__(self, budget: int = SEARCH_BUDGET, keep: int = 4, first_beams: int = 8, samples: int = 4, cuts: int = 2,
                 temperature: float = 0.7, steer: Sequence[float] = (1.0,), bow: Any = None,
                 bow_weight: float = 3.0, bow_min: float = 0.1, max_rounds: int = 50, refit: bool = True,
                 edit_share: float = 0.7, words: Any = None, edit_words: int = 30, segments: int = 1,
                 substitute: int = 0, chunk: int = 100, seed: int = 0) -> None:
        self.budget, self.keep, self.first_beams, self.samples, self.cuts = budget, keep, first_beams, samples, cuts
        self.temperature, self.steer, self.bow, self.bow_weight, self.bow_min = (temperature, steer, bow,
                                                                                  bow_weight, bow_min)
        self.max_rounds, self.refit, self.seed = max_rounds, refit, seed
        self.edit_share, self.words, self.edit_words, self.segments = edit_share, words, edit_words, segments
        self.chunk, self.substitute = chunk, substitute

    # ------------------------------------------------------------------ checks
    def _check(self, knowledge: Knowledge) -> None:
        if isinstance(self.budget, bool) or not isinstance(self.budget, (int, np.integer)) or self.budget < 1:
            raise InputError(f"the search's query budget must be a whole number >= 1 per record, got {self.budget!r}")
        for name in ("keep", "first_beams", "max_rounds", "segments", "chunk"):
            if getattr(self, name) < 1:
                raise InputError(f"search {name} must be at least 1, got {getattr(self, name)}")
        if self.samples < 0 or self.cuts < 0 or self.temperature < 0:
            raise InputError("search samples, cuts and temperature must be >= 0")
        if knowledge.oracle is None:
            raise InputError("the search attacker needs query access to an encoder: give the knowledge an oracle "
                             "(vecleak.attacks.QueryOracle) of the store's known encoder or of a victim it may query")
        if knowledge.known_decoder is None and not knowledge.has("leaked"):
            raise InputError("a black-box search aligns the store's space to its own with leaked pairs; give some, "
                             "or a known decoder of the store's encoder for a known-encoder search")

    # ------------------------------------------------------------------ attack
    def attack(self, vectors: np.ndarray, knowledge: Knowledge, *,
               languages: Sequence[str] | None = None) -> AttackResult:
        """Search texts for stored ``vectors (n, m)``; ``languages``: each row's, for a
        language-conditioned decoder. Runs chunk by chunk here, or on Ray Data workers when the
        decoder is a :class:`~vecleak.decoders.ray_generate.RayDecoder` (the same texts)."""
        self._check(knowledge)
        t0 = time.monotonic()
        stored = l2_normalize(check_vectors(vectors, name="stored vectors", dim=knowledge.oracle.dim))
        known = knowledge.known_decoder is not None
        decoder = knowledge.known_decoder if known else knowledge.decoder
        langs = decoder.check_languages(languages if languages is not None else knowledge.language, len(stored)) \
            if decoder.languages else None
        if _on_ray(decoder):
            from vecleak.attacks.ray_search import search_on_ray

            parts = search_on_ray(self, knowledge, stored, langs)
        else:
            parts = [self.search_chunk(knowledge, stored[rows], None if langs is None else [langs[i] for i in rows],
                                       chunk_index=k) for k, rows in enumerate(self.chunks(len(stored)))]
        texts = [t for part in parts for t in part["texts"]]
        condition = np.concatenate([part["condition"] for part in parts]) if parts else \
            np.zeros((0, decoder_encoder(knowledge, known).dim), np.float32)
        queries = np.concatenate([part["queries"] for part in parts]) if parts else np.zeros(0, np.int64)
        info = {"rounds": max((part["rounds"] for part in parts), default=0),
                "mode": "known-encoder" if known else "black-box", "budget": self.budget,
                "best_cosine": [c for part in parts for c in part["best_cosine"]], "oracle": knowledge.oracle.name,
                "chunks": len(parts)}
        return AttackResult(texts, condition, queries.astype(np.int64), time.monotonic() - t0, info,
                            encoder=decoder_encoder(knowledge, known))

    def chunks(self, n: int) -> list[range]:
        """The record ranges searched together (``chunk`` records each)."""
        return [range(start, min(start + self.chunk, n)) for start in range(0, n, self.chunk)]

    def search_chunk(self, knowledge: Knowledge, stored: np.ndarray, langs: list[str] | None, *,
                     chunk_index: int = 0) -> dict[str, Any]:
        """One chunk's search: unit ``stored (c, m)`` vectors -> ``texts``, ``condition (c, d)``,
        ``queries (c,)``, ``best_cosine`` and ``rounds``."""
        seed = self.seed + 100003 * chunk_index
        oracle: QueryOracle = knowledge.oracle
        known = knowledge.known_decoder is not None
        decoder = _local(knowledge.known_decoder if known else knowledge.decoder)
        if known:
            condition = stored
            embed_own = oracle                          # the decoder's space is the oracle's
            aligner = None
        else:
            X, Y = knowledge.leaked_vectors, knowledge.leaked_in_attacker_space()
            aligner = Ridge(alpha="auto").fit(X, Y)
            condition = l2_normalize(aligner.transform(stored))
            embed_own = knowledge.attacker.encode
        state = _State(len(stored), self.keep)
        bias = self._bias(decoder, condition)
        rng = np.random.default_rng(seed)

        def score(proposals: list[list[str]]) -> None:
            """Embed each record's new proposals (within its budget) and rank them."""
            asked: list[tuple[int, str]] = []
            for i, texts in enumerate(proposals):
                room = self.budget - state.queries[i]
                fresh = [t for t in dict.fromkeys(texts) if t.strip() and t not in state.seen[i]][:max(room, 0)]
                asked += [(i, t) for t in fresh]
                state.seen[i].update(fresh)
                state.queries[i] += len(fresh)
            if not asked:
                return
            got = oracle([t for _, t in asked])
            sims = np.einsum("ij,ij->i", l2_normalize(got), stored[[i for i, _ in asked]])
            for (i, text), sim, vec in zip(asked, sims, got):
                state.offer(i, text, float(sim))
                state.paid.append((vec, text))

        if not len(stored):
            return {"texts": [], "condition": condition, "queries": state.queries, "best_cosine": [], "rounds": 0}
        round0 = decoder.generate(condition, num_beams=self.first_beams, num_candidates=self.first_beams,
                                  languages=langs, bias=bias, batch_size=_BATCH)
        greedy = decoder.generate(condition, languages=langs, bias=bias, batch_size=_BATCH)
        score([g + c for g, c in zip(greedy, round0)])
        rounds = 1
        while rounds < self.max_rounds:
            active = [i for i in range(len(stored)) if state.queries[i] < self._propose_budget()]
            if not active:
                break
            before = state.queries.copy()
            if aligner is not None and self.refit and state.paid:
                condition = self._refit(aligner, knowledge, state, stored, embed_own)
                bias = self._bias(decoder, condition)
            score(self._propose(decoder, condition, bias, langs, state, active, embed_own, rng, rounds, seed))
            rounds += 1
            if (state.queries == before).all():
                break
        for segment in range(1, self.segments):
            self._extend(decoder, condition, langs, state, embed_own, score, segment, seed)
        if self.edit_share > 0:
            self._edit(state, stored, condition, oracle, score_texts=score)
        return {"texts": [state.best(i) for i in range(len(stored))], "condition": np.asarray(condition, np.float32),
                "queries": state.queries.astype(np.int64), "rounds": rounds,
                "best_cosine": [round(state.best_score(i), 4) for i in range(len(stored))]}

    # ------------------------------------------------------------------ proposals
    def _propose(self, decoder: Any, condition: np.ndarray, bias: np.ndarray | None, langs: list[str] | None,
                 state: _State, active: list[int], embed_own: Any, rng: np.random.Generator,
                 round_index: int, seed: int) -> list[list[str]]:
        """Each record's proposals of one round (empty lists for inactive records)."""
        rows: list[int] = []
        prefixes: list[list[int]] = []
        steered: list[np.ndarray] = []
        steered_rows: list[int] = []
        for i in active:
            kept = state.kept(i)
            for ids in decoder.token_ids(kept):
                # cut points from a few fixed lengths: one batch per length keeps the decoder's batches full
                points = [c for c in _CUTS if c < len(ids)]
                for cut in sorted(rng.choice(points, size=min(self.cuts, len(points)), replace=False)):
                    rows.append(i)
                    prefixes.append(ids[:int(cut)])
            rows += [i] * self.samples
            prefixes += [[]] * self.samples
            if self.steer:
                own = l2_normalize(np.asarray(embed_own(kept), np.float32))
                for lam in self.steer:
                    steered.append(l2_normalize(condition[i] + lam * (condition[i] - own)))
                    steered_rows += [i] * len(kept)
        out: list[list[str]] = [[] for _ in range(len(condition))]
        if rows:
            texts = decoder.generate(condition[rows], prefixes=prefixes, temperature=self.temperature, batch_size=_BATCH,
                                     seed=seed * 7919 + round_index,
                                     languages=None if langs is None else [langs[i] for i in rows],
                                     bias=None if bias is None else bias[rows])
            for i, t in zip(rows, texts):
                out[i].append(t[0])
        if steered:
            vecs = np.concatenate(steered).astype(np.float32)
            texts = decoder.generate(vecs, batch_size=_BATCH,
                                     languages=None if langs is None else [langs[i] for i in steered_rows],
                                     bias=None if bias is None else bias[steered_rows])
            for i, t in zip(steered_rows, texts):
                out[i].append(t[0])
        return out

    def _propose_budget(self, segment: int = 0) -> int:
        """Queries per record the decoder's proposals may spend (by the end of ``segment``) before
        the word edits: the proposal budget is shared equally by the segments."""
        share = self.budget * (1.0 - self.edit_share) * (segment + 1) / max(1, self.segments)
        return max(1, int(round(share)))

    def _extend(self, decoder: Any, condition: np.ndarray, langs: list[str] | None, state: _State,
                embed_own: Any, score: Any, segment: int, seed: int) -> None:
        """Another segment after each record's best text (long records: a decoder writes at most its
        ``max_length`` tokens at a time): proposals decoded from the *residual* vector
        ``c + (c - A(best))``, what the text so far does not yet say, appended to it; kept only
        where the whole scores closer than the text without them."""
        limit = self._propose_budget(segment)
        for _ in range(self.max_rounds):
            active = [i for i in range(len(condition)) if state.queries[i] < limit and state.best(i)]
            if not active:
                return
            heads = [state.best(i) for i in active]
            own = l2_normalize(np.asarray(embed_own(heads), np.float32))
            residual = l2_normalize(condition[active] + (condition[active] - own)).astype(np.float32)
            rows = np.repeat(np.arange(len(active)), 1 + self.samples)
            temps = [0.0] + [self.temperature] * self.samples
            proposals: list[list[str]] = [[] for _ in range(len(condition))]
            for k, temperature in enumerate(temps):
                pick = rows[k::1 + self.samples]
                texts = decoder.generate(residual[pick], temperature=temperature, seed=seed + 31 * segment + k,
                                         batch_size=_BATCH,
                                         languages=None if langs is None else [langs[active[j]] for j in pick])
                for j, t in zip(pick, texts):
                    proposals[active[j]].append(f"{heads[j]} {t[0]}")
            before = state.queries.copy()
            score(proposals)
            if (state.queries == before).all():
                return

    def _edit(self, state: _State, stored: np.ndarray, condition: np.ndarray, oracle: QueryOracle,
              score_texts: Any) -> None:
        """Word edits of each record's best hypothesis, greedily, until its budget is spent or no
        edit raises the cosine: delete a word, or insert a candidate word (from the word reader,
        and from the other kept hypotheses) at the start, the middle or the end."""
        readers = self.words.candidates(condition, self.edit_words) if self.words is not None \
            else [[] for _ in range(len(stored))]
        current = [state.best(i) for i in range(len(stored))]
        active = [i for i in range(len(stored)) if current[i] and state.queries[i] < self.budget]
        while active:
            proposals: list[list[str]] = [[] for _ in range(len(stored))]
            for i in active:
                words = current[i].split()
                pool = list(dict.fromkeys([*readers[i], *(w for t in state.kept(i) for w in t.split())]))
                have = set(words)
                for w in pool:
                    if w not in have:
                        proposals[i] += [" ".join([*words[:pos], w, *words[pos:]])
                                         for pos in dict.fromkeys((0, len(words) // 2, len(words)))]
                proposals[i] += [" ".join(words[:k] + words[k + 1:]) for k in range(len(words)) if len(words) > 1]
                if self.substitute:
                    # a content word of the reader's replaces each word in turn (the reader's best first)
                    for w in readers[i][:self.substitute]:
                        if w not in have:
                            proposals[i] += [" ".join([*words[:k], w, *words[k + 1:]]) for k in range(len(words))]
            before = {i: state.best_score(i) for i in active}
            score_texts(proposals)
            nxt = []
            for i in active:
                if state.best_score(i) > before[i] + 1e-6 and state.queries[i] < self.budget:
                    current[i] = state.best(i)
                    nxt.append(i)
            active = nxt

    def _bias(self, decoder: Any, condition: np.ndarray) -> np.ndarray | None:
        """``(n, V)`` log-probability bonus towards the words the bag-of-words reader finds."""
        if self.bow is None or not self.bow_weight:
            return None
        probs = np.asarray(self.bow.predict_proba(condition), np.float32)
        first = _first_tokens(decoder, self.bow)
        bias = np.zeros((len(condition), decoder.codec.vocab_size), np.float32)
        for word, token in first.items():
            p = probs[:, word]
            bias[:, token] = np.maximum(bias[:, token], np.where(p >= self.bow_min, self.bow_weight * p, 0.0))
        return bias

    def _refit(self, aligner: Ridge, knowledge: Knowledge, state: _State, stored: np.ndarray,
               embed_own: Any) -> np.ndarray:
        """Zero2Text's local map: the ridge refitted on the leaked pairs and every queried pair."""
        new = state.paid[state.refitted:]
        if new:
            state.pair_x.append(np.stack([v for v, _ in new]))
            state.pair_y.append(np.asarray(embed_own([t for _, t in new]), np.float32))
            state.refitted = len(state.paid)
        X = np.concatenate([knowledge.leaked_vectors, *state.pair_x])
        Y = np.concatenate([knowledge.leaked_in_attacker_space(), *state.pair_y])
        aligner.fit(X, Y)
        return l2_normalize(aligner.transform(stored))


#: Hypotheses per decoder forward pass.
_BATCH = 256
#: Token counts a prefix continuation cuts a hypothesis at.
_CUTS = (2, 4, 6, 9, 12, 16)


def segments_for(texts: Sequence[str]) -> int:
    """Texts a search writes per record for records like ``texts``: one per
    :data:`~vecleak.configs.SEARCH_SEGMENT_WORDS` words of their median length, at least 1 (a
    sentence), at most :data:`~vecleak.configs.SEARCH_MAX_SEGMENTS` (a 100-500-token chunk)."""
    from vecleak.metrics.text import tokenize

    if not len(texts):
        return 1
    words = float(np.median([len(tokenize(t)) for t in texts]))
    return int(min(SEARCH_MAX_SEGMENTS, max(1, round(words / SEARCH_SEGMENT_WORDS))))


def _on_ray(decoder: Any) -> bool:
    from vecleak.decoders.ray_generate import RayDecoder

    return isinstance(decoder, RayDecoder)


def _local(decoder: Any) -> Any:
    """The decoder itself (a chunk decodes where it runs, also on a Ray worker)."""
    return decoder.decoder if _on_ray(decoder) else decoder


def decoder_encoder(knowledge: Knowledge, known: bool) -> Any:
    """The encoder whose space the search's conditioning vectors live in."""
    return knowledge.known_encoder if known else knowledge.attacker


def _first_tokens(decoder: Any, bow: Any) -> dict[int, int]:
    """bag-of-words vocabulary index -> the decoder's first token of that word (cached on ``bow``)."""
    cache = getattr(bow, "_first_tokens", None)
    key = id(decoder)
    if cache is None or cache[0] != key:
        words = list(bow.vocabulary.words)
        ids = decoder.token_ids(words)
        cache = (key, {w: t[0] for w, t in enumerate(ids) if t})
        bow._first_tokens = cache
    return cache[1]


class _State:
    """Per record: the texts already scored, the best ``keep`` (text, cosine), queries spent,
    and every (oracle vector, text) pair paid for (the black box refits on them)."""

    def __init__(self, n: int, keep: int) -> None:
        self.keep_n = keep
        self.seen: list[set[str]] = [set() for _ in range(n)]
        self.top: list[list[tuple[float, str]]] = [[] for _ in range(n)]
        self.queries = np.zeros(n, np.int64)
        self.paid: list[tuple[np.ndarray, str]] = []
        self.pair_x: list[np.ndarray] = []
        self.pair_y: list[np.ndarray] = []
        self.refitted = 0

    def offer(self, i: int, text: str, score: float) -> None:
        top = self.top[i]
        top.append((score, text))
        top.sort(key=lambda x: -x[0])
        del top[self.keep_n:]

    def kept(self, i: int) -> list[str]:
        return [t for _, t in self.top[i]]

    def best(self, i: int) -> str:
        return self.top[i][0][1] if self.top[i] else ""

    def best_score(self, i: int) -> float:
        return self.top[i][0][0] if self.top[i] else float("-inf")
