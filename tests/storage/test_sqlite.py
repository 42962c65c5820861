"""What only the embedded SQLite store does: its file and its schema upgrades."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from terminology.errors import TerminologyError
from terminology.storage.sqlite_store import SCHEMA_VERSION, SqliteStore


def old_store(path: Path, origin: str) -> None:
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);"
        "INSERT INTO meta VALUES ('schema', '0');"
        "CREATE TABLE resources (resource_type, id, url, version, origin, body);"
    )
    db.execute("INSERT INTO resources VALUES ('ValueSet', 'v', 'u', NULL, ?, '{}')", (origin,))
    db.commit()
    db.close()


def test_an_old_store_of_built_in_content_only_is_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    old_store(path, "builtin")
    store = SqliteStore(path)
    assert store.meta("schema") == SCHEMA_VERSION
    assert store.resources() == []


def test_an_old_store_with_loaded_content_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    old_store(path, "loaded")
    with pytest.raises(TerminologyError, match="has schema 0, this server needs"):
        SqliteStore(path)
    assert path.exists()


def test_a_store_that_is_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    path.write_text("not a database at all, but long enough to be read as one" * 100)
    with pytest.raises(TerminologyError, match="cannot be opened"):
        SqliteStore(path)
