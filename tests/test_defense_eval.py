"""``vecleak evaluate-defense``: contract names, linear defenses undone by ALGEN, noise that is not."""

from __future__ import annotations

import json

import pytest

from conftest import run_cli_err as _run


@pytest.fixture()
def files(tmp_path, sentences):
    (tmp_path / "train.txt").write_text("\n".join(sentences[:30]) + "\n", encoding="utf-8")
    (tmp_path / "test.txt").write_text("\n".join(sentences[30:40]) + "\n", encoding="utf-8")
    return tmp_path


def _rows(out):
    return [json.loads(line) for line in (out / "reconstructions.jsonl").read_text().splitlines()]


def _evaluate(capsys, files, decoder, name, *extra):
    out = files / f"out-{name}"
    code, err = _run(capsys, "evaluate-defense", "--victim", "minilm", "--decoder", decoder, "--defense", name,
                     "--shots", 30, "--beams", 1, "--train", files / "train.txt", "--test", files / "test.txt",
                     "--out", out, *extra)
    assert code == 0, err
    return json.loads((out / "results.json").read_text())


def test_rotation_is_undone_by_alignment_but_ldp_noise_is_not(capsys, files, tiny_decoder, sentences):
    none = _evaluate(capsys, files, tiny_decoder, "none")
    none_rows = _rows(files / "out-none")
    rotation = _evaluate(capsys, files, tiny_decoder, "rotation", "--seed", 3)
    shuffle = _evaluate(capsys, files, tiny_decoder, "shuffle", "--seed", 3)
    purmech = _evaluate(capsys, files, tiny_decoder, "purmech", "--dp-epsilon", 1)
    for r in (none, rotation, purmech):
        for key in ("rouge_l", "bleu", "token_f1", "token_recall"):
            assert 0.0 <= r[key] <= 1.0
        assert {"guess", "rouge_l"} <= set(r["chance_guess"]) and "rouge_l" in r["chance"]
    # ridge is rotation-equivariant: XR (RᵀW) = XW, so the aligned vectors are the same
    assert rotation["aligned_cosine"] == pytest.approx(none["aligned_cosine"], abs=1e-4)
    assert shuffle["aligned_cosine"] == pytest.approx(none["aligned_cosine"], abs=1e-4)
    assert rotation["settings"]["defense"] == {"name": "rotation", "seed": 3}
    # PurMech at ε = 1 keeps cos(out, x) ≈ ε/(d−2): almost nothing left to align
    assert purmech["aligned_cosine"] < none["aligned_cosine"] - 0.2
    assert purmech["settings"]["defense"]["epsilon"] == 1.0
    # every defended test vector is attacked, in order, and written beside its own text
    assert [r["reference"] for r in none_rows] == sentences[30:40] and none["n_test"] == 10
    assert [r["reference"] for r in _rows(files / "out-purmech")] == sentences[30:40]
    # the metric tokenizer is the CLI's choice: rouge-score's ASCII one scores the same outputs differently
    ascii_ = _evaluate(capsys, files, tiny_decoder, "none", "--tokenizer", "rouge-score")
    assert ascii_["settings"]["tokenizer"] == "rouge-score" and none["settings"]["tokenizer"] == "unicode"


def test_defense_bad_input(capsys, files, tiny_decoder):
    base = ["evaluate-defense", "--victim", "minilm", "--decoder", tiny_decoder, "--shots", 5,
            "--train", files / "train.txt", "--test", files / "test.txt"]
    for extra, needle in ((["--defense", "purmech"], "epsilon"),
                          (["--defense", "purmech", "--dp-epsilon", "-1"], "epsilon must be"),
                          (["--defense", "purmesh", "--dp-epsilon", "1"], "purmech"),
                          (["--defense", "none", "--attacker", "oracle"], "--attacker"),
                          (["--defense", "pca", "--param", "n_components"], "KEY=VALUE"),
                          (["--defense", "rotation", "--param", "seed=3"], "use --seed"),
                          (["--defense", "none", "--attacker", "adaptive", "--aux-size", 30], "at least 64"),
                          (["--defense", "none", "--tokenizer", "nltk"], "unknown tokenizer 'nltk'")):
        out = files / "out"
        code, err = _run(capsys, *base, "--out", out, *extra)
        assert code == 2 and "Traceback" not in err, err
        lines = [line for line in err.strip().splitlines() if line.strip()]
        assert len(lines) == 1 and needle in lines[0], err
        assert not out.exists()


