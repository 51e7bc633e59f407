from __future__ import annotations

import numpy as np
import pytest

from vecleak.errors import InputError
from vecleak.utility import (
    FunctionTransform,
    LogisticHead,
    Split,
    TaskData,
    best_threshold,
    detokenize,
    evaluate_utility,
    load_task,
    ranking_scores,
    spearman,
)
from vecleak.utility.detok import wikisplit_sentences

# Small slices of the shipped data: the shipped files are in seeded random order, so these are
# random subsets, and the same slice gives the same texts (one encode per session via the cache).
SST2_SLICE = (600, 200)
STSB_SLICE = 200


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("utility-cache")


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    """Encode on one thread: on a busy 2-core machine two spinning threads are ~3x slower."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


class Noise:
    """Replaces every embedding with Gaussian noise of the same shape (all information gone)."""

    def __init__(self, seed: int = 0) -> None:
        self.rng = np.random.default_rng(seed)

    def transform(self, E: np.ndarray) -> np.ndarray:
        return self.rng.standard_normal(E.shape).astype(np.float32)


class Identity:
    """Fits (records the fit rows) and returns its input unchanged."""

    def fit(self, E: np.ndarray) -> Identity:
        self.n_fit_ = len(E)
        return self

    def transform(self, E: np.ndarray) -> np.ndarray:
        return E


# --- the head -----------------------------------------------------------------------------

def _gaussian(n: int, d: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, d))


def test_head_separates_a_linearly_separable_set():
    w = np.random.default_rng(1).standard_normal(10)
    X_train, X_test = _gaussian(400, 10, 2), _gaussian(1000, 10, 3)
    head = LogisticHead(seed=0).fit(X_train, (X_train @ w > 0).astype(int))
    assert head.score(X_test, (X_test @ w > 0).astype(int)) >= 0.95
    assert head.l2_ in head.l2_grid and head.W_.shape == (10, 2)


def test_head_is_at_chance_on_shuffled_labels():
    # Labels independent of X: test accuracy is Binomial(2000, 1/2) / 2000, sd 0.011; 0.06 is > 5 sd.
    X_train, X_test = _gaussian(500, 20, 4), _gaussian(2000, 20, 5)
    rng = np.random.default_rng(6)
    head = LogisticHead(seed=0).fit(X_train, rng.integers(0, 2, 500))
    assert abs(head.score(X_test, rng.integers(0, 2, 2000)) - 0.5) < 0.06


def test_head_is_multinomial_and_deterministic():
    centers = np.array([[4.0, 0.0], [-4.0, 0.0], [0.0, 4.0]])
    y = np.repeat([0, 1, 2], 50)
    X = centers[y] + _gaussian(150, 2, 7)
    a, b = LogisticHead(seed=3).fit(X, y), LogisticHead(seed=3).fit(X, y)
    assert a.score(X, y) > 0.95
    np.testing.assert_array_equal(a.W_, b.W_)
    np.testing.assert_allclose(a.predict_proba(X).sum(1), 1.0)


def test_head_rejects_a_single_class():
    with pytest.raises(InputError, match="two classes"):
        LogisticHead().fit(np.zeros((30, 2)), np.zeros(30))


# --- the scores ---------------------------------------------------------------------------

def test_mrr_and_map_of_a_hand_made_ranking():
    # q0: ranked order rel = [0, 1, 0, 1] -> RR 1/2, AP (1/2 + 2/4) / 2 = 1/2.
    # q1: ranked order rel = [1, 0, 0]    -> RR 1,   AP 1.
    # q2: no relevant row                 -> left out.
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.3, 0.2, 0.1, 0.5, 0.4])
    relevant = np.array([0, 1, 0, 1, 1, 0, 0, 0, 0])
    groups = np.array([0, 0, 0, 0, 1, 1, 1, 2, 2])
    # shuffle the rows: the result must not depend on row order
    perm = np.random.default_rng(0).permutation(9)
    r = ranking_scores(scores[perm], relevant[perm], groups[perm])
    assert r["n_queries"] == 2
    assert r["mrr"] == pytest.approx((1 / 2 + 1) / 2)
    assert r["map"] == pytest.approx((1 / 2 + 1) / 2)


def test_map_differs_from_mrr_with_a_late_second_hit():
    # rel = [1, 0, 0, 1]: RR 1, AP (1/1 + 2/4) / 2 = 3/4
    r = ranking_scores(np.array([4.0, 3, 2, 1]), np.array([1, 0, 0, 1]), np.zeros(4))
    assert (r["mrr"], r["map"]) == (pytest.approx(1.0), pytest.approx(0.75))


def test_spearman_of_a_monotone_map_is_one():
    x = np.random.default_rng(0).standard_normal(50)
    assert spearman(np.exp(3 * x), x) == pytest.approx(1.0)
    assert spearman(-x, x) == pytest.approx(-1.0)


def test_best_threshold_splits_separable_similarities():
    sims, labels = np.array([0.1, 0.2, 0.6, 0.9]), np.array([0, 0, 1, 1])
    assert best_threshold(sims, labels) == pytest.approx(0.4)  # midpoint of 0.2 and 0.6


def test_detokenize_treebank_text():
    assert detokenize("it 's a `` charming '' journey , is n't it ? ") == 'it\'s a "charming" journey, isn\'t it?'
    assert detokenize("the draw ( for $ 2.5 billion ) .") == "the draw (for $2.5 billion)."


def test_wikisplit_sentences_complex_then_parts():
    # A line of WikiSplit's test file, as distributed (tokenized, parts joined by <::::>).
    line = ("A chalice may be placed on an altar or on the ground and may contain wine , whisky , water , "
            "or other liquids .\tA chalice may be placed on an altar or on the ground . <::::> "
            "The chalice may contain wine , whiskey , water , or other liquids .")
    assert wikisplit_sentences(line + "\n\n") == [
        "A chalice may be placed on an altar or on the ground and may contain wine, whisky, water, or other liquids.",
        "A chalice may be placed on an altar or on the ground.",
        "The chalice may contain wine, whiskey, water, or other liquids.",
    ]


# --- task data ----------------------------------------------------------------------------

def test_load_task_limits_and_shapes():
    data = load_task("snli", limit=(30, 20))
    assert (len(data.train), len(data.test)) == (30, 20)
    assert data.train.texts_b is not None and set(data.train.labels) <= {0, 1, 2}
    assert len(load_task("stsb", lang="de", limit=5).test) == 5


def test_unknown_task_names_close_matches():
    with pytest.raises(InputError, match="did you mean sst2"):
        load_task("sst-3")


def test_split_with_mismatched_labels_is_an_input_error():
    with pytest.raises(InputError, match="3 texts but 2 labels"):
        Split(["a", "b", "c"], np.array([0, 1]))


def test_wikiqa_needs_a_data_dir():
    with pytest.raises(InputError, match="data_dir"):
        load_task("wikiqa")


# --- real data with MiniLM ------------------------------------------------------------------

@pytest.mark.slow
def test_sst2_slice_well_above_chance_and_noise_defense_hurts(minilm, cache_dir):
    data = load_task("sst2", limit=SST2_SLICE)
    plain = evaluate_utility(minilm, data, cache_dir=cache_dir)
    assert plain["metric"] == "accuracy" and (plain["n_train"], plain["n_test"]) == SST2_SLICE
    assert plain["score"] > 0.7 and plain["relative_utility"] == 1.0
    noisy = evaluate_utility(minilm, data, defense=Noise(), cache_dir=cache_dir)
    assert noisy["undefended_score"] == plain["score"]
    assert noisy["relative_utility"] < 0.8
    # the raw ratio credits the majority class; above chance, the noise leaves much less
    majority = max(np.mean(data.test.labels), 1 - np.mean(data.test.labels))
    assert noisy["chance_score"] == pytest.approx(majority, abs=0.2) and noisy["chance_score"] > 0.3
    expected = (noisy["score"] - noisy["chance_score"]) / (plain["score"] - noisy["chance_score"])
    assert noisy["utility_above_chance"] == pytest.approx(expected)
    assert noisy["utility_above_chance"] < noisy["relative_utility"]


@pytest.mark.slow
def test_identity_defense_keeps_utility_exactly(minilm, cache_dir):
    identity, data = Identity(), load_task("sst2", limit=SST2_SLICE)
    r = evaluate_utility(minilm, data, defense=identity, cache_dir=cache_dir)
    assert r["relative_utility"] == 1.0 and r["score"] == r["undefended_score"]
    assert identity.n_fit_ == len(data.train.all_texts())  # fitted on the (distinct) train vectors only


@pytest.mark.slow
def test_stsb_spearman_and_function_defense(minilm, cache_dir):
    r = evaluate_utility(minilm, "stsb", limit=(0, STSB_SLICE), cache_dir=cache_dir,
                         defense=FunctionTransform(lambda E: 2.0 * E))  # cosine is scale-free
    assert r["metric"] == "spearman" and r["n_test"] == STSB_SLICE and r["n_train"] == 0
    assert r["undefended_score"] > 0.6
    assert r["score"] == pytest.approx(r["undefended_score"], abs=1e-6)


def test_refit_false_uses_the_defense_as_fitted_elsewhere(minilm, cache_dir):
    """One fitted object for privacy and utility: with refit=False the task's train rows never reach fit."""
    identity = Identity().fit(np.eye(3, 384, dtype=np.float32))
    r = evaluate_utility(minilm, "stsb", limit=(0, 20), defense=identity, cache_dir=cache_dir, refit=False)
    assert identity.n_fit_ == 3
    assert r["score"] == pytest.approx(r["undefended_score"], abs=1e-9)
    evaluate_utility(minilm, "stsb", limit=(20, 20), defense=identity, cache_dir=cache_dir)
    assert identity.n_fit_ == 40      # the default refits on the task's (distinct) train texts


