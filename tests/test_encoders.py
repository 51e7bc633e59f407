from __future__ import annotations

import numpy as np
import pytest

from vecleak.encoders import encode_cached, load_encoder
from vecleak.errors import InputError, UnknownEncoderError


def test_minilm_is_normalized_384d(minilm, sentences):
    x = minilm.encode(sentences[:5])
    assert x.shape == (5, 384) and x.dtype == np.float32
    assert np.allclose(np.linalg.norm(x, axis=1), 1.0, atol=1e-5)
    assert minilm.spec() == {"name": "minilm", "backend": "sentence-transformers", "dim": 384,
                             "pooling": "mean", "normalize": True}


def test_hf_mean_pooling_reproduces_sentence_transformers(minilm, sentences):
    from vecleak.encoders.sentence_transformers import minilm_path

    hf = load_encoder(f"hf:{minilm_path()}")
    assert hf.pooling == "mean" and hf.normalize
    a, b = hf.encode(sentences[:6]), minilm.encode(sentences[:6])
    assert np.allclose(a, b, atol=1e-5)


def test_use_multilingual_puts_translations_close():
    use = load_encoder("use-multilingual")
    en = ["The cat sleeps on the sofa.", "Stock markets fell sharply today.", "I love playing football."]
    de = ["Die Katze schläft auf dem Sofa.", "Die Aktienmärkte sind heute stark gefallen.", "Ich spiele gern Fußball."]
    a, b = use.encode(en), use.encode(de)
    assert a.shape == (3, 512)
    sims = a @ b.T
    assert (np.argmax(sims, axis=1) == np.arange(3)).all()
    assert np.diag(sims).min() > 0.6


def test_unknown_encoder_suggests_a_close_name():
    with pytest.raises(UnknownEncoderError, match="did you mean use-multilingual"):
        load_encoder("use-multilingua")


def test_empty_text_is_an_error(minilm):
    with pytest.raises(InputError):
        minilm.encode(["fine", "  "])
    with pytest.raises(InputError):
        minilm.encode("a bare string")


def test_cache_returns_the_same_vectors(minilm, sentences, tmp_path):
    first = encode_cached(minilm, sentences[:4], tmp_path)
    assert len(list(tmp_path.glob("*/chunk-*.npz"))) == 1
    assert np.array_equal(encode_cached(minilm, sentences[:4], tmp_path), first)
    assert len(list(tmp_path.glob("*/chunk-*.npz"))) == 1          # nothing new to store
    encode_cached(minilm, sentences[:5], tmp_path)
    assert len(list(tmp_path.glob("*/chunk-*.npz"))) == 2          # one chunk with the fifth text only
    assert np.allclose(encode_cached(minilm, sentences[:5], tmp_path)[:4], first)


class _CountingEncoder:
    """A deterministic toy encoder that counts the texts it embeds."""

    def __new__(cls, identity: str = "v1", normalize: bool = True):
        from vecleak.encoders.base import Encoder

        class Toy(Encoder):
            name, dim, pooling, backend = "toy", 4, "mean", "test"

            def __init__(self) -> None:
                self.normalize = normalize
                self.seen: list[str] = []

            def _model_identity(self) -> str:
                return identity

            def _encode_batch(self, texts):
                self.seen += texts
                return np.array([[len(t), t.count("a"), t.count("e"), 1.0] for t in texts], np.float32)

        return Toy()


def test_cache_embeds_each_text_once_across_overlapping_calls(tmp_path):
    from vecleak.encoders import encode_cached

    enc = _CountingEncoder()
    first = encode_cached(enc, ["a cat", "the dog", "a cat"], tmp_path)
    assert sorted(enc.seen) == ["a cat", "the dog"]
    enc.seen.clear()
    second = encode_cached(enc, ["the dog", "an eel"], tmp_path)
    assert enc.seen == ["an eel"]                      # only the new text
    assert np.array_equal(second[0], first[1])
    assert np.array_equal(first, enc.encode(["a cat", "the dog", "a cat"]))


def test_cache_is_invalidated_by_another_model_or_preprocessing(tmp_path):
    from vecleak.encoders import encode_cached

    encode_cached(_CountingEncoder("v1"), ["a cat"], tmp_path)
    for changed in (_CountingEncoder("v2"), _CountingEncoder("v1", normalize=False)):
        encode_cached(changed, ["a cat"], tmp_path)
        assert changed.seen == ["a cat"]                 # a new model digest or spec re-embeds
    again = _CountingEncoder("v1")
    encode_cached(again, ["a cat"], tmp_path)
    assert again.seen == []


def test_model_fingerprint_digests_the_weights(tmp_path):
    from vecleak.data.digest import files_digest

    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "weights.bin").write_bytes(b"\x00" * 10)
    before = files_digest(tmp_path / "m")
    (tmp_path / "m" / "weights.bin").write_bytes(b"\x01" * 10)
    assert files_digest(tmp_path / "m") != before


def test_counting_a_long_texts_tokens_warns_nobody(minilm):
    """The audit counts tokens to say how much of a long record the encoder cut; counting must not
    print transformers' "longer than the specified maximum ... indexing errors" warning."""
    long_text = "the river flows north " * 120
    limit, counts = minilm.input_tokens([long_text])
    assert limit == 256 and counts[0] > 400
    warned = getattr(minilm.model.tokenizer, "deprecation_warnings", {})
    assert not any("longer-than-the-specified-maximum" in key for key in warned)