def test_wrong_width_vectors_are_refused(capsys, files, tiny_decoder):
    import numpy as np

    np.save(files / "test.npy", np.ones((4, 17), np.float32))
    out = files / "out"
    code, err = _run(capsys, "evaluate-defense", "--victim", "minilm", "--decoder", tiny_decoder, "--shots", 5,
                     "--train", files / "train.txt", "--test", files / "test.npy", "--out", out)
    assert code == 2 and "Traceback" not in err and "384" in err, err
    assert not out.exists()


@pytest.mark.slow
def test_adaptive_attacker_fine_tunes_on_defended_aux_vectors(capsys, files, tiny_decoder, minilm, sentences):
    """adapt_decoder changes the decoder in place and lowers its loss on the (defended vector,
    text) pairs it was tuned on; the CLI records what the adaptive attacker used."""
    import numpy as np
    import torch

    from vecleak.decoders import load_decoder
    from vecleak.defenses import load_defense
    from vecleak.recipes.defense_eval import adapt_decoder

    decoder = load_decoder(str(tiny_decoder))
    texts = sentences[:40]
    defended = load_defense("gaussian", sigma=0.05, seed=0).transform(minilm.encode(texts))

    def loss() -> float:
        decoder.model.eval()
        with torch.no_grad():
            ids, mask = decoder.codec.pad(decoder.codec.encode(texts))
            return float(decoder.model.loss(torch.from_numpy(np.asarray(defended)), ids, mask))

    before = [p.detach().clone() for p in decoder.model.parameters() if p.requires_grad]
    start = loss()
    chosen = adapt_decoder(decoder, defended, texts, steps=30, batch_size=16, lr=3e-3)
    after = [p for p in decoder.model.parameters() if p.requires_grad]
    assert chosen["adapt_selected_step"] > 0 and set(chosen["adapt_valid_loss"]) == {0, 7, 14, 21, 28, 30}
    assert any(not torch.equal(a, b) for a, b in zip(before, after))
    assert loss() < start
    r = _evaluate(capsys, files, tiny_decoder, "gaussian", "--param", "sigma=0.05", "--attacker", "adaptive",
                  "--aux-size", 64, "--adapt-steps", 2)
    assert r["settings"]["attacker"] == "adaptive" and r["settings"]["adapt_steps"] == 2


def test_adapting_never_leaves_the_decoder_worse_on_held_out_pairs(tiny_decoder, minilm, sentences):
    """A fine-tuning that wrecks the decoder (learning rate 10) is not kept: the held-out aux
    pairs choose the untouched weights, so the adaptive attacker falls back to the plain one."""
    import torch

    from vecleak.decoders import load_decoder
    from vecleak.defenses import load_defense
    from vecleak.recipes.defense_eval import adapt_decoder

    decoder = load_decoder(str(tiny_decoder))
    texts = sentences[:40]
    defended = load_defense("gaussian", sigma=0.05, seed=0).transform(minilm.encode(texts))
    before = {k: v.clone() for k, v in decoder.model.state_dict().items()}
    chosen = adapt_decoder(decoder, defended, texts, steps=8, batch_size=16, lr=10.0)
    assert chosen["adapt_selected_step"] == 0
    assert max(chosen["adapt_valid_loss"].values()) > chosen["adapt_valid_loss"][0]     # it did get worse
    assert all(torch.equal(before[k], v) for k, v in decoder.model.state_dict().items())


