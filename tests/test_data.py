from __future__ import annotations

import json

import numpy as np
import pytest

from vecleak.data import atomic_output_dir, read_records, read_texts, read_vectors
from vecleak.data.records import record_embeddings
from vecleak.errors import DimensionMismatchError, InputError, NonFiniteError


def test_reads_every_text_format(tmp_path):
    (tmp_path / "a.txt").write_text("one\ntwo\n", encoding="utf-8")
    (tmp_path / "a.jsonl").write_text('{"text": "one", "lang": "eng"}\n{"text": "two"}\n', encoding="utf-8")
    (tmp_path / "a.csv").write_text("id,sentence\n1,one\n2,two\n", encoding="utf-8")
    (tmp_path / "a.tsv").write_text("text\tlabel\none\t1\ntwo\t0\n", encoding="utf-8")
    assert read_texts(tmp_path / "a.txt") == ["one", "two"]
    assert read_texts(tmp_path / "a.jsonl") == ["one", "two"]
    assert read_records(tmp_path / "a.jsonl")[0].lang == "eng"
    assert read_texts(tmp_path / "a.csv", column="sentence") == ["one", "two"]
    assert read_texts(tmp_path / "a.tsv") == ["one", "two"]


@pytest.mark.parametrize("name,content", [
    ("blank.txt", "one\n\ntwo\n"),
    ("empty.txt", ""),
    ("bad.jsonl", '{"text": "one"}\n{"text": \n'),
    ("notext.jsonl", '{"sentence": "one"}\n'),
    ("nocol.csv", "a,b\n1,2\n"),
    ("x.docx", "hello"),
])
def test_bad_text_files_raise_input_error(tmp_path, name, content):
    (tmp_path / name).write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_texts(tmp_path / name)
    assert "\n" not in str(err.value)


def test_embeddings_in_jsonl(tmp_path):
    p = tmp_path / "v.jsonl"
    p.write_text('{"text": "a", "embedding": [1, 2]}\n{"text": "b", "embedding": [3, 4]}\n', encoding="utf-8")
    assert record_embeddings(read_records(p), p).tolist() == [[1, 2], [3, 4]]
    p.write_text('{"text": "a", "embedding": [1, 2]}\n{"text": "b"}\n', encoding="utf-8")
    with pytest.raises(InputError):
        record_embeddings(read_records(p), p)


def test_vectors_from_npy_jsonl_parquet(tmp_path):
    x = np.arange(6, dtype=np.float32).reshape(3, 2)
    np.save(tmp_path / "v.npy", x)
    (tmp_path / "v.jsonl").write_text("".join(json.dumps({"embedding": r}) + "\n" for r in x.tolist()))
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"embedding": x.tolist()}), tmp_path / "v.parquet")
    for name in ("v.npy", "v.jsonl", "v.parquet"):
        assert np.array_equal(read_vectors(tmp_path / name), x)


def test_non_finite_and_ragged_vectors(tmp_path):
    np.save(tmp_path / "nan.npy", np.array([[1.0, np.nan]], dtype=np.float32))
    with pytest.raises(NonFiniteError):
        read_vectors(tmp_path / "nan.npy")
    (tmp_path / "ragged.jsonl").write_text('{"embedding": [1, 2]}\n{"embedding": [1]}\n')
    with pytest.raises(InputError):
        read_vectors(tmp_path / "ragged.jsonl")


def test_dimension_check():
    from vecleak.data import check_vectors

    with pytest.raises(DimensionMismatchError):
        check_vectors(np.ones((2, 3)), dim=4)


def test_atomic_output_dir_leaves_nothing_on_error(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(RuntimeError):
        with atomic_output_dir(out) as tmp:
            (tmp / "results.json").write_text("{}")
            raise RuntimeError("boom")
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []
    with atomic_output_dir(out) as tmp:
        (tmp / "results.json").write_text("{}")
    assert (out / "results.json").read_text() == "{}"
