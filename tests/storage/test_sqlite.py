"""What only the embedded SQLite store does: its file and its schema upgrades."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from terminology.errors import TerminologyError
from terminology.storage.sqlite_store import SCHEMA_VERSION, SqliteStore
from tests.storage.test_store import codes, load


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


def test_a_schema_2_store_is_migrated_with_what_was_loaded(tmp_path: Path) -> None:
    """Schema 2 lacked only the polyhierarchy tables and flag: loaded content stays."""
    path = tmp_path / "store.sqlite"
    store = SqliteStore(path)
    key = load(store)
    del store
    db = sqlite3.connect(path)
    db.executescript(
        "DROP TABLE is_a; DROP TABLE ancestry;"
        "ALTER TABLE code_systems DROP COLUMN polyhierarchy;"
        "UPDATE meta SET value = '2' WHERE key = 'schema';"
    )
    db.close()
    reopened = SqliteStore(path)
    assert reopened.meta("schema") == SCHEMA_VERSION
    (stored,) = reopened.code_systems()
    assert (stored.key, stored.polyhierarchy) == (key, False)
    assert codes(reopened.concepts(key)) == ["A", "B", "B1", "B2", "C", "D"]


def test_a_store_that_is_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    path.write_text("not a database at all, but long enough to be read as one" * 100)
    with pytest.raises(TerminologyError, match="cannot be opened"):
        SqliteStore(path)
