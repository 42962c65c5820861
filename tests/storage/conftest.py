"""A fresh content store of each backend for every test.

PostgreSQL is part of the suite, never skipped: where the server is not running the fixture
starts the local cluster, and fails, saying so, when it still cannot connect.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from terminology.storage.postgres_store import PostgresStore, without_password
from terminology.storage.sqlite_store import SqliteStore
from terminology.storage.store import ContentStore

BACKENDS = ["sqlite", "postgres"]

#: The test database; TERMINOLOGY_TEST_DATABASE_URL names another.
POSTGRES_URL = os.environ.get(
    "TERMINOLOGY_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
)

#: Commands that start the local PostgreSQL, tried in turn where they exist.
_STARTERS = [["pg_ctlcluster", "15", "main", "start"], ["service", "postgresql", "start"]]


def _reachable() -> str | None:
    """None when the test database answers, else why not."""
    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=5) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return " ".join(str(exc).split())
    return None


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The test database's URL, once it answers (starting the local server if need be)."""
    problem = _reachable()
    if problem is None:
        return POSTGRES_URL
    tried = []
    for command in _STARTERS:
        if shutil.which(command[0]) is None:
            continue
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        tried.append(f"{' '.join(command)} (exit {result.returncode})")
        problem = _reachable()
        if problem is None:
            return POSTGRES_URL
    pytest.fail(
        f"PostgreSQL at {without_password(POSTGRES_URL)} is not reachable ({problem}); "
        f"tried to start it with: {', '.join(tried) or 'no start command found'}. "
        "The storage tests need a running PostgreSQL (set TERMINOLOGY_TEST_DATABASE_URL).",
        pytrace=False,
    )


@pytest.fixture
def postgres_schema(postgres_url: str) -> Iterator[str]:
    """A schema of its own for one test, dropped (with everything in it) afterwards."""
    schema = f"t_{uuid.uuid4().hex}"
    yield schema
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture
def postgres_store(postgres_url: str, postgres_schema: str) -> Iterator[PostgresStore]:
    store = PostgresStore(postgres_url, schema=postgres_schema)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ContentStore]:
    if request.param == "sqlite":
        yield SqliteStore(tmp_path / "store.sqlite")
    elif request.param == "postgres":
        yield request.getfixturevalue("postgres_store")
    else:
        raise AssertionError(request.param)
