"""Build the shipped utility-benchmark data from ../shared/data (see src/vecleak/data/utility/README.md).

    python scripts/build_utility_data.py [../shared/data] [--seed 0]

writes gzip'd TSVs (no header; text columns, then the label) into src/vecleak/data/utility/
and copies the license files that came with each source. Rows are drawn with
``random.Random(seed)`` and written in that random order, so the first n rows of a file are a
random subset of it (what ``load_task(..., limit=n)`` reads). Tokenized sources (SST-2, SNLI,
MSRP) are detokenized with vecleak.utility.detok.detokenize. Gzip headers carry no time
stamp, so the same inputs give byte-identical files.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import random
import shutil
from pathlib import Path

from vecleak.errors import run_script
from vecleak.utility.detok import detokenize

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "vecleak" / "data" / "utility"
STSB_LANGS = ("en", "de", "fr", "nl", "es", "it", "pt")

# Subset sizes; None keeps the whole split. Why these sizes: see the README in OUT.
SST2_TRAIN, SNLI_TRAIN, SNLI_TEST, MSRP_TRAIN, STSB_FIT = 6000, 6000, 5000, 2000, 1000

LICENSES = {  # shipped name <- path under the shared data folder
    "LICENSE_sst2_alps_MIT": "sst2/LICENSE_alps_MIT",
    "LICENSE_snli_esnli_MIT": "snli_esnli/LICENSE_eSNLI_MIT",
    "LICENSE_msrp_MSR-SSLA.rtf": "msrp/Microsoft_Shared_Source_License.rtf",
    "LICENSE_stsb_multi_mt": "stsb_multi_mt/LICENSE",
}


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def pick(rows: list, n: int | None, rng: random.Random) -> list:
    """All rows, or n of them, in a seeded random order."""
    rows = list(rows)
    return rng.sample(rows, n) if n is not None and n < len(rows) else rng.sample(rows, len(rows))


def write_tsv(name: str, rows: list[tuple]) -> None:
    for row in rows:
        assert all("\t" not in str(c) and "\n" not in str(c) and str(c).strip() for c in row), row
    text = "".join("\t".join(str(c) for c in row) + "\n" for row in rows)
    (OUT / name).write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0))
    print(f"{name}: {len(rows)} rows, {(OUT / name).stat().st_size / 1024:.0f} KiB")


def sst2(src: Path, rng: random.Random) -> None:
    def read(name: str) -> list[tuple[str, int]]:
        rows = [line.rsplit("\t", 1) for line in lines(src / "sst2" / name)[1:]]
        return [(detokenize(s), int(y)) for s, y in rows]

    # alps_train + alps_dev together are the GLUE train phrases; alps_test is the GLUE dev set.
    write_tsv("sst2-train.tsv.gz", pick(read("alps_train.tsv") + read("alps_dev.tsv"), SST2_TRAIN, rng))
    write_tsv("sst2-test.tsv.gz", pick(read("alps_test.tsv"), None, rng))


def snli(src: Path, rng: random.Random) -> None:
    def read(split: str) -> list[tuple[str, str, str]]:
        cols = [lines(src / "snli_esnli" / f"{f}.{split}") for f in ("s1", "s2", "labels")]
        assert len({len(c) for c in cols}) == 1, split
        return [(detokenize(a), detokenize(b), y) for a, b, y in zip(*cols) if y != "-"]

    write_tsv("snli-train.tsv.gz", pick(read("dev"), SNLI_TRAIN, rng))  # SNLI train is not available
    write_tsv("snli-test.tsv.gz", pick(read("test"), SNLI_TEST, rng))


def msrp(src: Path, rng: random.Random) -> None:
    def read(split: str) -> list[tuple[str, str, int]]:
        cols = [lines(src / "msrp" / split / f) for f in ("a.toks", "b.toks", "sim.txt")]
        assert len({len(c) for c in cols}) == 1, split
        return [(detokenize(a), detokenize(b), int(y)) for a, b, y in zip(*cols)]

    write_tsv("msrp-train.tsv.gz", pick(read("train"), MSRP_TRAIN, rng))
    write_tsv("msrp-test.tsv.gz", pick(read("test"), None, rng))


def stsb(src: Path, rng: random.Random) -> None:
    def read(lang: str, split: str) -> list[tuple[str, str, str]]:
        with open(src / "stsb_multi_mt" / f"stsb-{lang}-{split}.csv", encoding="utf-8", newline="") as fh:
            return [(a.strip(), b.strip(), y) for a, b, y in csv.reader(fh)]

    # The languages are row-aligned translations: draw row numbers once, use them for all 7.
    n_train, n_test = len(read("en", "train")), len(read("en", "test"))
    fit_rows, test_rows = pick(range(n_train), STSB_FIT, rng), pick(range(n_test), None, rng)
    for lang in STSB_LANGS:
        train, test = read(lang, "train"), read(lang, "test")
        assert (len(train), len(test)) == (n_train, n_test), lang
        write_tsv(f"stsb-{lang}-train.tsv.gz", [train[i] for i in fit_rows])
        write_tsv(f"stsb-{lang}-test.tsv.gz", [test[i] for i in test_rows])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data_dir", nargs="?", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    src = Path(args.data_dir)
    OUT.mkdir(parents=True, exist_ok=True)
    for i, build in enumerate((sst2, snli, msrp, stsb)):
        build(src, random.Random(args.seed * 100 + i))  # one stream per task: each is rebuilt alone alike
    for name, path in LICENSES.items():
        shutil.copyfile(src / path, OUT / name)
    total = sum(p.stat().st_size for p in OUT.iterdir() if p.is_file())
    print(f"total shipped: {total / 1024:.0f} KiB in {OUT}")


if __name__ == "__main__":
    run_script(main)
