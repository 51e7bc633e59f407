"""Store readers against real stores: each returns exactly what was written, and never writes."""

from __future__ import annotations

import os
import pathlib
import pickle
import shutil
import sqlite3
import sys
import uuid

import numpy as np
import pytest

from conftest import assert_clean_failure, run_cli_err, tree_digest
from vecleak.errors import StoreError
from vecleak.stores import StoreOptions, open_store, sample_store
from vecleak.stores.pickle_data import load_data
from vecleak.stores.qdrant_folder import POINT_STRUCT


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
    (lambda d: open_store(d["pg"]), "needs table"),
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


# --- hostile stores: a reader never runs what a store holds, and never writes to it ---------------


class _Touch:
    """Unpickled, creates ``marker``: what a hostile store would plant."""

    def __init__(self, marker: pathlib.Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return pathlib.Path.touch, (self.marker,)


class _System:
    def __init__(self, marker: pathlib.Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def _one_line_error(err: pytest.ExceptionInfo, *needles: str) -> str:
    msg = str(err.value)
    assert "\n" not in msg, msg
    for needle in needles:
        assert needle in msg, msg
    return msg


def _storage(folder: pathlib.Path, collection: str = "docs") -> pathlib.Path:
    return folder / "collection" / collection / "storage.sqlite"


def _set_blob(folder: pathlib.Path, blob: bytes, rowid: int = 5, collection: str = "docs") -> None:
    with sqlite3.connect(_storage(folder, collection)) as conn:
        conn.execute("UPDATE points SET point = ? WHERE rowid = ?", (blob, rowid))
    conn.close()


@pytest.fixture
def qdrant_copy(qdrant_dir, tmp_path):
    """A copy of the Qdrant fixture folder, free to be made hostile."""
    return pathlib.Path(shutil.copytree(qdrant_dir, tmp_path / "qdrant"))


def _read_all(uri: str, options: StoreOptions = StoreOptions()):
    with open_store(uri, options) as store:
        return store.count(), [b for b in store.iter_batches()]


@pytest.mark.parametrize("make, shown", [
    (lambda m: _Touch(m), "pathlib.Path.touch"),
    (lambda m: _System(m), f"{os.system.__module__}.system"),
])
def test_hostile_qdrant_point_is_refused_and_never_run(make, shown, qdrant_copy, tmp_path):
    blob = pickle.dumps(make(tmp_path / "ran"), protocol=4)
    pickle.loads(pickle.dumps(make(tmp_path / "proof"), protocol=4))      # the payload is real when unpickled
    assert (tmp_path / "proof").exists()
    _set_blob(qdrant_copy, blob)
    before = tree_digest(qdrant_copy)
    with pytest.raises(StoreError) as err:
        _read_all(f"qdrant:{qdrant_copy}")
    _one_line_error(err, "refusing to read", "row 5", f"pickled object ({shown})", "not data",
                    "never unpickles")
    assert not (tmp_path / "ran").exists()
    assert tree_digest(qdrant_copy) == before


@pytest.mark.parametrize("blob, needle", [
    (lambda: pickle.dumps(__import__("qdrant_client").models.Record(id=5, vector=[0.0], payload={}), protocol=4),
     "pickled object (qdrant_client.http.models.models.Record)"),
    (lambda: pickle.dumps(pathlib.PurePosixPath("/etc"), protocol=4), "pickled object (pathlib.PurePosixPath)"),
    (lambda: b"\x80\x04\x8c\x20qdrant_client.http.models.models\x8c\x0bPointStruct\x93)R.",
     "pickled object (REDUCE of qdrant_client.http.models.models.PointStruct)"),
    (lambda: b"\x80\x04K\x01" + b"\x85" * 200_000 + b".", "nested more than"),
    (lambda: b"\x80\x04]\x94h\x00a.", "holds itself"),
    (lambda: b"\x80\x04}\x94(\x8c\x02id", "not a pickle of plain data"),
    (lambda: b"not a pickle at all", "not a pickle of plain data"),
    (lambda: pickle.dumps(__import__("qdrant_client").models.PointStruct.model_construct(
        id="two\nlines", vector=[0.0] * 384, payload={}), protocol=4), "neither an unsigned integer nor a UUID"),
    (lambda: pickle.dumps(__import__("qdrant_client").models.PointStruct.model_construct(
        id=-1, vector=[0.0] * 384, payload={}), protocol=4), "neither an unsigned integer nor a UUID"),
])
def test_qdrant_points_that_are_not_plain_points_are_refused(blob, needle, qdrant_copy):
    _set_blob(qdrant_copy, blob())
    with pytest.raises(StoreError) as err:
        _read_all(f"qdrant:{qdrant_copy}")
    _one_line_error(err, "row 5", needle)


def test_ordinary_folder_is_not_a_qdrant_folder_and_stays_as_it_was(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    listing = sorted(p.name for p in tmp_path.iterdir())
    before = tree_digest(tmp_path)
    with pytest.raises(StoreError) as err:
        open_store(f"qdrant:{tmp_path}")
    _one_line_error(err, "not a Qdrant folder", "QdrantClient(path=...)")
    assert sorted(p.name for p in tmp_path.iterdir()) == listing and tree_digest(tmp_path) == before
    (tmp_path / "meta.json").write_text("[1, 2")
    with pytest.raises(StoreError) as err:
        open_store(f"qdrant:{tmp_path}")
    _one_line_error(err, "not a Qdrant folder", "not readable JSON")
    assert not (tmp_path / ".lock").exists()


@pytest.mark.parametrize("name", ["../../x", "ABSOLUTE", "..", ""])
def test_qdrant_collection_names_outside_the_folder_are_refused(name, qdrant_dir, tmp_path):
    import json

    folder = tmp_path / "a" / "b" / "store"
    (folder / "collection").mkdir(parents=True)
    outside = tmp_path / "a" / "b" / "x" if name != "ABSOLUTE" else tmp_path / "abs"
    outside.mkdir(parents=True)
    shutil.copy(_storage(qdrant_dir), outside / "storage.sqlite")        # a real store, only outside
    name = str(outside) if name == "ABSOLUTE" else name
    meta = json.loads((qdrant_dir / "meta.json").read_text())
    meta["collections"] = {name: meta["collections"]["docs"]}
    (folder / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(StoreError) as err:
        open_store(f"qdrant:{folder}", StoreOptions(collection=name))
    _one_line_error(err, "not a Qdrant folder", "inside the folder")


def test_qdrant_folder_uuid_ids_named_vectors_and_latest_duplicate(tmp_path):
    from qdrant_client import QdrantClient, models

    folder = tmp_path / "named"
    client = QdrantClient(path=str(folder))
    dot = models.Distance.DOT
    client.create_collection("mixed", vectors_config={"dense": models.VectorParams(size=4, distance=dot),
                                                      "small": models.VectorParams(size=2, distance=dot)})
    rng = np.random.default_rng(0)
    uuids = [uuid.UUID(int=int(rng.integers(2**62)) << 64 | k) for k in range(6)]
    points = [models.PointStruct(id=k * 7, vector={"dense": rng.random(4).tolist(), "small": [float(k), 1.0]},
                                 payload={"text": f"int {k}", "lang": "fra"}) for k in range(5, 0, -1)]
    points += [models.PointStruct(id=u.hex.upper() if k % 2 else str(u), vector={"dense": rng.random(4).tolist(),
                                                                               "small": [0.0, float(k)]},
                                  payload={"body": f"uuid {k}"}) for k, u in enumerate(uuids)]
    client.upsert("mixed", points=points)
    client.close()
    reference = shutil.copytree(folder, tmp_path / "reference")       # the client writes to what it opens
    client = QdrantClient(path=str(reference))
    want, _ = client.scroll("mixed", limit=100, with_vectors=True, with_payload=True)
    client.close()

    before = tree_digest(folder)
    with pytest.raises(StoreError) as err:
        open_store(f"qdrant:{folder}")
    _one_line_error(err, "named vectors (dense, small)", "choose one with vector_column")
    options = StoreOptions(vector_column="dense", text_column="body")
    with open_store(f"qdrant:{folder}", options) as store:
        assert store.dim == 4 and store.count() == 11
        ids = [i for chunk in store.iter_ids(batch_size=4) for i in chunk]
        got = store.fetch(ids[::-1])
        assert store.describe() == {"kind": "qdrant", "location": str(folder), "collection": "mixed"}
    assert ids == [str(p.id) for p in want]                                # Qdrant's own scroll order
    assert ids[:5] == ["7", "14", "21", "28", "35"] and ids[5:] == sorted(str(u) for u in uuids)
    by_id = {str(p.id): p for p in want}
    for i, v, t, m in zip(got.ids, got.vectors, got.texts, got.metadata):
        np.testing.assert_array_equal(v, np.float32(by_id[i].vector["dense"]))
        assert t == by_id[i].payload.get("body") and m == ({"lang": "fra"} if "text" in by_id[i].payload else {})
    with open_store(f"qdrant:{folder}", StoreOptions(vector_column="small")) as store:
        assert store.dim == 2 and store.fetch(["14"]).vectors.tolist() == [[2.0, 1.0]]
    assert tree_digest(folder) == before

    # two more rows of points already stored (another key spelling): the latest row is the point
    newer = pickle.dumps(models.PointStruct(id=str(uuids[0]).upper(), vector={"dense": [9.0] * 4, "small": [9.0] * 2},
                                            payload={"body": "rewritten"}), protocol=4)
    older = pickle.dumps(models.PointStruct(id=14, vector={"dense": [8.0] * 4, "small": [8.0] * 2},
                                            payload={"body": "stale"}), protocol=4)
    with sqlite3.connect(_storage(folder, "mixed")) as conn:
        conn.execute("INSERT INTO points (rowid, id, point) VALUES (1000, 'legacy-a', ?)", (newer,))
        conn.execute("INSERT INTO points (rowid, id, point) VALUES (-5, 'legacy-b', ?)", (older,))
    conn.close()
    with open_store(f"qdrant:{folder}", options) as store:
        assert store.count() == 11 and [i for c in store.iter_ids() for i in c] == ids
        got = store.fetch([str(uuids[0]), "14"])
    assert got.texts == ["rewritten", None] and got.vectors[0].tolist() == [9.0] * 4
    assert got.vectors[1].tolist() == np.float32(by_id["14"].vector["dense"]).tolist()


def test_qdrant_folder_reader_imports_no_qdrant_client_and_writes_nothing(qdrant_copy):
    import subprocess

    before = tree_digest(qdrant_copy)
    code = ("import sys; from vecleak.stores import open_store, sample_store\n"
            f"s = open_store('qdrant:{qdrant_copy}'); sample = sample_store(s, 20, 20); s.close()\n"
            "assert len(sample.audited) == 20 and not any(m.startswith('qdrant_client') for m in sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
    assert tree_digest(qdrant_copy) == before
    assert sorted(p.name for p in qdrant_copy.iterdir()) == [".lock", "collection", "meta.json"]


def test_qdrant_server_reader_is_never_given_a_path(qdrant_copy):
    from vecleak.stores.qdrant import QdrantStore

    with pytest.raises(StoreError) as err:
        QdrantStore(str(qdrant_copy), "docs")
    _one_line_error(err, "not a server URL", "qdrant:PATH")


# --- the data-only pickle reader ------------------------------------------------------------------

_SHARED = [1.5]
DATA = [None, True, False, 0, -1, 255, 65_535, 2**31, -2**63, 2**100, 1.5, float("inf"), "", "é\nx" * 100,
        [1, [2, [3]]], (), (1,), (1, 2, 3, 4), {"a": [1.0, None], "b": {"c": (1, "d")}}, {(1, 2): "tuple key"},
        [_SHARED, _SHARED]]


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_pickle_data_reads_what_pickle_reads(protocol):
    for value in DATA:
        got = load_data(pickle.dumps(value, protocol=protocol), "test value")
        assert got == value and type(got) is type(value)
    got = load_data(pickle.dumps([_SHARED, _SHARED], protocol=protocol), "test value")
    assert got[0] is got[1]                                                # the memo, as pickle has it
    if protocol >= 4:
        for value in (b"\x00bytes", {1, "a"}, frozenset({(1, 2)}), [set(), frozenset()]):
            assert load_data(pickle.dumps(value, protocol=protocol), "test value") == value
    if protocol >= 5:
        assert load_data(pickle.dumps(bytearray(b"ab"), protocol=protocol), "test value") == bytearray(b"ab")


def test_pickle_data_reads_a_point_struct_as_a_dict_and_refuses_the_rest(tmp_path):
    from qdrant_client import models

    point = models.PointStruct(id=3, vector=[0.5, 1.0], payload={"text": "hi", "n": [1, {"k": None}]})
    blob = pickle.dumps(point, protocol=4)
    assert load_data(blob, "p", classes=[POINT_STRUCT]) == {"id": 3, "vector": [0.5, 1.0],
                                                             "payload": {"text": "hi", "n": [1, {"k": None}]}}
    with pytest.raises(StoreError) as err:
        load_data(blob, "point p")                  # no class allowed
    _one_line_error(err, "refusing to read point p", f"({POINT_STRUCT})")
    with pytest.raises(StoreError) as err:          # the class alone, not an instance: not data
        load_data(pickle.dumps(models.PointStruct, protocol=4), "p", classes=[POINT_STRUCT])
    _one_line_error(err, "not a pickle of plain data")
    with pytest.raises(StoreError) as err:
        load_data(pickle.dumps(_Touch(tmp_path / "ran")), "p", classes=[POINT_STRUCT])
    _one_line_error(err, "(pathlib.Path.touch)")
    with pytest.raises(StoreError) as err:
        load_data(pickle.dumps(_System(tmp_path / "ran"), protocol=0), "p")     # GLOBAL, protocol 0
    _one_line_error(err, "not data")
    assert not (tmp_path / "ran").exists()
    with pytest.raises(StoreError) as err:
        load_data(b"\x80\x04" + b"]" * 50_000 + b"a" * 49_999 + b".", "p")   # deep lists: refused, no crash
    _one_line_error(err, "nested more than 100")
    with pytest.raises(StoreError) as err:
        load_data(pickle.dumps(list(range(100))), "p", max_bytes=64)
    _one_line_error(err, "refusing to read p", "MB")


# --- Chroma: checked, copied, read from the copy ----------------------------------------------------

@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """The temporary folder the Chroma reader copies into, empty, for this test alone."""
    import tempfile

    folder = tmp_path / "tmpdir"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_chroma_reads_a_copy_and_removes_it(chroma_dir, private_tmp):
    before = tree_digest(chroma_dir)
    store = open_store(f"chroma:{chroma_dir}")
    copy = store.copy
    assert copy.is_dir() and copy.parent.parent == private_tmp and copy.parent.name.startswith("vecleak-chroma-")
    assert store.count() == 300 and len(sample_store(store, 20, 20, seed=1).audited) == 20
    store.close()
    store.close()
    assert not copy.parent.exists() and list(private_tmp.iterdir()) == []
    assert tree_digest(chroma_dir) == before
    with pytest.raises(StoreError) as err:          # (b) a failed open: nothing changed, nothing left
        open_store(f"chroma:{chroma_dir}", StoreOptions(collection="nope"))
    _one_line_error(err, "has no collection 'nope'")
    assert tree_digest(chroma_dir) == before and list(private_tmp.iterdir()) == []


@pytest.mark.parametrize("args, needle", [
    (["--sample", "0"], "sample"),
    (["--shots", "x"], "--shots"),
    (["--collection", "nope"], "has no collection 'nope'"),
])
def test_chroma_cli_audit_that_fails_changes_nothing(args, needle, chroma_dir, private_tmp, tmp_path, capsys):
    before = tree_digest(chroma_dir)
    out = tmp_path / "out"
    code, err = run_cli_err(capsys, "audit", "--store", f"chroma:{chroma_dir}", "--out", out, *args)
    assert_clean_failure(code, err, out, needle)
    assert tree_digest(chroma_dir) == before and list(private_tmp.iterdir()) == []


@pytest.fixture
def chroma_copy(chroma_dir, tmp_path):
    return pathlib.Path(shutil.copytree(chroma_dir, tmp_path / "chroma"))


@pytest.mark.parametrize("spoil, needle", [
    (lambda d: (d / "evil").symlink_to("/etc/passwd"), "evil is a symbolic link"),
    (lambda d: (next(p for p in d.iterdir() if p.is_dir()) / "up").symlink_to(d.parent),
     "is a symbolic link"),
    (lambda d: os.mkfifo(d / "pipe"), "pipe is not a regular file"),
    (lambda d: (d / "chroma.sqlite3").write_bytes(b"#!/bin/sh\necho hi\n"), "not an SQLite database"),
    (lambda d: (d / "chroma.sqlite3").unlink() or sqlite3.connect(d / "chroma.sqlite3").execute(
        "CREATE TABLE t (x)").connection.close(), "no collections table"),
    (lambda d: (d / "chroma.sqlite3").unlink() or (d / "chroma.sqlite3").symlink_to(d / "x"), "no chroma.sqlite3"),
])
def test_chroma_folder_that_is_not_a_plain_chroma_store_is_refused(spoil, needle, chroma_copy, private_tmp):
    spoil(chroma_copy)
    before = tree_digest(chroma_copy) if needle != "pipe is not a regular file" else None
    with pytest.raises(StoreError) as err:
        open_store(f"chroma:{chroma_copy}")
    _one_line_error(err, f"chroma:{chroma_copy}", needle)
    assert list(private_tmp.iterdir()) == []
    if before is not None:
        assert tree_digest(chroma_copy) == before


def test_chroma_copy_needs_room_in_tmpdir(chroma_dir, private_tmp, monkeypatch):
    monkeypatch.setattr(shutil, "disk_usage", lambda _path: shutil._ntuple_diskusage(10**9, 10**9 - 1000, 1000))
    with pytest.raises(StoreError) as err:
        open_store(f"chroma:{chroma_dir}")
    _one_line_error(err, str(private_tmp), "TMPDIR")
    assert list(private_tmp.iterdir()) == []
