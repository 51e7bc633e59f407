"""Extending vecleak is one class and one registration: a toy store, attacker and defense, each
registered here, are found by name and used by the same code paths as the shipped ones."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import ClassVar

import numpy as np
import pytest

from vecleak.errors import InputError, StoreError


# --- stores ---------------------------------------------------------------------------------------

@pytest.fixture
def store_registry(monkeypatch):
    """The store registry, restored after the test (a toy registration does not leak out)."""
    from vecleak.stores import registry

    monkeypatch.setattr(registry, "_STORES", dict(registry._STORES))
    return registry


def _register_toy_store(registry):
    from vecleak.stores.base import StoreBatch, StoreOptions, VectorStore, in_batches, uri_path

    @registry.register_store("toy", form="toy:NAME", help="a toy store of four rows (--collection)")
    class ToyStore(VectorStore):
        kind = "toy"

        def __init__(self, name: str, collection: str | None = None) -> None:
            self.name, self.collection = name, collection
            self._vectors = np.eye(4, dtype=np.float32)

        @classmethod
        def from_uri(cls, uri: str, options: StoreOptions) -> ToyStore:
            return cls(uri_path(uri), options.collection)

        def count(self) -> int:
            return 4

        @property
        def dim(self) -> int:
            return 4

        def iter_ids(self, batch_size: int = 10_000) -> Iterator[list[str]]:
            yield from (list(c) for c in in_batches([str(i) for i in range(4)], batch_size))

        def iter_batches(self, ids: Sequence[str] | None = None, *, batch_size: int = 256) -> Iterator[StoreBatch]:
            keys = [str(i) for i in range(4)] if ids is None else list(ids)
            for chunk in in_batches(keys, batch_size):
                yield StoreBatch(list(chunk), self._vectors[[int(k) for k in chunk]], [f"row {k}" for k in chunk])

    return ToyStore


def test_a_registered_store_is_opened_by_uri_and_listed_in_help_and_errors(store_registry):
    from vecleak.stores import StoreOptions, open_store, sample_store, store_help, store_schemes, store_usage

    toy = _register_toy_store(store_registry)
    with open_store("toy:first", StoreOptions(collection="docs")) as store:
        assert isinstance(store, toy) and (store.name, store.collection) == ("first", "docs")
        assert store.fetch(["2", "0"]).texts == ["row 2", "row 0"]
        assert len(sample_store(store, 2, 1, seed=0).audited) == 2
    assert "toy" in store_schemes()
    assert "toy:NAME" in store_usage()
    assert any(line.startswith("toy:NAME ") and line.endswith(" a toy store of four rows (--collection)")
               for line in store_help().splitlines())
    with pytest.raises(StoreError, match="unknown store kind 'toi'") as err:
        open_store("toi:first")
    assert "toy:NAME" in str(err.value)


def test_the_unknown_store_error_and_the_help_name_every_scheme():
    from vecleak.stores import open_store, store_help, store_schemes, store_usage

    schemes = store_schemes()
    assert {"chroma", "postgresql", "postgres", "lancedb", "qdrant", "qdrant+http", "qdrant+https", "faiss",
            "files"} <= set(schemes)
    with pytest.raises(StoreError) as err:
        open_store("mongodb://me:secret@db.example/app")
    message = str(err.value)
    assert "unknown store kind 'mongodb'" in message and "secret" not in message and "\n" not in message
    for scheme in schemes:
        assert f"{scheme}:" in message, scheme          # every form and alias: qdrant+http://, postgres://
        assert f"{scheme}:" in store_usage() and f"{scheme}:" in store_help()
    assert "qdrant+http://HOST:PORT" in message


@pytest.mark.parametrize("uri, said", [
    ("chroma:", "write a chroma store as chroma:DIR"),            # no path
    ("postgresql:db", "write a postgresql store as postgresql://"),  # a scheme with the wrong separator
    ("qdrant+http:host", "write a qdrant+http store as qdrant+http://HOST:PORT"),
    ("no-scheme-at-all", "unknown store; use one of chroma:DIR"),
])
def test_a_uri_of_a_known_scheme_written_wrong_is_refused(uri, said):
    from vecleak.stores import open_store

    with pytest.raises(StoreError, match="unknown store") as err:
        open_store(uri)
    assert said in str(err.value)


def test_store_registrations_are_checked(store_registry):
    from vecleak.stores.base import VectorStore

    register = store_registry.register_store
    for schemes, form, message in [((), "x:P", "at least one"), (("Toy",), "Toy:P", "lowercase"),
                                   (("to:y",), "to:y:P", "lowercase"), (("toy",), "other:P", "form"),
                                   (("toy", "toy"), "toy:P", "twice")]:
        with pytest.raises(InputError, match=message):
            register(*schemes, form=form, help="h")
    with pytest.raises(InputError, match="one-line help"):
        register("toy", form="toy:P", help="two\nlines")
    with pytest.raises(InputError, match="VectorStore subclass"):
        register("toy", form="toy:P", help="h")(dict)
    with pytest.raises(InputError, match="'chroma' is already registered"):
        register("chroma", form="chroma:DIR", help="h")(type("Again", (VectorStore,), {}))
    assert "toy" not in store_registry.store_schemes()        # nothing half-registered


def test_exported_vectors_open_from_their_paths_as_from_a_files_uri(tmp_path):
    from vecleak.stores import FileStore, StoreOptions, open_store

    np.save(tmp_path / "v.npy", np.eye(3, dtype=np.float32))
    (tmp_path / "t.txt").write_text("one\ntwo\nthree\n", encoding="utf-8")
    with FileStore(tmp_path / "v.npy", tmp_path / "t.txt") as direct, \
            open_store(f"files:{tmp_path / 'v.npy'}", StoreOptions(texts=tmp_path / "t.txt")) as by_uri:
        assert type(by_uri) is FileStore and direct.describe() == by_uri.describe()
        assert direct.fetch(["2"]).texts == ["three"] == by_uri.fetch(["2"]).texts


# --- attackers ------------------------------------------------------------------------------------

@pytest.fixture
def attack_registry(monkeypatch):
    from vecleak.attacks import registry

    registry.attack_names()                                   # the shipped ones, registered
    monkeypatch.setattr(registry, "_ATTACKS", dict(registry._ATTACKS))
    return registry


def _toy_data(n: int = 24, d: int = 16, seed: int = 0):
    """``n`` distinct texts, their stored vectors ``(n, d)`` and leaked copies with a little noise."""
    rng = np.random.default_rng(seed)
    words = ["harbor", "violet", "engine", "meadow", "copper", "lantern", "orchard", "glacier", "saddle", "quartz"]
    texts = [" ".join(rng.choice(words, size=4, replace=False)) + f" {i}" for i in range(n)]
    stored = rng.normal(size=(n, d)).astype(np.float32)
    leaked = stored + 0.01 * rng.normal(size=(n, d)).astype(np.float32)
    return texts, stored, leaked


def test_a_registered_attack_is_loaded_and_run_by_strongest(attack_registry):
    from vecleak.attacks import AttackResult, Knowledge, strongest

    @attack_registry.register_attack("toy-nearest")
    class NearestLeaked:
        """The text of the nearest leaked vector (cosine), one query-free lookup per record."""

        name: ClassVar[str] = "toy-nearest"
        requires: ClassVar[frozenset[str]] = frozenset({"leaked"})

        def __init__(self, *, k: int = 1) -> None:
            self.k = k

        def attack(self, vectors, knowledge, *, languages=None):
            a = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
            b = knowledge.leaked_vectors / np.linalg.norm(knowledge.leaked_vectors, axis=1, keepdims=True)
            return AttackResult([knowledge.leaked_texts[j] for j in (a @ b.T).argmax(axis=1)])

    assert "toy-nearest" in attack_registry.attack_names()
    assert attack_registry.attack_parameters("toy-nearest") == ("k",)
    with pytest.raises(InputError, match="takes no parameter 'beams'"):
        attack_registry.load_attack("toy-nearest", beams=2)
    attacker = attack_registry.load_attack("toy-nearest", k=1)
    assert isinstance(attacker, NearestLeaked) and attacker.k == 1

    texts, stored, leaked = _toy_data()
    knowledge = Knowledge(decoder=None, attacker=None, leaked_vectors=leaked, leaked_texts=texts)
    best = strongest([attacker], knowledge, stored, texts)
    assert best["attacker"]["token_f1"] == "toy-nearest" and best["token_f1"] == pytest.approx(1.0)
    assert best["reconstructions"] == texts and best["chance"]["token_f1"] < 0.6
    assert best["cost"]["toy-nearest"]["queries_per_record"] == 0.0

    without = Knowledge(decoder=None, attacker=None)              # nothing leaked: it cannot run
    with pytest.raises(InputError, match="toy-nearest: leaked"):
        strongest([attacker], without, stored, texts)


# --- defenses -------------------------------------------------------------------------------------

@pytest.fixture
def defense_registry(monkeypatch):
    from vecleak.defenses import registry

    monkeypatch.setattr(registry, "_DEFENSES", dict(registry._DEFENSES))
    return registry


def test_a_registered_defense_is_loaded_and_applied(defense_registry):
    from vecleak.defenses.base import Defense

    class Scale(Defense):
        name = "toy-scale"

        def __init__(self, *, factor: float = 2.0) -> None:
            self.factor = factor

        def _params(self):
            return {"factor": self.factor}

        def transform(self, E, *, generator=None):
            return self._input(E) * np.float32(self.factor)

    defense_registry.register_defense("toy-scale", Scale)
    assert "toy-scale" in defense_registry.defense_names() and not defense_registry.needs_epsilon("toy-scale")

    E = np.random.default_rng(0).normal(size=(5, 8)).astype(np.float32)
    defense = defense_registry.load_defense("toy-scale", factor=3.0, seed=7)   # deterministic: seed ignored
    out = defense.fit_transform(E)
    assert out.dtype == np.float32 and np.array_equal(out, E * np.float32(3.0))
    assert defense.spec() == {"name": "toy-scale", "factor": 3.0, "seed": None}
    with pytest.raises(InputError, match="takes no epsilon"):
        defense_registry.load_defense("toy-scale", epsilon=1.0)
    with pytest.raises(InputError, match="takes no parameter 'sigma'; it takes: factor"):
        defense_registry.load_defense("toy-scale", sigma=0.1)
    with pytest.raises(InputError, match="already registered"):
        defense_registry.register_defense("toy-scale", Scale)
