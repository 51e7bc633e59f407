"""The search attacker and the decoding it relies on: prefixes, word bias, sampling, query budgets."""

from __future__ import annotations

import numpy as np
import pytest

from vecleak.attacks import Knowledge, QueryOracle, load_attack
from vecleak.decoders import InversionDecoder
from vecleak.errors import InputError


@pytest.fixture(scope="module")
def shipped():
    from vecleak.decoders.shipped import load_decoder

    return load_decoder("default")


def test_generation_continues_a_prefix(shipped, minilm, sentences):
    vectors = minilm.encode(sentences[:3])
    prefixes = shipped.token_ids(["a woman", "the dog", "two"])
    texts = [c[0] for c in shipped.generate(vectors, prefixes=prefixes, num_beams=2)]
    for text, start in zip(texts, ["a woman", "the dog", "two"]):
        assert text.startswith(start) and len(text) > len(start)
    assert shipped.generate(vectors, prefixes=[[]] * 3) == shipped.generate(vectors)


def test_word_bias_pulls_the_word_in(shipped, minilm, sentences):
    vectors = minilm.encode(sentences[:6])
    token = shipped.token_ids(["guitar"])[0][0]
    plain = [c[0] for c in shipped.generate(vectors)]
    bias = np.zeros((6, shipped.codec.vocab_size), np.float32)
    bias[:, token] = 30.0                                  # a bonus no confident step can ignore
    pushed = [c[0] for c in shipped.generate(vectors, bias=bias)]
    assert sum("guitar" in t for t in pushed) > sum("guitar" in t for t in plain)


def test_sampling_is_seeded_and_differs_from_greedy(shipped, minilm, sentences):
    vectors = np.repeat(minilm.encode(sentences[:1]), 8, axis=0)
    a = shipped.generate(vectors, temperature=1.0, seed=3)
    assert a == shipped.generate(vectors, temperature=1.0, seed=3)
    assert len({c[0] for c in a}) > 1                      # eight draws of one vector are not all alike
    with pytest.raises(ValueError):
        shipped.model.generate_ids(__import__("torch").zeros(1, 384), num_beams=2, temperature=1.0)


def _known(decoder, encoder, budget=None):
    return Knowledge(decoder=decoder, attacker=encoder, known_decoder=decoder, known_encoder=encoder,
                     oracle=QueryOracle.of(encoder, budget=budget))


def test_known_encoder_search_keeps_its_budget_and_never_loses_to_the_plain_decode(shipped, minilm, sentences):
    refs = sentences[10:16]
    stored = minilm.encode(refs)
    knowledge = _known(shipped, minilm)
    result = load_attack("search", budget=30, samples=2, cuts=1).attack(stored, knowledge)
    assert len(result.texts) == 6 and (result.queries <= 30).all() and result.queries.min() > 8
    assert result.info["mode"] == "known-encoder"
    plain = [c[0] for c in shipped.generate(stored)]
    cos = lambda texts: np.einsum("ij,ij->i", minilm.encode(texts), stored)  # noqa: E731
    assert (cos(result.texts) >= cos(plain) - 1e-5).all()      # the greedy decode is among the hypotheses
    assert np.allclose(cos(result.texts), result.info["best_cosine"], atol=1e-3)
    assert knowledge.oracle.queries <= result.queries.sum()    # a text asked for two records is paid once


def test_black_box_search_refits_its_map_on_what_it_queried(tiny_decoder, minilm, sentences):
    from vecleak.decoders.shipped import load_decoder

    decoder = load_decoder(str(tiny_decoder))
    rng = np.random.default_rng(0)
    rotation = np.linalg.qr(rng.normal(size=(384, 384)))[0].astype(np.float32)
    victim = lambda texts: minilm.encode(texts) @ rotation  # noqa: E731  (an API in another space)
    leaked = sentences[:20]
    knowledge = Knowledge(decoder=decoder, attacker=minilm, leaked_vectors=victim(leaked), leaked_texts=leaked,
                          oracle=QueryOracle(victim, 384, name="api"))
    search = load_attack("search", budget=12, samples=2, cuts=1, steer=())
    result = search.attack(victim(sentences[30:34]), knowledge)
    assert result.info["mode"] == "black-box" and (result.queries <= 12).all()
    assert knowledge.oracle.queries > 0 and result.aligned.shape == (4, 384)


@pytest.mark.parametrize("params, needle", [({"budget": 0}, "budget"), ({"budget": -5}, "budget"),
                                            ({"keep": 0}, "keep")])
def test_bad_search_settings_are_refused(params, needle, shipped, minilm):
    with pytest.raises(InputError, match=needle):
        load_attack("search", **params).attack(minilm.encode(["a dog runs."]), _known(shipped, minilm))


def test_search_without_query_access_says_what_to_give(shipped, minilm):
    knowledge = Knowledge(decoder=shipped, attacker=minilm, known_decoder=shipped)
    with pytest.raises(InputError, match="needs query access.*QueryOracle"):
        load_attack("search").attack(minilm.encode(["a dog runs."]), knowledge)


def test_untrained_decoder_is_not_a_known_decoder_mixup(tiny_decoder, minilm):
    """A decoder folder loads as it was saved (the fixture the black-box test relies on)."""
    assert InversionDecoder.load(tiny_decoder).encoder_spec == minilm.spec()


