"""The word reader (bag-of-words over the encoder's own word vectors) and its training data."""

from __future__ import annotations

import numpy as np
import pytest

from vecleak.classifiers.word_reader import WordReader, WordScorer
from vecleak.errors import CheckpointError, InputError

WORDS = ["dog", "cat", "guitar", "piano", "ocean", "beach", "football", "kitchen", "a", "the", "is"]


@pytest.fixture(scope="module")
def reader(minilm):
    return WordReader(WordScorer(minilm.dim), WORDS, minilm.encode(WORDS), encoder_spec=minilm.spec())


def test_word_reader_ranks_a_texts_own_words_first(reader, minilm):
    top = reader.candidates(minilm.encode(["a man plays the guitar.", "a dog runs on the beach."]), 3)
    assert "guitar" in top[0] and {"dog", "beach"} & set(top[1])


def test_word_reader_round_trip_and_bad_folders(reader, minilm, tmp_path):
    reader.save(tmp_path / "r")
    again = WordReader.load(tmp_path / "r", minilm)
    vectors = minilm.encode(["a cat in the kitchen."])
    assert np.allclose(again.predict_proba(vectors), reader.predict_proba(vectors), atol=5e-3)   # float16 weights
    (tmp_path / "r" / "model.safetensors").write_bytes(b"not safetensors")
    with pytest.raises(CheckpointError, match="not a readable word reader"):
        WordReader.load(tmp_path / "r", minilm)

    class Other:
        name, dim = "use-multilingual", 512

    reader.save(tmp_path / "s")
    with pytest.raises(CheckpointError, match="reads minilm vectors"):
        WordReader.load(tmp_path / "s", Other())


def test_a_format_2_reader_keeps_its_query_network_and_word_biases(minilm, tmp_path):
    import json

    import torch

    scorer = WordScorer(minilm.dim, hidden=16, vocab_size=len(WORDS))
    with torch.no_grad():
        scorer.g[2].weight.normal_(0, 0.5)             # a query network that changes the scores
        scorer.word_bias[WORDS.index("piano")] = 8.0    # and a word every text now holds
    reader = WordReader(scorer, WORDS, minilm.encode(WORDS), encoder_spec=minilm.spec())
    vectors = minilm.encode(["a cat in the kitchen.", "waves on the shore."])
    probs = reader.predict_proba(vectors)
    assert (probs[:, WORDS.index("piano")] > 0.9).all()
    plain = WordReader(WordScorer(minilm.dim), WORDS, minilm.encode(WORDS)).predict_proba(vectors)
    assert not np.allclose(probs, plain, atol=1e-2)

    reader.save(tmp_path / "r2")
    config = json.loads((tmp_path / "r2" / "config.json").read_text())
    assert (config["format"], config["hidden"], config["word_bias"]) == (2, 16, True)
    again = WordReader.load(tmp_path / "r2", minilm)
    assert np.allclose(again.predict_proba(vectors), probs, atol=5e-3)
    config["words"] = WORDS[:-1]                         # a bias per word that no longer matches the words
    (tmp_path / "r2" / "config.json").write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match="not a readable word reader"):
        WordReader.load(tmp_path / "r2", minilm)


def test_a_scorer_with_biases_for_another_vocabulary_is_refused(minilm):
    with pytest.raises(InputError, match="bias for 3 words"):
        WordReader(WordScorer(minilm.dim, vocab_size=3), WORDS, minilm.encode(WORDS))


def test_neighbour_passages_join_sentences_of_one_topic(minilm, sentences):
    from vecleak.data.passages import neighbour_passages

    topics = {"music": ["a man plays the guitar on stage.", "a woman sings into a microphone.",
                        "the band plays a loud song.", "a boy plays the piano in a hall.",
                        "the drummer hits the drums hard.", "people listen to a concert."],
              "sea": ["waves crash on the rocky shore.", "a boat sails across the ocean.",
                      "children swim in the sea.", "the fisherman casts a net from his boat.",
                      "a surfer rides a big wave.", "sand and shells cover the beach."]}
    texts = [s for group in topics.values() for s in group]
    vectors = minilm.encode(texts)
    passages = neighbour_passages(texts, vectors, 6, min_words=15, max_words=25, pool=4, seed=1)
    assert len(passages) == 6
    for passage in passages:
        assert 15 <= len(passage.split()) <= 25
        used = [s for s in texts if s in passage]
        assert len(used) >= 2 and len({t for t, g in topics.items() for s in used if s in g}) == 1
    assert passages == neighbour_passages(texts, vectors, 6, min_words=15, max_words=25, pool=4, seed=1)
    with pytest.raises(InputError, match="12 texts but 11 vectors"):
        neighbour_passages(texts, vectors[:-1], 2)
