"""Store readers against real stores: each returns exactly what was written, and never writes."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import tree_digest
from vecleak.errors import StoreError
from vecleak.stores import StoreOptions, open_store, sample_store


KINDS = ["chroma", "pgvector", "faiss", "lancedb", "qdrant"]


@pytest.fixture
def stores(chroma_dir, pg_url, faiss_files, lance_dir, qdrant_dir):
    return {"chroma": chroma_dir, "pgvector": pg_url, "faiss": faiss_files, "lancedb": lance_dir, "qdrant": qdrant_dir}


def _open(kind, stores):
    chroma_dir, pg_url, faiss_files, lance_dir = (stores[k] for k in ("chroma", "pgvector", "faiss", "lancedb"))
    if kind == "qdrant":
        return open_store(f"qdrant:{stores['qdrant']}")
    if kind == "chroma":
        return open_store(f"chroma:{chroma_dir}")
    if kind == "pgvector":
        return open_store(pg_url, StoreOptions(table="docs"))
    if kind == "faiss":
        return open_store(f"faiss:{faiss_files[0]}", StoreOptions(texts=faiss_files[1]))
    return open_store(f"lancedb:{lance_dir}")


@pytest.mark.parametrize("kind", KINDS)
def test_reader_returns_what_was_written(kind, stores, store_rows):
    with _open(kind, stores) as store:
        assert store.count() == 300 and store.dim == 384
        ids = [i for chunk in store.iter_ids(batch_size=64) for i in chunk]
        batches = list(store.iter_batches(batch_size=128))
    want = {i: (v, t) for i, v, t in zip(store_rows["ids"], store_rows["vectors"], store_rows["texts"])}
    got_ids = [i for b in batches for i in b.ids]
    assert sorted(got_ids) == sorted(ids) and len(set(ids)) == 300
    if kind in ("faiss", "qdrant"):       # positions / the integer ids the fixture wrote
        want = {str(k): want[f"doc-{k}"] for k in range(300)}
    assert set(got_ids) == set(want)
    for b in batches:
        assert b.vectors.dtype == np.float32
        for i, v, t, m in zip(b.ids, b.vectors, b.texts, b.metadata):
            np.testing.assert_array_equal(v, want[i][0])          # float32 round trip, bit for bit
            assert t == want[i][1]
            if kind != "lancedb":
                assert m.get("lang") == "eng"


@pytest.mark.parametrize("kind", KINDS)
def test_sample_is_seeded_disjoint_and_fetches_requested_rows(kind, stores):
    with _open(kind, stores) as store:
        a = sample_store(store, 50, 100, seed=3)
        b = sample_store(store, 50, 100, seed=3)
        c = sample_store(store, 50, 100, seed=4)
    assert a.audited.ids == b.audited.ids and a.leaked.ids == b.leaked.ids
    assert a.audited.ids != c.audited.ids
    assert not set(a.audited.ids) & set(a.leaked.ids) and len(a.leaked) == 100
    assert a.describe()["sample_ids_sha256"] == b.describe()["sample_ids_sha256"]


@pytest.mark.parametrize("kind", ["chroma", "lancedb", "faiss", "qdrant"])
def test_reading_leaves_the_store_folder_untouched(kind, stores):
    folder = stores[kind] if kind != "faiss" else stores[kind][0].parent
    before = tree_digest(folder)
    with _open(kind, stores) as store:
        sample_store(store, 30, 30, seed=0)
    assert tree_digest(folder) == before


def test_pgvector_session_is_read_only(pg_url):
    import psycopg

    from vecleak.stores.pgvector import PgVectorStore

    store = PgVectorStore(pg_url, "docs")
    with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        store._conn.execute("DELETE FROM docs")
    store.close()
    with open_store(pg_url, StoreOptions(table="docs")) as again:
        assert again.count() == 300


@pytest.mark.parametrize("make, needle", [
    (lambda d: open_store(f"chroma:{d['chroma']}", StoreOptions(collection="nope")), "has no collection 'nope'"),
    (lambda d: open_store(f"chroma:{d['tmp']}"), "not a Chroma directory"),
    (lambda d: open_store(d["pg"], StoreOptions(table="missing")), "has no table 'missing'"),
    (lambda d: open_store(d["pg"], StoreOptions(table="docs", vector_column="vec")), "has no column 'vec'"),
    (lambda d: open_store(d["pg"], StoreOptions(table="novec", vector_column="text")), "not a pgvector"),
    (lambda d: open_store(d["pg"]), "needs --table"),
    (lambda d: open_store("postgresql://postgres@127.0.0.1:1/postgres", StoreOptions(table="docs")),
     "cannot connect"),
    (lambda d: open_store(d["pg"].replace("postgres:@", "auditor:wrong@"), StoreOptions(table="docs")),
     "password"),
    (lambda d: open_store(f"faiss:{d['tmp']}/none.index"), "no such index file"),
    (lambda d: open_store(f"lancedb:{d['lance']}", StoreOptions(collection="nope")), "has no table 'nope'"),
    (lambda d: open_store("redis://localhost"), "unknown store"),
    (lambda d: open_store(f"qdrant:{d['tmp']}/none"), "no such directory"),
    (lambda d: open_store("qdrant+http://127.0.0.1:1", StoreOptions(collection="docs")), "cannot open Qdrant"),
])
def test_bad_store_inputs_are_one_line_errors(make, needle, chroma_dir, pg_url, lance_dir, tmp_path):
    with pytest.raises(StoreError) as err:
        make({"chroma": chroma_dir, "pg": pg_url, "lance": lance_dir, "tmp": tmp_path})
    assert needle in str(err.value) and "\n" not in str(err.value)
    assert "wrong" not in str(err.value)          # a password never reaches a message


def test_right_password_connects_and_redacts(pg_url):
    url = pg_url.replace("postgres:@", "auditor:right@")
    with open_store(url, StoreOptions(table="docs")) as store:
        assert store.count() == 300
        assert "right" not in str(store.describe())


def test_sample_larger_than_store_and_store_without_texts(tmp_path, store_rows):
    np.save(tmp_path / "v.npy", store_rows["vectors"][:20])
    with open_store(f"files:{tmp_path / 'v.npy'}") as store:
        with pytest.raises(StoreError, match="larger than the store"):
            sample_store(store, 21, 0)
        with pytest.raises(StoreError, match="have no text"):
            sample_store(store, 5, 5)
