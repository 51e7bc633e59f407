"""Build the training corpus of the shipped multilingual decoder from ../shared/data.

Every line of ``train.jsonl`` / ``valid.jsonl`` is ``{"text": ..., "lang": ISO 639-3}``.
Sources (each with the license its folder states; ``SOURCES.md`` in OUT records them):

- ``stsb_multi_mt`` train split, all 7 languages (CC BY-SA 4.0 scores; text keeps its
  sources' licenses). Dev gives the validation set (50 sentences per language by default) and
  stays out of training; test is never read.
- ``laser_tatoeba``: the 1,000 sentence pairs per language (Tatoeba, CC BY 2.0 FR).
- Debian's translated manual pages (``manpages-de``, ``-fr``, ``-es``, ``-it``, ``-nl``,
  ``-pt-br``: GPL-3+, manpages-l10n), installed by ``apt-get install manpages-de ...``: prose
  sentences of 5-30 words with no option names, paths or code, at most ``--man-per-lang`` per
  language. A second, technical domain for the six non-English languages.
- English only: the shippable part of ``english_pool`` (SNLI, STSb train, Tatoeba, WikiSplit;
  as for the English decoder) and WikiSplit's ``tune`` and ``validation`` files, de-tokenized
  (``a , b .`` -> ``a, b.``). WikiSplit's ``test`` file is a held-out second English domain for
  benchmarks: its sentences are removed from training whatever source carries them.

Multi30k (no license file), the medical question pairs, MSRP and WikiQA are left out.

    .venv/bin/python scripts/build_multilingual_corpus.py --data ../shared/data --out corpus-ml
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import random
import re
from pathlib import Path

from vecleak.errors import run_script
from vecleak.utility.detok import detokenize, wikisplit_sentences

#: ISO 639-3 -> the two-letter code ``stsb_multi_mt`` files use.
STSB_CODES = {"eng": "en", "deu": "de", "fra": "fr", "nld": "nl", "spa": "es", "ita": "it", "por": "pt"}
POOL_SHIPPABLE = {"snli_dev_test", "stsb_en", "tatoeba_eng(LASER)", "wikisplit_complex", "wikisplit_split"}

SOURCES_MD = """# Sources of the multilingual decoder corpus

