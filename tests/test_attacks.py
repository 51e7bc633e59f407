"""``vecleak.attacks``: the registry, query access, one ``strongest`` over any attackers, and the
registered attackers against the code they replaced."""

from __future__ import annotations

import numpy as np
import pytest

from vecleak.attacks import (
    AttackResult, Knowledge, QueryBudgetExceeded, QueryOracle, attack_names, can_run, load_attack, register_attack,
    strongest,
)
from vecleak.errors import InputError

SHIPPED = ("adaptive", "decoder-aux", "denoise", "fewshot", "known-encoder", "lago", "query", "token-set")


@pytest.fixture()
def registry(monkeypatch):
    """The registry, restored after the test (attackers registered here do not leak into others)."""
    from vecleak.attacks import registry

    attack_names()                                            # the shipped ones are in before the copy
    monkeypatch.setattr(registry, "_ATTACKS", dict(registry._ATTACKS))
    return registry


# ---------------------------------------------------------------- registry

def test_every_attacker_is_registered_by_name():
    assert set(SHIPPED) <= set(attack_names())
    for name in SHIPPED:
        attacker = load_attack(name)
        assert attacker.name == name and attacker.requires
        assert set(attacker.requires) <= {"leaked", "query", "known_encoder", "aux", "defense", "store_encoder",
                                          "languages"}


def test_unknown_attack_and_bad_parameters_are_refused_with_a_hint():
    with pytest.raises(InputError, match="did you mean fewshot"):
        load_attack("fewshto")
    with pytest.raises(InputError, match="'beams'.*shots"):
        load_attack("fewshot", beams=4)
    for bad in (0, -3, 2.5, True):
        with pytest.raises(InputError, match="shots"):
            load_attack("fewshot", shots=bad)
    with pytest.raises(InputError, match="adapt_steps"):
        load_attack("adaptive", adapt_steps=-1)
    with pytest.raises(InputError, match="align"):
        load_attack("lago", align="pca")
    with pytest.raises(InputError, match="already registered"):
        register_attack("fewshot", lambda: None)


# ---------------------------------------------------------------- strongest, on toy attackers

TEXTS = ["the cat sat on the mat", "a red car drove past the house", "she paid twelve euros for lunch",
         "rain fell over the old harbour", "the committee met on tuesday", "he plays the violin every night"]


class Echo:
    """Toy attacker: the true text of the rows in ``rows``, a filler elsewhere (optionally with
    the words reversed: same token F1, lower ROUGE-L / BLEU)."""

    requires = frozenset({"leaked"})

    def __init__(self, rows=(), reverse=False):
        self.rows, self.reverse = set(rows), reverse

    def attack(self, vectors, knowledge, *, languages=None):
        texts = [(" ".join(t.split()[::-1]) if self.reverse else t) if i in self.rows else "nothing here"
                 for i, t in enumerate(knowledge.leaked_texts)]
        return AttackResult(texts[:len(vectors)], queries=np.full(len(vectors), 2), seconds=0.5)


def test_a_registered_toy_attacker_is_run_by_strongest_and_the_best_is_taken_per_metric(registry, minilm):
    @register_attack("echo-test")
    class EchoTest(Echo):
        name = "echo-test"

    assert EchoTest.name == "echo-test" and "echo-test" in attack_names()
    exact_half = load_attack("echo-test", rows=range(3))                  # 3 of 6 word for word
    all_reversed = EchoTest(rows=range(6), reverse=True)                  # every word, in reverse order
    knowledge = Knowledge(None, minilm, leaked_vectors=np.zeros((6, 4), np.float32), leaked_texts=TEXTS)
    vectors = np.zeros((6, 4), np.float32)
    out = strongest({"half": exact_half, "reversed": all_reversed}, knowledge, vectors, TEXTS)
    alone = {name: strongest({name: atk}, knowledge, vectors, TEXTS)
             for name, atk in (("half", exact_half), ("reversed", all_reversed))}
    assert set(out["attackers"]) == {"half", "reversed"}
    for metric in ("rouge_l", "bleu", "token_f1", "token_recall", "content_recall", "half_recovered"):
        assert out[metric] == max(run[metric] for run in alone.values())
        assert out["attacker"][metric] == max(alone, key=lambda n: alone[n][metric])
    # each attacker wins something: one attacker's scores could not pass for the maximum
    assert out["attacker"]["token_f1"] == "reversed" and out["token_f1"] == pytest.approx(1.0)
    assert out["attacker"]["bleu"] == "half"
    assert out["reconstructions"] == alone["reversed"]["reconstructions"]        # the best by token F1
    assert out["chance"] == alone["reversed"]["chance"] and out["detail"]["token_f1"] == out["token_f1"]
    assert out["cost"] == {"half": {"queries_per_record": 2.0, "seconds": 0.5},
                           "reversed": {"queries_per_record": 2.0, "seconds": 0.5}}


