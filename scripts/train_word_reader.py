"""Train the bag-of-words word reader of one encoder (:mod:`vecleak.classifiers.word_reader`).

The attacker's offline preparation: embed its own corpus and a vocabulary (the corpus's words
and the decoder tokenizer's whole words) with the encoder, train the bilinear scorer with binary
cross-entropy over the whole vocabulary per sentence, choose the threshold on half of the
held-out sentences and report scores on the other half. The corpus's sources are recorded.

    .venv/bin/python scripts/train_word_reader.py --encoder minilm \
        --corpus ../shared/data/english_pool/english_pool.tsv.gz --skip-source medical_question_pairs \
        --out src/vecleak/classifiers/pretrained/words-minilm
"""

from __future__ import annotations

import argparse
import gzip
import time
from pathlib import Path

import numpy as np

from vecleak.errors import run_script


def read_corpus(paths: list[str], skip: set[str]) -> tuple[list[str], dict[str, int]]:
    """Texts of ``.txt`` files (one per line) and ``source<TAB>text`` ``.tsv(.gz)`` files, without
    the sources in ``skip``; de-duplicated. Returns the texts and the count per source."""
    texts: list[str] = []
    counts: dict[str, int] = {}
    for path in paths:
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8") as fh:
            for k, line in enumerate(fh):
                line = line.rstrip("\n")
                source, sep, text = line.partition("\t") if ".tsv" in path else (Path(path).name, "\t", line)
                if not sep or (k == 0 and source == "source") or source in skip or not text.strip():
                    continue
                texts.append(text.strip())
                counts[source] = counts.get(source, 0) + 1
    return list(dict.fromkeys(texts)), counts


def main() -> None:
    import torch
    import torch.nn.functional as F

    from vecleak.classifiers.token_set import TokenVocabulary
    from vecleak.classifiers.word_reader import WordReader, WordScorer
    from vecleak.decoders.shipped import load_decoder
    from vecleak.encoders.cache import encode_cached
    from vecleak.encoders.registry import load_encoder
    from vecleak.metrics import tokenize

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--encoder", default="minilm")
    ap.add_argument("--decoder", default="default", help="its tokenizer's whole words join the vocabulary")
    ap.add_argument("--corpus", nargs="+", required=True)
    ap.add_argument("--skip-source", nargs="*", default=[])
    ap.add_argument("--out", required=True)
    ap.add_argument("--vocab", type=int, default=50000, help="most frequent corpus words kept")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=512)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--held-out", type=int, default=4000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--cache", default=".vecleak-cache")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    texts, counts = read_corpus(args.corpus, set(args.skip_source))
    encoder = load_encoder(args.encoder)
    tokenizer = load_decoder(args.decoder).codec.tokenizer
    whole = sorted(w for w in tokenizer.get_vocab() if w.isalpha() and not w.startswith("##") and len(w) > 1)
    words = list(dict.fromkeys(TokenVocabulary.build(texts, max_size=args.vocab, min_count=2).words + whole))
    t0 = time.monotonic()
    X = torch.from_numpy(np.asarray(encode_cached(encoder, texts, args.cache, batch_size=128), np.float32))
    E = torch.from_numpy(np.asarray(encode_cached(encoder, words, args.cache, batch_size=256), np.float32))
    embed_s = time.monotonic() - t0
    index = {w: i for i, w in enumerate(words)}
    ids = [sorted({index[w] for w in tokenize(t) if w in index}) for t in texts]
    g = torch.Generator().manual_seed(args.seed)
    order = torch.randperm(len(texts), generator=g)
    held, train = order[:args.held_out], order[args.held_out:]
    scorer = WordScorer(X.shape[1])
    opt = torch.optim.Adam(scorer.parameters(), lr=args.lr)
    t1 = time.monotonic()
    for epoch in range(args.epochs):
        for batch in train[torch.randperm(len(train), generator=g)].split(args.batch_size):
            y = torch.zeros(len(batch), len(words))
            for r, i in enumerate(batch.tolist()):
                y[r, ids[i]] = 1.0
            with torch.autocast("cpu", dtype=torch.bfloat16):
                logits = scorer(X[batch], E)
            loss = F.binary_cross_entropy_with_logits(logits.float(), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        print(f"epoch {epoch + 1}/{args.epochs}: loss {float(loss):.6f}, {time.monotonic() - t1:.0f} s", flush=True)
    reader = WordReader(scorer, words, E.numpy(), encoder_spec=encoder.spec())
    calib, check = held[:args.held_out // 2].tolist(), held[args.held_out // 2:].tolist()
    grid = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5)
    reader.threshold = max(grid, key=lambda th: set_scores(reader.predict(X[calib].numpy(), threshold=th),
                                                            [texts[i] for i in calib])["f1"])
    scores = set_scores(reader.predict(X[check].numpy()), [texts[i] for i in check])
    info = {"corpus": args.corpus, "skipped_sources": args.skip_source, "sources": counts, "texts": len(texts),
            "vocabulary": len(words), "epochs": args.epochs, "embed_seconds": round(embed_s, 1),
            "train_seconds": round(time.monotonic() - t1, 1), "held_out": args.held_out,
            "held_out_word_scores": {k: round(v, 4) for k, v in scores.items()},
            "note": "threshold chosen on half of the held-out sentences (distinct-word F1), scores on the other half"}
    reader.save(args.out, info=info)
    print(info)


def set_scores(predictions: list[str], references: list[str]) -> dict[str, float]:
    """Mean distinct-word precision, recall and F1 of word sets against references."""
    from vecleak.metrics import tokenize

    p, r = [], []
    for pred, ref in zip(predictions, references):
        got, want = set(pred.split()), set(tokenize(ref))
        hit = len(got & want)
        p.append(hit / len(got) if got else 0.0)
        r.append(hit / len(want) if want else 0.0)
    precision, recall = float(np.mean(p)), float(np.mean(r))
    return {"precision": precision, "recall": recall,
            "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0}


if __name__ == "__main__":
    run_script(main)