@pytest.fixture(scope="module")
def reader(minilm):
    from vecleak.classifiers.word_reader import WordReader, WordScorer

    words = ["dog", "cat", "guitar", "piano", "ocean", "beach", "football", "kitchen", "a", "the", "is"]
    return WordReader(WordScorer(minilm.dim), words, minilm.encode(words), encoder_spec=minilm.spec())


def test_word_edits_only_raise_the_cosine_and_use_the_readers_words(shipped, minilm, sentences, reader):
    refs = ["a man plays the guitar in the kitchen.", "a dog runs on the beach near the ocean."]
    stored = minilm.encode(refs)
    plain = load_attack("search", budget=40, edit_share=0.0, samples=1, cuts=1).attack(stored, _known(shipped, minilm))
    edited = load_attack("search", budget=200, edit_share=0.8, samples=1, cuts=1, words=reader).attack(
        stored, _known(shipped, minilm))
    assert (np.array(edited.info["best_cosine"]) >= np.array(plain.info["best_cosine"]) - 1e-6).all()
    assert (edited.queries <= 200).all()


def test_bag_of_words_reads_the_known_space_and_through_the_alignment(minilm, sentences, reader):
    from vecleak.metrics import token_prf

    refs = ["a man plays the guitar.", "a dog runs on the beach.", "a cat sleeps in the kitchen."]
    known = Knowledge(decoder=None, attacker=minilm, known_encoder=minilm)
    words = load_attack("bag-of-words", reader=reader, threshold=0.0).attack(minilm.encode(refs), known)
    assert words.info["mode"] == "known-encoder" and "guitar" in words.texts[0].split()[:3]
    rng = np.random.default_rng(1)
    rotation = np.linalg.qr(rng.normal(size=(384, 384)))[0].astype(np.float32)
    leaked = sentences[:30] + refs
    aligned = Knowledge(decoder=None, attacker=minilm, leaked_vectors=minilm.encode(leaked) @ rotation,
                        leaked_texts=leaked)
    through = load_attack("bag-of-words", reader=reader, threshold=0.0).attack(minilm.encode(refs) @ rotation, aligned)
    assert through.info["mode"] == "aligned"
    assert token_prf(through.texts, refs)["token_recall"] > 0.3
    with pytest.raises(InputError, match="word reader"):
        load_attack("bag-of-words").attack(minilm.encode(refs), known)


def test_chunks_are_independent_searches(shipped, minilm, sentences):
    """A search over 4 records in chunks of 2 is two searches of 2: the second chunk's texts are
    those of a search of its records alone, seeded as chunk 1."""
    stored = minilm.encode(sentences[30:34])
    params = {"budget": 16, "samples": 2, "cuts": 1, "steer": (), "chunk": 2, "seed": 5}
    whole = load_attack("search", **params).attack(stored, _known(shipped, minilm))
    search = load_attack("search", **params)
    second = search.search_chunk(_known(shipped, minilm), stored[2:] / np.linalg.norm(stored[2:], axis=1,
                                 keepdims=True), None, chunk_index=1)
    assert whole.info["chunks"] == 2 and whole.texts[2:] == second["texts"]
    assert list(whole.queries[2:]) == list(second["queries"])
    with pytest.raises(InputError, match="chunk"):
        load_attack("search", chunk=0).attack(stored, _known(shipped, minilm))


@pytest.mark.slow
def test_search_on_ray_equals_the_local_search(shipped, minilm, sentences):
    ray = pytest.importorskip("ray")
    from vecleak.decoders.ray_generate import RayDecoder

    stored = minilm.encode(sentences[34:37])
    params = {"budget": 14, "samples": 2, "cuts": 1, "chunk": 2, "seed": 1}
    local = load_attack("search", **params).attack(stored, _known(shipped, minilm))
    remote_decoder = RayDecoder(shipped, num_workers=1)
    knowledge = Knowledge(decoder=remote_decoder, attacker=minilm, known_decoder=remote_decoder,
                          known_encoder=minilm, oracle=QueryOracle.of(minilm))
    try:
        remote = load_attack("search", **params).attack(stored, knowledge)
    finally:
        ray.shutdown()
    assert remote.info["chunks"] == 2 and remote.texts == local.texts
    assert (remote.queries == local.queries).all()
    assert np.allclose(remote.aligned, local.aligned)


def test_segments_follow_the_records_length():
    from vecleak.attacks.search import segments_for
    from vecleak.configs import SEARCH_MAX_SEGMENTS, SEARCH_SEGMENT_WORDS

    sentence = "the river flows north through the old town"
    assert segments_for([sentence] * 5) == 1
    assert segments_for([]) == 1
    passage = " ".join(["word"] * (3 * SEARCH_SEGMENT_WORDS))
    assert segments_for([passage, passage, sentence]) == 3            # the median record, not the longest
    assert segments_for([" ".join(["word"] * 5000)]) == SEARCH_MAX_SEGMENTS


def test_audit_search_row_says_it_writes_a_passage_in_segments():
    from vecleak.audit.levels import Level

    assert "3 texts one after another" in Level("search", budget=100, records=10, segments=3).describe()
    assert "one after another" not in Level("search", budget=100, records=10).describe()
    assert "3 texts" in Level("search-black-box", shots=100, budget=100, records=10, segments=3).describe()