def test_strongest_skips_attackers_without_their_knowledge_and_refuses_when_none_can_run(minilm):
    knowledge = Knowledge(None, minilm, leaked_vectors=np.zeros((6, 4), np.float32), leaked_texts=TEXTS)
    attackers = {"echo": Echo(rows=range(6)), "known-encoder": load_attack("known-encoder"),
                 "query": load_attack("query"), "lago": load_attack("lago"), "token-set": load_attack("token-set"),
                 "denoise": load_attack("denoise")}
    assert [n for n, a in attackers.items() if can_run(a, knowledge)] == ["echo"]
    out = strongest(attackers, knowledge, np.zeros((6, 4), np.float32), TEXTS)
    assert set(out["attackers"]) == {"echo"} and out["token_f1"] == pytest.approx(1.0)
    with pytest.raises(InputError, match="no attacker can run"):
        strongest([load_attack("known-encoder"), load_attack("query")], knowledge, np.zeros((6, 4)), TEXTS)
    with pytest.raises(InputError, match="two attackers"):
        strongest([load_attack("fewshot"), load_attack("fewshot")], knowledge, np.zeros((6, 4)), TEXTS)


# ---------------------------------------------------------------- QueryOracle

def test_query_oracle_counts_each_distinct_text_once_memoizes_and_keeps_its_budget():
    calls: list[list[str]] = []

    def embed(texts):
        calls.append(list(texts))
        return np.array([[len(t), t.count("a")] for t in texts], np.float32)

    oracle = QueryOracle(embed, 2, budget=4, batch_size=2)
    first = oracle(["banana", "kiwi", "banana"])
    assert oracle.queries == 2 and calls == [["banana", "kiwi"]]
    assert np.array_equal(first, [[6, 3], [4, 0], [6, 3]])
    again = oracle(["kiwi", "banana"])                         # asked before: free, and the same answer
    assert oracle.queries == 2 and len(calls) == 1 and np.array_equal(again, first[[1, 0]])
    assert oracle.known("kiwi") and not oracle.known("fig")
    with pytest.raises(QueryBudgetExceeded, match="budget of 4"):
        oracle(["fig", "plum", "pear"])                        # 3 new would make 5
    assert oracle.queries == 2 and not oracle.known("fig") and len(calls) == 1   # refused whole, nothing spent
    both = oracle(["fig", "", "fig"])                          # an empty text is asked as "."
    assert oracle.queries == 4 and calls[-1] == ["fig", "."] and np.array_equal(both[0], both[2])
    assert np.array_equal(oracle(["banana", "fig"]), [[6, 3], [3, 0]]) and oracle.queries == 4
    with pytest.raises(QueryBudgetExceeded):
        oracle(["one more"])
    assert oracle([]).shape == (0, 2)
    with pytest.raises(InputError):
        QueryOracle(embed, 2, budget=0)


def test_query_oracle_of_an_encoder_behind_a_defense(minilm, sentences):
    from vecleak.defenses import load_defense

    defense = load_defense("rotation", seed=1).fit(minilm.encode(sentences[:2]))
    oracle = QueryOracle.of(minilm, defense, budget=10)
    got = oracle(sentences[:4])
    assert oracle.queries == 4 and oracle.dim == minilm.dim
    assert np.allclose(got, defense.transform(minilm.encode(sentences[:4])), atol=1e-6)


# ---------------------------------------------------------------- the registered attackers on real vectors

def test_fewshot_through_the_registry_is_algen(minilm, sentences, tiny_decoder):
    from vecleak.attacks.algen import ALGENAttack
    from vecleak.decoders import load_decoder

    decoder = load_decoder(str(tiny_decoder))
    X = minilm.encode(sentences)
    knowledge = Knowledge(decoder, minilm, leaked_vectors=X[:30], leaked_texts=sentences[:30])
    for shots in (None, 12):
        result = load_attack("fewshot", shots=shots).attack(X[30:], knowledge)
        direct = ALGENAttack(decoder, minilm, num_beams=1).fit(X[:shots or 30], sentences[:shots or 30])
        inversion = direct.invert(X[30:])
        assert result.texts == inversion.reconstructions
        assert np.array_equal(result.aligned, inversion.aligned) and result.aligned.shape == (10, minilm.dim)
        assert result.queries.tolist() == [0] * 10 and result.seconds > 0 and result.encoder is minilm
    assert not np.array_equal(load_attack("fewshot", shots=5).attack(X[30:], knowledge).aligned, inversion.aligned)