def test_the_adaptive_attacker_is_never_weaker_than_fewshot_on_its_own_held_out_pairs(tiny_decoder, minilm, sentences):
    """What adapting promises, measured apart from its own bookkeeping: fewshot and adaptive,
    each run on its own against a Gaussian defense the adaptive one knows, align identically, and
    the adaptive decoder's loss on the held-out aux pairs (a tenth of its own corpus, no test text)
    is at most the plain decoder's. The knowledge's decoder itself is left untouched."""
    import numpy as np
    import torch

    from vecleak.attacks import load_attack
    from vecleak.data.corpora import AUX_CORPUS
    from vecleak.data.records import read_texts
    from vecleak.decoders import load_decoder
    from vecleak.defenses import load_defense
    from vecleak.recipes.defense_eval import defended_knowledge

    decoder = load_decoder(str(tiny_decoder))
    untouched = {k: v.clone() for k, v in decoder.model.state_dict().items()}
    aux = read_texts(AUX_CORPUS)[:80]
    leaked, test = sentences[:30], sentences[30:40]
    fewshot, adaptive = load_attack("fewshot"), load_attack("adaptive", adapt_steps=8)
    knowledge, stored = defended_knowledge(
        load_defense("gaussian", sigma=0.05, seed=0), decoder=decoder, victim=minilm, attacker=minilm,
        X_leak=minilm.encode(leaked), leaked_texts=leaked, X_test=minilm.encode(test),
        attackers=(fewshot, adaptive), aux_texts=aux, beams=1)
    assert knowledge.has("defense") and knowledge.has("query")
    plain_run, adapted_run = fewshot.attack(stored, knowledge), adaptive.attack(stored, knowledge)
    assert adaptive.attack_.decoder is not decoder and fewshot.attack_.decoder is decoder
    assert all(torch.equal(untouched[k], v) for k, v in decoder.model.state_dict().items())
    np.testing.assert_allclose(adapted_run.aligned, plain_run.aligned, atol=1e-6)      # the same alignment

    held_out = aux[:max(1, min(100, len(aux) // 10))]             # adapt_decoder's held-out pairs
    aligned = adaptive.attack_.aligner.transform(knowledge.aux_in_stored_space()[:len(held_out)])

    def loss(dec) -> float:
        dec.model.eval()
        with torch.no_grad():
            ids, mask = dec.codec.pad(dec.codec.encode(held_out))
            return float(dec.model.loss(torch.from_numpy(np.asarray(aligned, np.float32)), ids, mask))

    adapted, plain = loss(adaptive.attack_.decoder), loss(decoder)
    assert adapted <= plain + 1e-6, (adapted, plain)
    chosen = adapted_run.info["decoder_adaptation"]
    assert chosen["adapt_valid_loss"][chosen["adapt_selected_step"]] == pytest.approx(adapted, abs=1e-3)
    assert chosen["adapt_valid_loss"][0] == pytest.approx(plain, abs=1e-3)


@pytest.mark.slow
def test_token_set_attacker_reads_words_from_vectors_and_noise_takes_them_away(capsys, tmp_path):
    """The multi-label attacker trained on 1,200 shipped Tatoeba sentences, tested on 40 others."""
    from vecleak.data.corpora import AUX_CORPUS

    lines = AUX_CORPUS.read_text(encoding="utf-8").splitlines()
    (tmp_path / "test.txt").write_text("\n".join(lines[-40:]) + "\n", encoding="utf-8")
    (tmp_path / "train.txt").write_text("unused\n", encoding="utf-8")
    none = _evaluate(capsys, tmp_path, "default", "none", "--attacker", "token-set", "--aux-size", 1200)
    noisy = _evaluate(capsys, tmp_path, "default", "purmech", "--dp-epsilon", 1, "--attacker", "token-set",
                      "--aux-size", 1200)
    assert none["settings"]["attacker"] == "token-set" and none["settings"]["aux_size"] == 1200
    assert none["token_f1"] > none["chance_guess"]["token_f1"] + 0.03     # it reads words of each text (0.19 vs 0.15)
    # on near-pure noise it falls back to (about) its text-independent guess, so below the
    # undefended score (the two bounds give a gap of at least 0.01; measured 0.193 vs 0.174)
    assert abs(noisy["token_f1"] - noisy["chance_guess"]["token_f1"]) < 0.02
    assert noisy["token_f1"] < none["token_f1"]
    rows = [json.loads(line) for line in (tmp_path / "out-none" / "reconstructions.jsonl").read_text().splitlines()]
    assert len(rows) == 40 and all(r["reconstruction"] for r in rows)


def test_wiener_denoiser_brings_noisy_vectors_closer_to_the_clean_ones(minilm):
    """Learned on 300 defended copies of the attacker's own texts (a fresh draw of the same
    Gaussian noise), the denoiser moves held-out defended vectors toward their clean versions
    (cosine 0.71 -> 0.77 when written). A free ridge map from defended to clean vectors, with
    fewer pairs than dimensions, did the opposite (0.65): the shrunk covariances are the point."""
    from vecleak.align.denoise import fit_denoiser
    from vecleak.data.corpora import AUX_CORPUS
    from vecleak.data.records import read_texts
    from vecleak.defenses import load_defense
    from vecleak.metrics import cosine_rows

    texts = read_texts(AUX_CORPUS)
    X_aux, X_test = minilm.encode(texts[:300]), minilm.encode(texts[-40:])
    deployed = load_defense("gaussian", sigma=0.05, seed=1)
    own = load_defense("gaussian", sigma=0.05, seed=2)
    denoiser = fit_denoiser(own.transform(X_aux), X_aux)
    D_test = deployed.transform(X_test)
    raw, cleaned = cosine_rows(D_test, X_test).mean(), cosine_rows(denoiser.transform(D_test), X_test).mean()
    assert cleaned > raw + 0.03, (raw, cleaned)


def test_denoise_attacker_runs_end_to_end(capsys, files, tiny_decoder):
    r = _evaluate(capsys, files, tiny_decoder, "gaussian", "--param", "sigma=0.05", "--attacker", "denoise",
                  "--aux-size", 300)
    assert r["settings"]["attacker"] == "denoise" and r["settings"]["aux_size"] == 300
    assert "DenoisedAligner" in r["settings"]["aligner"]["type"] and 0 <= r["rouge_l"] <= 1
    assert r["settings"]["defense"]["name"] == "gaussian" and r["settings"]["defense"]["sigma"] == 0.05
    rows = _rows(files / "out-gaussian")
    assert [row["reference"] for row in rows] == (files / "test.txt").read_text().splitlines() and r["n_test"] == 10


def _strongest_on_gaussian(out):
    """``--attacker strongest`` on 10 unseen rows behind Gaussian noise (sigma 0.05)."""
    from vecleak.data.corpora import EXAMPLES
    from vecleak.recipes.defense_eval import evaluate_defense

    results, _ = evaluate_defense(victim="minilm", decoder="multilingual", defense="gaussian",
                                  defense_params={"sigma": 0.05}, shots=40, train=EXAMPLES / "leaked.txt",
                                  test=EXAMPLES / "unseen.txt", limit=10, attacker="strongest", aux_size=80,
                                  adapt_steps=2, beams=1, out=out)
    return results


@pytest.mark.slow
def test_strongest_attacker_reports_the_best_of_every_attacker(tmp_path):
    """--attacker strongest runs fewshot, denoise, adaptive and decoder-aux; each metric is the best
    of them (the defender's worst case), named in best_attacker."""
    from vecleak.recipes.defense_eval import DECODING_ATTACKERS

    results = _strongest_on_gaussian(tmp_path / "out")
    assert set(results["by_attacker"]) == set(DECODING_ATTACKERS)
    for metric in ("rouge_l", "token_f1", "token_recall"):
        best = max(r[metric] for r in results["by_attacker"].values())
        assert results[metric] == pytest.approx(best)
        assert results["by_attacker"][results["best_attacker"][metric]][metric] == pytest.approx(best)
    saved = json.loads((tmp_path / "out" / "results.json").read_text())
    assert saved["settings"]["attacker"] == "strongest" and saved["settings"]["aux_size"] == 80


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="does not hold today: adaptive (aux 80, 2 steps) scores below fewshot on "
                                       "these rows (rouge_l 0.101 vs 0.149, token_f1 0.101 vs 0.156, token_recall "
                                       "0.093 vs 0.174); adapting only bounds the loss on its own held-out aux pairs")
def test_the_adaptive_attacker_is_never_weaker_than_fewshot_on_a_defense_it_knows(tmp_path):
    """Each scored on its own (by_attacker) on the same defended rows, the adaptive attacker, which
    knows the Gaussian defense and fine-tunes its decoder on it, reaches at least fewshot's scores."""
    by_attacker = _strongest_on_gaussian(tmp_path / "out")["by_attacker"]
    for metric in ("rouge_l", "token_f1", "token_recall"):
        assert by_attacker["adaptive"][metric] >= by_attacker["fewshot"][metric], metric
