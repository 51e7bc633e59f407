"""Train the bag-of-words word reader of one encoder (:mod:`vecleak.classifiers.word_reader`).

The attacker's offline preparation: embed its own corpus and a vocabulary (the corpus's words
and the decoder tokenizer's whole words) with the encoder, train the bilinear scorer with binary
cross-entropy over the whole vocabulary per sentence, choose the threshold on half of the
held-out sentences and report scores on the other half. The corpus's sources are recorded.
``--passages N`` adds passages of 80-200 words joined from sentences near each other
(:func:`vecleak.data.passages.neighbour_passages`), so the reader also learns what a long
record's vector looks like; ``--exclude`` keeps held-out test sets out.

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


def read_corpus(paths: list[str], skip: set[str], exclude: set[str] = frozenset()
                ) -> tuple[list[tuple[str, str]], dict[str, int]]:
    """``(text, source)`` of ``.txt`` files (one per line) and ``source<TAB>text`` ``.tsv(.gz)``
    files, without the sources in ``skip`` and the texts in ``exclude``; de-duplicated. Returns
    them and the count per source."""
    texts: dict[str, str] = {}
    counts: dict[str, int] = {}
    for path in paths:
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8") as fh:
            for k, line in enumerate(fh):
                line = line.rstrip("\n")
                source, sep, text = line.partition("\t") if ".tsv" in path else (Path(path).name, "\t", line)
                text = text.strip()
                if (not sep or (k == 0 and source == "source") or source in skip or not text or text in exclude
                        or text in texts):
                    continue
                texts[text] = source
                counts[source] = counts.get(source, 0) + 1
    return list(texts.items()), counts


def excluded_texts(paths: list[str]) -> set[str]:
    """Every text of ``paths`` (tab-separated; WikiSplit's ``<::::>`` splits too), kept out of training."""
    out: set[str] = set()
    for path in paths:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            for field in line.split("\t"):
                out.update(part.strip() for part in field.split("<::::>") if part.strip())
    return out


def main() -> None:
    import torch
    import torch.nn.functional as F

    from vecleak.classifiers.token_set import TokenVocabulary
    from vecleak.classifiers.word_reader import WordReader, WordScorer
    from vecleak.data.passages import neighbour_passages
    from vecleak.decoders.shipped import load_decoder
    from vecleak.encoders.cache import encode_cached
    from vecleak.encoders.registry import load_encoder
    from vecleak.metrics import tokenize

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--encoder", default="minilm")
    ap.add_argument("--decoder", default="default", help="its tokenizer's whole words join the vocabulary")
    ap.add_argument("--corpus", nargs="+", required=True)
    ap.add_argument("--skip-source", nargs="*", default=[])
    ap.add_argument("--exclude", nargs="*", default=[], help="files whose texts stay out (held-out test sets)")
    ap.add_argument("--cap", nargs="*", default=[], metavar="SOURCE=N", help="keep at most N texts of SOURCE")
    ap.add_argument("--passages", type=int, default=0, help="passages of 80-200 words joined from near sentences")
    ap.add_argument("--hidden", type=int, default=0, help="width of the query network (0: none, format 1)")
    ap.add_argument("--word-bias", action="store_true", help="a bias per vocabulary word")
    ap.add_argument("--out", required=True)
    ap.add_argument("--vocab", type=int, default=50000, help="most frequent corpus words kept")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=512)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--schedule", choices=("constant", "one-cycle"), default="constant", help="learning rate over time")
    ap.add_argument("--held-out", type=int, default=4000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--cache", default=".vecleak-cache")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    texts, counts = read_corpus(args.corpus, set(args.skip_source), excluded_texts(args.exclude))
    texts, counts = cap_sources(texts, counts, dict(c.split("=", 1) for c in args.cap), args.seed)
    encoder = load_encoder(args.encoder)
    tokenizer = load_decoder(args.decoder).codec.tokenizer
    whole = sorted(w for w in tokenizer.get_vocab() if w.isalpha() and not w.startswith("##") and len(w) > 1)
    words = list(dict.fromkeys(TokenVocabulary.build([t for t, _ in texts], max_size=args.vocab,
                                                     min_count=2).words + whole))
    t0 = time.monotonic()
    plain = [t for t, _ in texts]
    X = np.asarray(encode_cached(encoder, plain, args.cache, batch_size=128), np.float32)
    passages = neighbour_passages(plain, X, args.passages, seed=args.seed) if args.passages else []
    if passages:
        X = np.concatenate([X, np.asarray(encode_cached(encoder, passages, args.cache, batch_size=32), np.float32)])
        counts["passages (near sentences joined)"] = len(passages)
    plain += passages
    X = torch.from_numpy(X)
    E = torch.from_numpy(np.asarray(encode_cached(encoder, words, args.cache, batch_size=256), np.float32))
    embed_s = time.monotonic() - t0
    index = {w: i for i, w in enumerate(words)}
    ids = [sorted({index[w] for w in tokenize(t) if w in index}) for t in plain]
    g = torch.Generator().manual_seed(args.seed)
    sentences = torch.randperm(len(plain) - len(passages), generator=g)
    joined = len(plain) - len(passages) + torch.randperm(len(passages), generator=g)
    n_held = len(passages) * args.held_out // len(plain)
    held = torch.cat([sentences[:args.held_out - n_held], joined[:n_held]])
    train = torch.cat([sentences[args.held_out - n_held:], joined[n_held:]])
    scorer = WordScorer(X.shape[1], hidden=args.hidden, vocab_size=len(words) if args.word_bias else 0)
    opt = torch.optim.Adam(scorer.parameters(), lr=args.lr)
    steps = args.epochs * -(-len(train) // args.batch_size)
    schedule = (torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=steps, pct_start=0.05)
                if args.schedule == "one-cycle" else None)
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
            if schedule is not None:
                schedule.step()
        print(f"epoch {epoch + 1}/{args.epochs}: loss {float(loss):.6f}, {time.monotonic() - t1:.0f} s", flush=True)
    reader = WordReader(scorer, words, E.numpy(), encoder_spec=encoder.spec())
    held = held[torch.randperm(len(held), generator=g)]
    calib, check = held[:len(held) // 2].tolist(), held[len(held) // 2:].tolist()
    grid = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5)
    reader.threshold = max(grid, key=lambda th: set_scores(reader.predict(X[calib].numpy(), threshold=th),
                                                            [plain[i] for i in calib])["f1"])
    scores = set_scores(reader.predict(X[check].numpy()), [plain[i] for i in check])
    info = {"corpus": args.corpus, "skipped_sources": args.skip_source, "excluded": args.exclude,
            "caps": args.cap, "sources": counts, "texts": len(plain), "vocabulary": len(words),
            "epochs": args.epochs, "schedule": args.schedule, "embed_seconds": round(embed_s, 1),
            "train_seconds": round(time.monotonic() - t1, 1), "held_out": len(held),
            "held_out_word_scores": {k: round(v, 4) for k, v in scores.items()},
            "note": "threshold chosen on half of the held-out texts (distinct-word F1), scores on the other half"}
    reader.save(args.out, info=info)
    print(info)


def cap_sources(texts: list[tuple[str, str]], counts: dict[str, int], caps: dict[str, str], seed: int
                ) -> tuple[list[tuple[str, str]], dict[str, int]]:
    """At most ``caps[source]`` texts of each capped source (a random subset), order kept."""
    rng = np.random.default_rng(seed)
    keep = np.ones(len(texts), bool)
    for source, n in caps.items():
        rows = [i for i, (_, s) in enumerate(texts) if s == source]
        if len(rows) > int(n):
            keep[rng.choice(rows, size=len(rows) - int(n), replace=False)] = False
    kept = [t for t, k in zip(texts, keep) if k]
    out: dict[str, int] = {}
    for _, s in kept:
        out[s] = out.get(s, 0) + 1
    return kept, out


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
