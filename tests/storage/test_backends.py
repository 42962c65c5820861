"""Choosing the store: a database URL picks PostgreSQL, none the SQLite file."""

from __future__ import annotations

import pytest

from terminology.errors import TerminologyError
from terminology.storage.backends import open_backend
from terminology.storage.postgres_store import PostgresStore
from terminology.storage.sqlite_store import SqliteStore


@pytest.mark.parametrize("url", [None, "", "  "])
def test_without_a_database_url_the_store_is_the_sqlite_file(tmp_path, url) -> None:
    store = open_backend(url, tmp_path / "store.sqlite")
    assert isinstance(store, SqliteStore) and store.location == str(tmp_path / "store.sqlite")


@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
def test_a_postgresql_url_opens_postgresql(tmp_path, postgres_url, postgres_schema, scheme):
    url = scheme + "://" + postgres_url.split("://", 1)[1]
    store = open_backend(url, tmp_path / "unused.sqlite", schema=postgres_schema)
    assert isinstance(store, PostgresStore)
    try:
        assert store.location == url and store.generation() == 0
    finally:
        store.close()
    assert not (tmp_path / "unused.sqlite").exists()


def test_another_kind_of_url_is_refused_without_its_password(tmp_path) -> None:
    with pytest.raises(TerminologyError, match="mysql://u@db/x is not supported") as caught:
        open_backend("mysql://u:s3cret@db/x", tmp_path / "store.sqlite")
    assert "s3cret" not in str(caught.value)
