"""A database password never reaches a message, audit.json or a report, in any form a user types it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from vecleak.errors import StoreError
from vecleak.stores import StoreOptions, open_store
from vecleak.stores.pg_uri import parse_pg_uri

#: A password with every character that breaks naive URL parsing.
ODD = "p@ss%zz/w?rd"


@pytest.mark.parametrize("uri, password, display", [
    ("postgresql://me:s3cret-pw@db.example:5432/app", "s3cret-pw", "postgresql://me:***@db.example:5432/app"),
    ("postgresql://me@db.example/app?password=s3cret-pw&sslmode=require", "s3cret-pw",
     "postgresql://me@db.example/app?password=***&sslmode=require"),
    ("postgresql://me:p@ss-word@db.example/app", "p@ss-word", "postgresql://me:***@db.example/app"),
    ("postgresql://me:p%40ss-word@db.example/app", "p@ss-word", "postgresql://me:***@db.example/app"),
    ("postgresql://me:50%zz-pw@db.example/app", "50%zz-pw", "postgresql://me:***@db.example/app"),
    ("postgres://me:a/b?c@db.example/app?sslpassword=keypass", "a/b?c", "postgres://me:***@db.example/app?sslpassword=***"),
])
def test_every_password_form_is_parsed_and_masked(uri, password, display):
    target = parse_pg_uri(uri)
    assert target.params["password"] == password and target.params["host"] == "db.example"
    assert target.params["user"] == "me" and target.params["dbname"] == "app"
    assert target.display == display
    assert password not in target.display and password not in repr(target)
    assert "pw" not in target.scrub(f"FATAL: password authentication failed for {password}")


def test_unreachable_server_message_shows_no_secret_part():
    uri = "postgresql://me:tail@host-part@127.0.0.1:1/app?password=querysecret"
    with pytest.raises(StoreError) as err:
        open_store(uri, StoreOptions(table="docs"))
    message = str(err.value)
    assert "cannot connect" in message and "\n" not in message
    for part in ("tail", "host-part", "querysecret"):
        assert part not in message
    assert err.value.__cause__ is None and err.value.__suppress_context__      # no chained driver text


def test_unparsable_uri_is_one_line_without_secret():
    with pytest.raises(StoreError) as err:
        open_store("postgresql://me:topsecret@host/db?connect_timeout=x y", StoreOptions(table="docs"))
    assert "topsecret" not in str(err.value) and "\n" not in str(err.value)


@pytest.fixture(scope="module")
def odd_user_url(pg_url):
    """``pg_url`` for a role whose password is :data:`ODD`, typed unencoded, checked by scram."""
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        hba = conn.execute("SHOW hba_file").fetchone()[0]
        conn.execute("DROP ROLE IF EXISTS odd")
        conn.execute(f"CREATE ROLE odd LOGIN PASSWORD '{ODD}'")
        conn.execute("GRANT SELECT ON docs TO odd")
        with open(hba, encoding="utf-8") as f:
            rules = f.read()
        with open(hba, "w", encoding="utf-8") as f:
            f.write("local all odd scram-sha-256\n" + rules)
        conn.execute("SELECT pg_reload_conf()")
    return pg_url.replace("postgres:@", f"odd:{ODD}@")


def test_unencoded_password_connects_and_is_never_shown(odd_user_url):
    with open_store(odd_user_url, StoreOptions(table="docs")) as store:
        assert store.count() == 300
        shown = json.dumps(store.describe())
    assert ODD not in shown and "zz" not in shown and "***" in shown


def test_wrong_password_in_query_is_refused_without_echo(odd_user_url):
    url = odd_user_url.replace(f"odd:{ODD}@", "odd@") + "&password=wrong-guess%zz"
    with pytest.raises(StoreError) as err:
        open_store(url, StoreOptions(table="docs"))
    assert "password" in str(err.value) and "wrong-guess" not in str(err.value)


@pytest.mark.slow
def test_audit_writes_no_password_anywhere(odd_user_url, tmp_path):
    """The whole CLI path: audit.json, the report and stderr hold no part of the password."""
    out = tmp_path / "audit"
    run = subprocess.run([sys.executable, "-m", "vecleak", "--quiet", "audit", "--store", odd_user_url + "&sslmode=disable",
                          "--table", "docs", "--out", str(out), "--sample", "20", "--shots", "10", "--encoder", "minilm",
                          "--defense", "gaussian:sigma=0.05", "--defense-sample", "10", "--aux-size", "20",
                          "--search-sample", "0"],
                         capture_output=True, text=True, timeout=1200)
    assert run.returncode == 0, run.stderr
    for path in out.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            assert ODD not in text and "ss%zz" not in text, path
    assert ODD not in run.stderr + run.stdout
    audit = json.loads((out / "audit.json").read_text())
    assert audit["store"]["url"].startswith("postgresql://odd:***@")


def test_a_mistyped_scheme_does_not_echo_the_password():
    with pytest.raises(StoreError) as err:
        open_store("postgresq://me:pass@word@db.example/app?password=other-secret")
    assert "unknown store" in str(err.value)
    assert "pass@word" not in str(err.value) and "other-secret" not in str(err.value)
