from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from vecleak.decoders import InversionDecoder, TrainingConfig, train_decoder
from vecleak.errors import CheckpointError

TINY = {"hidden_size": 64, "num_layers": 2, "num_heads": 4, "intermediate_size": 128, "max_positions": 64,
        "dropout": 0.0}
SPEC = {"name": "toy", "backend": "test", "dim": 16, "pooling": "none", "normalize": True}


def _tiny(seed=0):
    torch.manual_seed(seed)
    return InversionDecoder.new(SPEC, shape=TINY, num_prefix=2, max_length=16)


def _embeddings(n, seed=0):
    return np.random.default_rng(seed).normal(size=(n, 16)).astype(np.float32)


def test_cached_generation_matches_full_recompute():
    dec = _tiny()
    model = dec.model.eval()
    e = torch.from_numpy(_embeddings(3))
    ids, _ = model.generate_ids(e, num_beams=1)
    ids = ids[:, 0]
    # Greedy decoding again, recomputing the whole sequence at every step (no cache).
    seq = torch.full((3, 1), model.bos_id)
    for _ in range(ids.shape[1]):
        x = torch.cat([model.prefix_embeds(e), model.backbone.embed_tokens(seq)], 1)
        hidden, _ = model.backbone(x)
        seq = torch.cat([seq, model.next_logp(hidden[:, -1]).argmax(-1, keepdim=True)], 1)
    for row, full in zip(ids.tolist(), seq[:, 1:].tolist()):
        upto = full.index(model.eos_id) if model.eos_id in full else len(full)
        assert row[:upto] == full[:upto]


def test_kv_cache_select_gathers_rows_into_two_alternating_buffers():
    from vecleak.decoders.bert_causal import KVCache

    cache = KVCache(2, batch=4, heads=2, capacity=6, head_dim=3, dtype=torch.float32, device=torch.device("cpu"))
    rng = torch.Generator().manual_seed(0)
    k, v = torch.randn(4, 2, 3, 3, generator=rng), torch.randn(4, 2, 3, 3, generator=rng)
    for layer in range(2):
        cache.write(layer, k, v)
    cache.length = 3
    first = [b.data_ptr() for b in cache.keys]
    rows = torch.tensor([2, 2, 0, 3])                         # beams re-parented: a repeat, a row dropped
    cache.select(rows)
    assert all(torch.equal(cache.keys[i][:, :, :3], k[rows]) and torch.equal(cache.values[i][:, :, :3], v[rows])
               for i in range(2))
    second = [b.data_ptr() for b in cache.keys]
    cache.select(torch.tensor([1, 0]))                        # finished rows leave the batch
    assert torch.equal(cache.keys[0][:, :, :3], k[rows][[1, 0]]) and cache.keys[0].shape[0] == 2
    assert [b.data_ptr() for b in cache.keys] == first != second   # the first buffers came back: no new memory
    cache.write(0, torch.ones(2, 2, 1, 3), torch.ones(2, 2, 1, 3))  # the kept rows go on growing in place
    assert torch.equal(cache.keys[0][:, :, 3], torch.ones(2, 2, 3))


def _reference_beam_search(model, e, beams, length_penalty):
    """Beam search as specified in PrefixDecoder.generate_ids, recomputing every sequence in full
    at every step (no cache, no batching): each input keeps `beams` open hypotheses; EOS within the
    top `beams` candidates finishes one; stop on Hugging Face's rule or at max_length."""
    L, results = model.config.max_length, []
    for i in range(e.shape[0]):
        open_ = [(0.0, [])]
        finished = []
        for step in range(L):
            cands = []
            for score, toks in open_:
                seq = torch.tensor([[model.bos_id, *toks]])
                x = torch.cat([model.prefix_embeds(e[i:i + 1]), model.backbone.embed_tokens(seq)], 1)
                hidden, _ = model.backbone(x)
                logp = model.next_logp(hidden[:, -1])[0]
                best = logp.topk(2 * beams)   # the global top 2·beams lie within each hypothesis' own
                cands += [(score + lp, toks, t) for lp, t in zip(best.values.tolist(), best.indices.tolist())]
            cands.sort(key=lambda c: -c[0])
            cands = cands[:2 * beams]
            n = step + 1
            new_open = []
            for rank, (sc, toks, t) in enumerate(cands):
                if t == model.eos_id:
                    if rank < beams:
                        finished.append((sc / n ** length_penalty, toks))
                    continue
                new_open.append((sc, toks + [t]))
                if len(new_open) == beams:
                    break
            if step == L - 1:
                finished += [(sc / n ** length_penalty, toks) for sc, toks in new_open]
                break
            top = sorted(f[0] for f in finished)
            if len(finished) >= beams and max(sc for sc, _ in new_open) / n ** length_penalty <= top[-beams]:
                break
            open_ = new_open
        results.append(sorted(finished, key=lambda f: -f[0]))
    return results