| source | languages | split used | license as stated at the source |
|---|---|---|---|
| stsb_multi_mt (DeepL translations of STS-B) | eng deu fra nld spa ita por | train (dev: validation only; test: never) | CC BY-SA 4.0 scores; text keeps its sources' licenses |
| laser_tatoeba (LASER Tatoeba test sets) | eng deu fra nld spa ita por | all 1,000 pairs per language | Tatoeba CC BY 2.0 FR; repository BSD |
| english_pool: SNLI, STSb train, Tatoeba, WikiSplit rows | eng | all shippable rows | SNLI CC BY-SA 4.0; see each source |
| Debian manpages-l10n (manpages-de/-fr/-es/-it/-nl/-pt-br 4.18) | deu fra spa ita nld por | prose sentences | GPL-3+ |
| wikisplit tune + validation (de-tokenized) | eng | all (test held out) | CC BY-SA 4.0 |
"""

#: ISO 639-3 -> the folder of Debian's translated manual pages.
MAN_DIRS = {"deu": "de", "fra": "fr", "spa": "es", "ita": "it", "nld": "nl", "por": "pt_BR"}
_ROFF_ESCAPE = re.compile(r"\\f[BIRPV]|\\f\(..|\\f\[[^]]*\]|\\\(..|\\\[[^]]*\]|\\[&%|^~:/,]|\\s[-+]?\d")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÄÖÜÀ-ÝÉÈ¿¡])")
_TECHNICAL = re.compile(r"[/_=<>{}\[\]\\|@#*`$]|--|\b[a-z]+\(\d\)|\bhttps?:|\s-[a-zA-Z]")


def man_sentences(folder: Path, limit: int, seed: int = 0) -> list[str]:
    """Prose sentences of the roff manual pages under ``folder`` (at most ``limit``)."""
    out: list[str] = []
    for page in sorted(folder.glob("man*/*.gz")):
        try:
            raw = gzip.open(page, "rt", encoding="utf-8", errors="strict").read()
        except (OSError, UnicodeDecodeError):
            continue
        paragraph: list[str] = []
        for line in raw.splitlines() + [".PP"]:
            if line.startswith((".", "'")):
                if paragraph:
                    text = " ".join(_ROFF_ESCAPE.sub("", " ".join(paragraph).replace("\\-", "-")).split())
                    out.extend(_SENTENCE_END.split(text))
                    paragraph = []
                continue
            paragraph.append(line)
    keep = [s for s in dict.fromkeys(out)
            if 5 <= len(s.split()) <= 30 and s[0].isupper() and s[-1] in ".!?" and not _TECHNICAL.search(s)
            and sum(c.isalpha() for c in s) > 0.75 * len(s.replace(" ", ""))]
    random.Random(seed).shuffle(keep)
    return keep[:limit]


def stsb_sentences(path: Path) -> list[str]:
    with open(path, encoding="utf-8", newline="") as fh:
        return [" ".join(s.split()) for row in csv.reader(fh) for s in row[:2] if s.strip()]


def build(data: Path, *, valid_per_lang: int, max_words: int, man_root: Path | None, man_per_lang: int) -> tuple[list[dict], list[dict]]:
    held_out: dict[str, set[str]] = {}
    for lang, code in STSB_CODES.items():
        held_out[lang] = set()
        for split in ("dev", "test"):
            held_out[lang].update(stsb_sentences(data / "stsb_multi_mt" / f"stsb-{code}-{split}.csv"))
    wiki_test_tsv = (data / "wikisplit" / "test.tsv").read_text(encoding="utf-8")
    wiki_test = set(wikisplit_sentences(wiki_test_tsv))
    wiki_test_raw = set()
    for line in wiki_test_tsv.splitlines():
        c, _, s = line.partition("\t")
        wiki_test_raw.add(" ".join(c.split()))
        wiki_test_raw.update(" ".join(x.split()) for x in s.split("<::::>"))
    held_out["eng"] |= wiki_test

    texts: dict[str, list[str]] = {lang: [] for lang in STSB_CODES}
    for lang, code in STSB_CODES.items():
        texts[lang] += stsb_sentences(data / "stsb_multi_mt" / f"stsb-{code}-train.csv")
        if lang != "eng":
            texts[lang] += [" ".join(s.split()) for s in
                            (data / "laser_tatoeba" / f"tatoeba.{lang}-eng.{lang}").read_text(encoding="utf-8").splitlines()]
            texts["eng"] += [" ".join(s.split()) for s in
                             (data / "laser_tatoeba" / f"tatoeba.{lang}-eng.eng").read_text(encoding="utf-8").splitlines()]
    if man_root is not None:
        missing = [f"manpages-{'pt-br' if folder == 'pt_BR' else folder}" for folder in MAN_DIRS.values()
                   if not (man_root / folder).is_dir()]
        if missing:
            raise SystemExit(f"{man_root} lacks the translated manual pages: apt-get install {' '.join(missing)} "
                             "(or --man-root '' to build without them)")
        for lang, folder in MAN_DIRS.items():
            texts[lang] += man_sentences(man_root / folder, man_per_lang)
    with gzip.open(data / "english_pool" / "english_pool.tsv.gz", "rt", encoding="utf-8") as fh:
        next(fh)
        for line in fh:
            source, _, text = line.rstrip("\n").partition("\t")
            text = " ".join(text.split())
            if source in POOL_SHIPPABLE and text not in wiki_test_raw:
                texts["eng"].append(detokenize(text) if source.startswith("wikisplit") else text)
    for name in ("tune", "validation"):
        texts["eng"] += wikisplit_sentences((data / "wikisplit" / f"{name}.tsv").read_text(encoding="utf-8"))

    train, valid = [], []
    for lang in STSB_CODES:
        seen: set[str] = set()
        for t in texts[lang]:
            if t and t not in seen and t not in held_out[lang] and len(t.split()) <= max_words:
                seen.add(t)
                train.append({"text": t, "lang": lang})
        dev = sorted(set(stsb_sentences(data / "stsb_multi_mt" / f"stsb-{STSB_CODES[lang]}-dev.csv")))
        random.Random(1).shuffle(dev)
        valid += [{"text": t, "lang": lang} for t in dev[:valid_per_lang]]
    random.Random(0).shuffle(train)
    return train, valid


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--out", default="corpus-ml")
    ap.add_argument("--valid-per-lang", type=int, default=50)
    ap.add_argument("--max-words", type=int, default=40, help="drop longer sentences")
    ap.add_argument("--man-root", default="/usr/share/man", help="Debian's manual pages ('' to leave them out)")
    ap.add_argument("--man-per-lang", type=int, default=15000)
    args = ap.parse_args()
    out = Path(args.out)
    train, valid = build(Path(args.data), valid_per_lang=args.valid_per_lang, max_words=args.max_words,
                         man_root=Path(args.man_root) if args.man_root else None, man_per_lang=args.man_per_lang)
    out.mkdir(parents=True, exist_ok=True)
    for name, rows in (("train.jsonl", train), ("valid.jsonl", valid)):
        (out / name).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    (out / "SOURCES.md").write_text(SOURCES_MD, encoding="utf-8")
    counts: dict[str, int] = {}
    for r in train:
        counts[r["lang"]] = counts.get(r["lang"], 0) + 1
    print(f"train: {len(train)} sentences {counts}; valid: {len(valid)} -> {out}")


if __name__ == "__main__":
    run_script(main)
