"""Which rows an audit reads: a seeded sample, chosen ids, or a metadata filter; the leak pool apart."""

from __future__ import annotations

import numpy as np
import pytest

from vecleak.errors import StoreError
from vecleak.stores.files import ArrayStore
from vecleak.stores.sampling import sample_store


@pytest.fixture()
def store():
    texts = [f"record number {i}" for i in range(30)]
    return ArrayStore(np.random.default_rng(0).normal(size=(30, 8)).astype(np.float32), texts,
                      ["eng" if i % 3 else "deu" for i in range(30)])


def test_a_seeded_sample_is_the_same_rows_every_time_and_the_pool_is_apart(store):
    a, b = sample_store(store, 5, 10, seed=3), sample_store(store, 5, 10, seed=3)
    assert a.audited.ids == b.audited.ids and len(a.leaked) == 10
    assert not set(a.audited.ids) & set(a.leaked.ids)
    assert sample_store(store, 5, 10, seed=4).audited.ids != a.audited.ids


def test_chosen_ids_are_audited_exactly_and_never_leaked(store):
    s = sample_store(store, 999, 10, ids=["7", "2", "7", "11"])
    assert s.audited.ids == ["7", "2", "11"] and s.audited.texts[0] == "record number 7"
    assert not {"7", "2", "11"} & set(s.leaked.ids) and len(s.leaked) == 10
    with pytest.raises(StoreError, match="1 of the 2 ids.*not in the store.*'99'"):
        sample_store(store, 5, 10, ids=["2", "99"])


def test_a_metadata_filter_draws_only_matching_rows(store):
    s = sample_store(store, 4, 10, where={"lang": "deu"})
    assert len(s.audited) == 4 and all(int(i) % 3 == 0 for i in s.audited.ids)
    assert len(sample_store(store, 50, 5, where={"lang": "deu"}).audited) == 10     # every German row
    with pytest.raises(StoreError, match="no row of the store matches where lang=fra"):
        sample_store(store, 4, 10, where={"lang": "fra"})


def test_audit_config_checks_ids_and_where():
    from vecleak.configs import AuditConfig
    from vecleak.constraints import ConfigError

    assert AuditConfig(where="lang=deu").where_filter() == {"lang": "deu"}
    assert AuditConfig(ids=[1, 2]).ids == ("1", "2")
    with pytest.raises(ConfigError, match="where"):
        AuditConfig(where=("lang",))
    with pytest.raises(ConfigError, match="ids"):
        AuditConfig(ids=())
    assert AuditConfig(defenses="none").defenses == () and len(AuditConfig(defenses="full").defenses) == 13
    assert AuditConfig(defenses="gaussian:sigma=0.1,pca:n_components=8").defenses == ("gaussian:sigma=0.1",
                                                                                      "pca:n_components=8")


def test_a_sample_of_the_whole_store_leaves_an_empty_pool_and_the_audit_says_so(store):
    """Every row audited: no leaked pairs are left, and the audit refuses with one clear line."""
    from vecleak.audit.stages import draw_sample
    from vecleak.configs import AuditConfig

    s = sample_store(store, 30, 10)
    assert len(s.audited) == 30 and len(s.leaked) == 0 and s.leaked.vectors.shape == (0, 8)
    with pytest.raises(StoreError, match="leaves 0 for leaked pairs.*lower sample$"):
        draw_sample(store, AuditConfig(sample=30, shots=(10,)))
