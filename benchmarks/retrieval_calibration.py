"""How strict is recall@10? Neighbour retrieval against STSb Spearman for defenses of known strength.

Every learned Eguard projection in ``eguard_second_pass`` kept STSb Spearman 0.36-0.54 but
recall@10 ~0.03. This script checks the measurement and calibrates it: on the same WikiQA rows
(200 test targets as queries, 2,000 others as the rest of the corpus, MiniLM), it scores

* the identity and a random rotation (recall must be exactly 1: cosine is rotation-invariant),
* Gaussian noise of growing sigma (a fresh draw for the queries, as at query time) and PCA,
* the paper's Eguard projection (``EguardConfig()``, trained here), as it is and centred (its
  outputs minus their mean over the stored rows, the mean fitted once on the store),

by recall@10 / nDCG@10 (:func:`vecleak.utility.retrieval.neighbour_retrieval`), STSb Spearman
(:func:`vecleak.utility.evaluate_utility`), and two geometry numbers of the defended corpus:
``mean_cosine`` (mean cosine of distinct rows: how far the vectors crowd into a cone) and
``neighbour_margin`` (cosine of each query to its 10th raw neighbour minus its mean cosine to the
corpus, after the defense: how far the true neighbours still stand out, in cosine units).

    python benchmarks/retrieval_calibration.py --victim minilm --out benchmarks/results
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from common import add_wikiqa_split_options, markdown_table, wikiqa_splits, write_json
from vecleak.defenses import load_defense
from vecleak.encoders import encode_cached, load_encoder
from vecleak.errors import run_script
from vecleak.recipes.eguard import EguardConfig, train_eguard
from vecleak.utility import evaluate_utility
from vecleak.utility.retrieval import neighbour_retrieval, top_k

COLUMNS = ["row", "recall_at_10", "ndcg_at_10", "stsb", "mean_cosine", "neighbour_margin"]


def _unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, np.float64)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def geometry(raw: np.ndarray, defended: np.ndarray, queries: np.ndarray, k: int = 10) -> dict[str, float]:
    """``mean_cosine`` of distinct defended rows and the defended ``neighbour_margin`` (see module doc)."""
    D = _unit(defended)
    sims = D @ D.T
    n = len(D)
    mean_cos = float((sims.sum() - np.trace(sims)) / (n * (n - 1)))
    truth = top_k(raw[queries], raw, k, exclude=queries)                  # (q, k) raw neighbours
    q_sims = sims[queries]
    kth = np.take_along_axis(q_sims, truth, 1).min(1)                     # worst true neighbour, defended
    mean_q = (q_sims.sum(1) - 1.0) / (n - 1)
    return {"mean_cosine": mean_cos, "neighbour_margin": float((kth - mean_q).mean())}


class Centred:
    """``defense`` followed by subtracting the mean of its outputs on the rows it is fitted on."""

    def __init__(self, defense) -> None:
        self.defense = defense

    def fit(self, E: np.ndarray) -> Centred:
        self.mean_ = self.defense.transform(E).mean(0)
        return self

    def transform(self, E: np.ndarray) -> np.ndarray:
        return self.defense.transform(E) - self.mean_


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_wikiqa_split_options(ap)
    ap.add_argument("--sigmas", type=float, nargs="+", default=[0.01, 0.02, 0.03, 0.05, 0.08])
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    victim = load_encoder(args.victim)
    # the same rows as eguard_second_pass: test targets, then the corpus after the leaked pairs
    split = wikiqa_splits(args.n_targets, args.shots, args.corpus_size)
    test, corpus = split["test"], split["corpus"]
    raw = np.concatenate([encode_cached(victim, t, args.cache) for t in (test, corpus)])
    queries = np.arange(len(test))

    defenses: list[tuple[str, object]] = [("none", load_defense("none")), ("rotation", load_defense("rotation", seed=0))]
    defenses += [(f"gaussian sigma={s}", load_defense("gaussian", sigma=s, seed=0)) for s in args.sigmas]
    defenses += [(f"pca n={n}", load_defense("pca", n_components=n)) for n in (16, 64)]
    t0 = time.monotonic()
    eguard = train_eguard(victim, EguardConfig(), cache_dir=args.cache)
    defenses += [("eguard paper", eguard), ("eguard paper, centred", Centred(eguard))]
    eguard_s = time.monotonic() - t0

    rows = []
    for label, defense in defenses:
        defense.fit(raw)
        stored = defense.transform(raw)
        asked = defense.transform(raw[queries])       # a second draw for a stochastic defense
        retrieval = neighbour_retrieval(raw, stored, asked, queries=queries)
        stsb = evaluate_utility(victim, "stsb", defense=defense, cache_dir=args.cache)["score"]
        rows.append({"row": label, **retrieval, "stsb": stsb, **geometry(raw, stored, queries)})
        print({k: rows[-1][k] for k in COLUMNS}, flush=True)

    out = Path(args.out)
    tag = f"retrieval_calibration_{args.victim}"
    write_json(out / f"{tag}.json", {"rows": rows, "eguard_train_s": eguard_s, "settings": vars(args)})
    text = (f"# Retrieval calibration: {args.victim}, {len(test)} WikiQA queries among {len(raw)} rows "
            f"(chance recall@10 {rows[0]['chance_recall_at_10']:.4f})\n\n"
            "recall_at_10 / ndcg_at_10: defended vs raw top-10 neighbours; stsb: Spearman of defended cosines "
            "(STSb test); mean_cosine: mean cosine of distinct defended rows; neighbour_margin: defended cosine "
            "of each query to its 10th raw neighbour minus its mean cosine to the corpus.\n\n"
            + markdown_table(rows, COLUMNS) + "\n")
    (out / f"{tag}.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    run_script(main)
