from __future__ import annotations

import numpy as np

from vecleak.align import Ridge
from vecleak.decoders import rerank


def test_rerank_picks_the_candidate_closest_to_the_target(minilm, sentences):
    targets = minilm.encode(sentences[:4])
    # Each row hides the true sentence among three others.
    candidates = [[sentences[(i + k) % 10 + 10] for k in range(3)] + [sentences[i]] for i in range(4)]
    chosen, cos = rerank(candidates, targets, minilm)
    assert chosen == sentences[:4]
    assert np.allclose(cos, 1.0, atol=1e-5)


def test_alignment_undoes_a_secret_rotation_of_real_embeddings(minilm, sentences):
    """A rotated copy of MiniLM's space is mapped back: ALGEN learns linear 'protections' back."""
    y = minilm.encode(sentences)                                    # (40, 384)
    q, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(384, 384)))
    x = y @ q                                                       # the 'protected' victim vectors
    model = Ridge(alpha=1e-6).fit(x[:30], y[:30])
    # 30 pairs span a 30-d subspace; held-out vectors are recovered up to their part outside it,
    # so compare against the best any map fitted on these pairs can do: projection on their span.
    basis, _ = np.linalg.qr(y[:30].T)
    best = (y[30:] @ basis) @ basis.T
    assert np.allclose(model.transform(x[30:]), best, atol=1e-3)


def test_the_in_memory_attack_returns_scores_and_writes_nothing(minilm, sentences, tmp_path, monkeypatch):
    """``algen_report`` computes what ``attack_files`` writes, from loaded vectors, touching no file;
    the shipped decoder on 30 leaked pairs beats twice its chance level on 10 held-out sentences."""
    from vecleak.decoders import load_decoder
    from vecleak.recipes.io import VictimSet
    from vecleak.recipes.run import algen_report

    monkeypatch.chdir(tmp_path)
    X = minilm.encode(sentences)
    report = algen_report(load_decoder("default"), minilm, VictimSet(X[30:], sentences[30:]),
                          VictimSet(X[:30], sentences[:30]), beams=1)
    assert list(tmp_path.iterdir()) == []
    assert len(report.rows) == 10 and report.rows[0]["reference"] == sentences[30]
    assert report.results["token_f1"] > 2 * report.results["chance"]["token_f1"]      # 0.13 vs 0.04 here
    assert report.settings["shots"] == 30 and report.settings["align"] == "algen"
    assert "inputs" not in report.settings          # where inputs came from is the file wrapper's business


def test_the_in_memory_defense_report_leaves_the_callers_decoder_untouched(minilm, sentences):
    """The adaptive attacker fine-tunes its own copy of the decoder, never the caller's."""
    import torch

    from vecleak.decoders import load_decoder
    from vecleak.defenses import load_defense
    from vecleak.recipes.defense_eval import defense_report
    from vecleak.recipes.io import VictimSet

    dec = load_decoder("default")
    before = {k: v.clone() for k, v in dec.model.state_dict().items()}
    X = minilm.encode(sentences)
    report = defense_report(load_defense("gaussian", sigma=0.02, seed=0), dec, minilm, VictimSet(X[:30], sentences[:30]),
                            VictimSet(X[30:], sentences[30:]), attacker="adaptive", aux_texts=sentences * 2,
                            adapt_steps=2, beams=1)
    assert report.settings["attacker"] == "adaptive" and report.settings["adapt_steps"] == 2
    assert all(torch.equal(before[k], v) for k, v in dec.model.state_dict().items())