def test_defense_with_fit_needs_train_rows(minilm):
    with pytest.raises(InputError, match="no train rows"):
        evaluate_utility(minilm, "stsb", limit=(0, 5), defense=Identity())


def test_defense_must_keep_rows(minilm, cache_dir):
    data = TaskData(load_task("stsb").spec, Split([], np.zeros(0)),
                    Split(["A cat sits.", "A dog runs."], np.array([1.0, 2.0]), ["A cat sat.", "A dog ran."]))
    with pytest.raises(InputError, match="one row per input row"):
        evaluate_utility(minilm, data, defense=FunctionTransform(lambda E: E[:1]), cache_dir=cache_dir)


def test_random_mrr_is_exact():
    from itertools import permutations

    from vecleak.utility.scores import random_mrr

    # one query of 4 rows with 2 relevant: average 1/rank-of-first over all 24 orders
    rel = np.array([1, 0, 1, 0])
    brute = np.mean([1 / (1 + min(p.index(0), p.index(2))) for p in permutations(range(4))])
    assert random_mrr(rel, np.zeros(4)) == pytest.approx(brute)
    assert random_mrr(np.array([1, 0, 0]), np.zeros(3)) == pytest.approx((1 + 1 / 2 + 1 / 3) / 3)


def test_majority_accuracy():
    from vecleak.utility.scores import majority_accuracy

    assert majority_accuracy(np.array([1, 1, 0]), np.array([1, 0, 0, 0])) == pytest.approx(0.25)
