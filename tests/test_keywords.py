"""Keywords and WordNet antonyms (Eguard's local term), with WordNet from Debian's packages."""

from __future__ import annotations

from pathlib import Path

import pytest

from vecleak.data.keywords import antonym_pairs, antonyms, keywords, wordnet_pos
from vecleak.data.wordnet import DEBIAN_WORDNET, LEXNAMES, build_nltk_wordnet, lexnames_text
from vecleak.errors import InputError


def test_lexnames_matches_wordnet_3_numbering():
    lines = lexnames_text().splitlines()
    assert len(lines) == len(LEXNAMES) == 45
    assert lines[0] == "00\tadj.all\t3" and lines[3] == "03\tnoun.Tops\t1"
    assert lines[29] == "29\tverb.body\t2" and lines[44] == "44\tadj.ppl\t3"


def test_keywords_drop_stopwords_and_punctuation():
    assert keywords("The movie is not good, it is really bad!") == ["movie", "good", "really", "bad"]
    assert keywords("of the and 42 !!") == []


def test_antonyms_follow_the_words_part_of_speech():
    assert wordnet_pos("quickly") == "r" and wordnet_pos("increased") == "v"
    assert "bad" in antonyms("good") and "slowly" in antonyms("quickly")
    assert "decrease" in antonyms("increased")          # morphological reduction: increased -> increase
    assert antonyms("table") == ()


def test_antonym_pairs_index_their_text_and_skip_texts_without_any():
    texts = ["a cold and wet night", "tables and chairs", "", "good script, bad plot"]
    pairs = antonym_pairs(texts, max_per_text=2)
    assert {(p.index, p.keyword, p.antonym) for p in pairs} == {
        (0, "cold", "hot"), (0, "wet", "dry"), (3, "good", "bad"), (3, "bad", "good")}


def test_build_nltk_wordnet_copies_files_and_writes_lexnames(tmp_path):
    if not DEBIAN_WORDNET.is_dir():
        pytest.fail("Debian WordNet is missing: scripts/setup.sh installs wordnet-base and wordnet-sense-index")
    root = build_nltk_wordnet(tmp_path / "nltk_data")
    folder = Path(root) / "corpora" / "wordnet"
    assert (folder / "lexnames").read_text() == lexnames_text()
    assert (folder / "data.noun").stat().st_size == (DEBIAN_WORDNET / "data.noun").stat().st_size
    assert not (folder / "data.noun").is_symlink()      # NLTK refuses files reached through links
    with pytest.raises(InputError, match="apt-get install wordnet-base"):
        build_nltk_wordnet(tmp_path / "other", source=tmp_path / "empty")