def test_query_attacker_asks_the_oracle_for_its_aux_texts_and_pays_per_record(minilm, sentences, tiny_decoder):
    """Through an oracle or with the same vectors precomputed, the query attacker is the same ridge."""
    from vecleak.decoders import load_decoder
    from vecleak.defenses import load_defense

    decoder = load_decoder(str(tiny_decoder))
    defense = load_defense("rotation", seed=2).fit(minilm.encode(sentences[:2]))
    X = defense.transform(minilm.encode(sentences))
    oracle = QueryOracle.of(minilm, defense)
    asked = Knowledge(decoder, minilm, leaked_vectors=X[:10], leaked_texts=sentences[:10], oracle=oracle,
                      aux_texts=sentences[10:30])
    given = Knowledge(decoder, minilm, leaked_vectors=X[:10], leaked_texts=sentences[:10], aux_vectors=X[10:30],
                      aux_texts=sentences[10:30])
    a, b = load_attack("query").attack(X[30:], asked), load_attack("query").attack(X[30:], given)
    assert oracle.queries == 20 and a.queries.tolist() == [2.0] * 10 and a.info["queries"] == 20
    assert np.allclose(a.aligned, b.aligned, atol=1e-4)
    no_texts = Knowledge(decoder, minilm, leaked_vectors=X[:10], leaked_texts=sentences[:10], oracle=oracle)
    with pytest.raises(InputError, match="aux texts"):
        load_attack("query").attack(X[30:], no_texts)


def test_adaptive_fine_tunes_its_own_copy_of_the_decoder(minilm, sentences, tiny_decoder):
    import torch

    from vecleak.decoders import load_decoder

    decoder = load_decoder(str(tiny_decoder))
    before = {k: v.clone() for k, v in decoder.model.state_dict().items()}
    X = minilm.encode(sentences)
    knowledge = Knowledge(decoder, minilm, leaked_vectors=X[:30], leaked_texts=sentences[:30],
                          aux_texts=sentences * 2, aux_vectors=np.concatenate([X, X]), num_beams=1)
    adaptive = load_attack("adaptive", adapt_steps=2)
    result = adaptive.attack(X[30:], knowledge)
    assert adaptive.attack_.decoder is not decoder and result.info["decoder_adaptation"]["adapt_valid_loss"]
    assert all(torch.equal(before[k], v) for k, v in decoder.model.state_dict().items())
    assert result.queries.tolist() == [8.0] * 10                  # 80 aux texts over 10 records


@pytest.mark.slow
def test_strongest_of_real_attackers_is_never_below_any_of_them(minilm, sentences):
    """The shipped decoder behind a secret rotation of MiniLM: few-shot with 5 and with 10 leaked
    pairs, and query access with 20 texts of its own; the known-encoder and LAGO attackers lack their knowledge and are
    skipped. Every reported metric is the best of the individual runs."""
    from vecleak.decoders import load_decoder

    decoder = load_decoder("default")
    q, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(minilm.dim, minilm.dim)))
    Y = minilm.encode(sentences)
    X = (Y @ q).astype(np.float32)                                 # the store's vectors
    knowledge = Knowledge(decoder, minilm, leaked_vectors=X[:10], leaked_texts=sentences[:10], leaked_targets=Y[:10],
                          aux_vectors=X[10:30], aux_targets=Y[10:30])
    attackers = {"fewshot-5": load_attack("fewshot", shots=5), "fewshot-10": load_attack("fewshot"),
                 "query": load_attack("query"), "known-encoder": load_attack("known-encoder"),
                 "lago": load_attack("lago")}
    refs, targets = sentences[30:36], X[30:36]
    out = strongest(attackers, knowledge, targets, refs, reference_targets=Y[30:36])
    assert set(out["attackers"]) == {"fewshot-5", "fewshot-10", "query"}
    alone = {name: strongest({name: attackers[name]}, knowledge, targets, refs) for name in out["attackers"]}
    for metric in ("rouge_l", "bleu", "token_f1", "token_recall", "token_precision", "content_recall",
                   "half_recovered"):
        assert out[metric] == pytest.approx(max(run[metric] for run in alone.values()))
        assert all(out[metric] >= run[metric] - 1e-12 for run in alone.values())
    assert len({run["token_f1"] for run in alone.values()}) == 3        # they differ: the maximum is a real choice
    assert out["reconstructions"] == alone[out["attacker"]["token_f1"]]["reconstructions"]
    assert out["cost"]["query"]["queries_per_record"] == 20 / 6 and out["cost"]["fewshot-5"]["queries_per_record"] == 0
