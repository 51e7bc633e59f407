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
    assert len(list(tmp_path.glob("*.npy"))) == 1
    assert np.array_equal(encode_cached(minilm, sentences[:4], tmp_path), first)
    encode_cached(minilm, sentences[:5], tmp_path)
    assert len(list(tmp_path.glob("*.npy"))) == 2