@pytest.mark.parametrize("length_penalty", [1.0, 0.0, 2.0])
def test_beam_search_matches_an_uncached_recompute(length_penalty):
    torch.manual_seed(4)
    dec = InversionDecoder.new(SPEC, shape=TINY, num_prefix=2, max_length=6)
    model = dec.model.eval()
    with torch.no_grad():   # flatten the untrained head and favour EOS: hypotheses end at several lengths
        model.backbone.embeddings.word_embeddings.weight.mul_(0.1)
        model.backbone.lm_bias[model.eos_id] = 2.7
    e = torch.from_numpy(_embeddings(3, seed=5))
    ids, scores = model.generate_ids(e, num_beams=3, num_return=3, length_penalty=length_penalty)
    reference = _reference_beam_search(model, e, 3, length_penalty)
    lengths = set()
    for i, ref in enumerate(reference):
        for r in range(3):
            toks = [t for t in ids[i, r].tolist() if t != model.pad_id]
            assert toks == ref[r][1]
            assert float(scores[i, r]) == pytest.approx(ref[r][0], abs=1e-4)
            lengths.add(len(toks))
    if length_penalty <= 1:   # (a strong penalty ranks only full-length ones first)
        assert len(lengths) > 1   # the test exercised hypotheses of several lengths


def test_generation_never_emits_special_tokens_but_eos():
    dec = _tiny()
    model = dec.model.eval()
    with torch.no_grad():   # an undertrained decoder that loves padding and [UNK]
        model.backbone.lm_bias[dec.codec.pad_id] = 50.0
        model.backbone.lm_bias[dec.codec.tokenizer.unk_token_id] = 50.0
    banned = set(dec.codec.never_generated)
    assert {dec.codec.pad_id, dec.codec.bos_id, dec.codec.tokenizer.unk_token_id} <= banned
    assert dec.codec.eos_id not in banned
    for beams in (1, 3):
        ids, _ = model.generate_ids(torch.from_numpy(_embeddings(2)), num_beams=beams)
        emitted = set(ids.flatten().tolist()) - {model.pad_id}
        assert not emitted & banned


def test_beam_search_returns_sorted_distinct_hypotheses():
    dec = _tiny()
    ids, scores = dec.model.eval().generate_ids(torch.from_numpy(_embeddings(2)), num_beams=4, num_return=4)
    assert ids.shape[:2] == (2, 4)
    assert torch.all(scores[:, :-1] >= scores[:, 1:])
    for row in ids:
        assert len({tuple(r.tolist()) for r in row}) == 4


@pytest.mark.slow
def test_tiny_decoder_overfits_twenty_sentences(tmp_path, sentences):
    texts = sorted(sentences, key=len)[:20]  # all shorter than max_length tokens
    emb = _embeddings(20, seed=1)
    dec = _tiny()
    cfg = TrainingConfig(steps=150, batch_size=20, lr=3e-3, prefix_lr=3e-3, warmup=10, noise_prob=0.0,
                         eval_every=150, checkpoint_every=150, valid_decode=20, seed=0)
    train_decoder(dec, texts, emb, tmp_path / "run", valid_texts=texts, valid_embeddings=emb, config=cfg)
    out = [c[0] for c in dec.generate(emb, num_beams=1)]
    exact = sum(o.lower().replace(" ", "") == t.lower().replace(" ", "") for o, t in zip(out, texts))
    assert exact >= 18, list(zip(out, texts))[:5]
    log = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    assert log[-1]["valid_rouge_l"] > 0.9 > log[0]["valid_rouge_l"]


def test_resume_reproduces_an_uninterrupted_run(tmp_path, sentences):
    texts, emb = sentences[:16], _embeddings(16, seed=2)
    common = dict(batch_size=8, lr=1e-3, prefix_lr=1e-3, warmup=2, noise_prob=0.5, noise_max=0.5,
                  eval_every=4, checkpoint_every=4, valid_decode=4, seed=3)
    straight = train_decoder(_tiny(), texts, emb, tmp_path / "a", valid_texts=texts[:4], valid_embeddings=emb[:4],
                             config=TrainingConfig(steps=8, **common))
    train_decoder(_tiny(), texts, emb, tmp_path / "b", valid_texts=texts[:4], valid_embeddings=emb[:4],
                  config=TrainingConfig(steps=8, stop_at=4, **common))
    resumed = train_decoder(_tiny(), texts, emb, tmp_path / "b", valid_texts=texts[:4], valid_embeddings=emb[:4],
                            config=TrainingConfig(steps=8, **common), resume=True)
    for (k, a), b in zip(straight.model.state_dict().items(), resumed.model.state_dict().values()):
        assert torch.allclose(a, b, atol=1e-6), k


def test_save_load_roundtrip_and_corruption(tmp_path):
    dec = _tiny()
    dec.save(tmp_path / "d")
    again = InversionDecoder.load(tmp_path / "d")
    e = _embeddings(3)
    assert again.generate(e, num_beams=3) == dec.generate(e, num_beams=3)
    (tmp_path / "d" / "model.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(CheckpointError):
        InversionDecoder.load(tmp_path / "d")
    with pytest.raises(CheckpointError):
        InversionDecoder.load(tmp_path / "missing")
