"""Build the shipped ASJP word-list table from ../shared/data/asjp (ASJP v18, CC BY 4.0).

    python scripts/build_asjp_table.py [../shared/data/asjp]

writes src/vecleak/graphs/data/asjp_wordlists.tsv (one row per language and item of the
40-item ASJP list: iso, meaning_id, meaning, forms) and src/vecleak/graphs/data/ASJP_LICENSE.md.
Forms are copied verbatim from the source (ASJPcode, with its %-loan marks and modifiers,
synonyms separated by ", "); all processing choices live in vecleak.graphs.lexical.
Unattested items (XXX) are left out.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from vecleak.errors import run_script

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "vecleak" / "graphs" / "data"
SOURCE_CSV = "asjp_v18_forms_7lang_long.csv"

LICENSE = """\
# ASJP word lists: source and license

`asjp_wordlists.tsv` holds the 40-item word lists of {langs} from the
ASJP Database, version 18, in ASJPcode. Only the 40-item list is kept; the forms are
copied unchanged.

Source: `asjp/static/listss18_formatted.zip` (same lists as `listss18.zip`) in
https://github.com/clld/asjp at commit bc9dbb338e0a5ad00c6307f1bc4b2927e6a32823;
license and citation from https://github.com/lexibank/asjp at commit
012795349540ba0dabfdcf2be16f2e77622f62d6.

Please cite:

> Wichmann, Søren, Eric W. Holman, and Cecil H. Brown (eds.). 2018. The ASJP Database
> (version 18). https://asjp.clld.org

(The CLDF edition of the ASJP Database, lexibank/asjp, asks users to cite the original
source, "Wichmann, Søren, Eric W. Holman, Cecil H. Brown, Matthew S. Dryer, and Qibin Ran
(eds.). 2025. The ASJP Database (version 21).", and the DOI of the released version used.)

License: Creative Commons Attribution 4.0 International (CC BY 4.0),
https://creativecommons.org/licenses/by/4.0/ (full text in the LICENSE file of
lexibank/asjp). The ASJP Database is published under CC BY 4.0 by its editors. Changes
made here: only 7 languages and the 40-item list are kept, unattested items (XXX) are
dropped, and the layout is one tab-separated row per language and item; the forms
themselves are unchanged.
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("asjp_dir", nargs="?", default=str(ROOT.parent / "shared" / "data" / "asjp"))
    src = Path(ap.parse_args().asjp_dir)

    with open(src / SOURCE_CSV, encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["In_40_item_list"] == "1" and r["Value"] != "XXX"]
    rows.sort(key=lambda r: (r["ISO639P3code"], int(r["Parameter_ID"])))

    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / "asjp_wordlists.tsv", "w", encoding="utf-8", newline="") as fh:
        fh.write("iso\tmeaning_id\tmeaning\tforms\n")
        for r in rows:
            fh.write(f"{r['ISO639P3code']}\t{r['Parameter_ID']}\t{r['Parameter_Name']}\t{r['Value']}\n")

    langs = sorted({r["ISO639P3code"] for r in rows})
    (OUT / "ASJP_LICENSE.md").write_text(LICENSE.format(langs=", ".join(langs)), encoding="utf-8")
    print(f"{len(rows)} rows, {len(langs)} languages ({' '.join(langs)}) -> {OUT}")


if __name__ == "__main__":
    run_script(main)
