"""Keywords of a text and their WordNet antonyms (Eguard's local, functionality-preserving term).

A keyword is a content word: an alphabetic token (NLTK's Treebank word tokenizer, lower-cased)
that is not a stopword and that WordNet knows as a noun, verb, adjective or adverb. Its part of
speech is the one of its most frequent WordNet sense (sense-tagged counts from ``cntlist``):
NLTK's perceptron tagger and stopword list are separate downloads that no package registry
carries, so the tag comes from WordNet itself and the stopwords from scikit-learn's English list.
An antonym pair is (keyword, an antonym lemma of one of its senses with that part of speech);
most antonyms in WordNet are adjectives ("good" -> "bad", "increase" -> "decrease").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from vecleak.data.wordnet import wordnet

_POS_ORDER = ("a", "s", "r", "v", "n")  # ties go to the tag that carries antonyms most often


@dataclass(frozen=True)
class AntonymPair:
    """One keyword of text ``index`` and one WordNet antonym of it."""

    index: int
    keyword: str
    antonym: str
    pos: str


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) | {"n't", "'s", "'re", "'ve", "'ll", "'d", "'m"}


@lru_cache(maxsize=1)
def _tokenizer():
    from nltk.tokenize import TreebankWordTokenizer

    return TreebankWordTokenizer()


def _lemmas(word: str, pos: str | None = None) -> list:
    """WordNet lemmas of ``word`` after morphological reduction ("fails" -> "fail"), all tags or one."""
    wn = wordnet()
    out = []
    for tag in (pos,) if pos else ("n", "v", "a", "r"):
        base = wn.morphy(word, tag)
        if base is not None:
            out += wn.lemmas(base, tag)
    return out


def _tag(lemma) -> str:
    pos = lemma.synset().pos()
    return "a" if pos == "s" else pos


@lru_cache(maxsize=65536)
def wordnet_pos(word: str) -> str | None:
    """The part of speech (``n v a r``; adjective satellites read as ``a``) of ``word``'s most frequent sense, or None."""
    best: tuple[int, int] | None = None
    tag = None
    for lemma in _lemmas(word):
        key = (lemma.count(), -_POS_ORDER.index(lemma.synset().pos()))
        if best is None or key > best:
            best, tag = key, _tag(lemma)
    return tag


def keywords(text: str) -> list[str]:
    """The keywords of ``text`` in order of first appearance, each once (see the module docstring)."""
    seen: dict[str, None] = {}
    for token in _tokenizer().tokenize(text.lower()):
        if token.isalpha() and len(token) > 1 and token not in _stopwords() and wordnet_pos(token):
            seen.setdefault(token, None)
    return list(seen)


@lru_cache(maxsize=65536)
def antonyms(word: str, pos: str | None = None) -> tuple[str, ...]:
    """WordNet antonyms of ``word`` (single words, lower-case), from its senses with part of speech ``pos``."""
    found: dict[str, None] = {}
    for lemma in _lemmas(word, pos or wordnet_pos(word)):
        for ant in lemma.antonyms():
            name = ant.name().lower()
            if name.isalpha():
                found.setdefault(name, None)
    return tuple(found)


def antonym_pairs(texts: Sequence[str], *, max_per_text: int = 3) -> list[AntonymPair]:
    """(keyword, antonym) pairs of each text, at most ``max_per_text`` per text, first antonym of each keyword.

    Texts with no keyword that has an antonym contribute no pair (and are not an error).
    """
    pairs: list[AntonymPair] = []
    for i, text in enumerate(texts):
        n = 0
        for word in keywords(text):
            if n >= max_per_text:
                break
            pos = wordnet_pos(word)
            ants = antonyms(word, pos)
            if ants:
                pairs.append(AntonymPair(i, word, ants[0], pos or ""))
                n += 1
    return pairs
