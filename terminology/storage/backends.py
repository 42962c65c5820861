"""Which content store a server uses: PostgreSQL when given a database URL (replicas then
share one store), else the embedded SQLite file."""

from __future__ import annotations

from pathlib import Path

from terminology.errors import TerminologyError
from terminology.storage.postgres_store import PostgresStore, without_password
from terminology.storage.sqlite_store import SqliteStore
from terminology.storage.store import ContentStore

#: URL schemes libpq reads as PostgreSQL.
POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def open_backend(
    database_url: str | None, sqlite_path: Path, *, schema: str | None = None
) -> ContentStore:
    """The store at ``database_url`` (``postgresql://`` or ``postgres://``, in ``schema``,
    ``public`` by default) or, when there is none, the SQLite file ``sqlite_path``."""
    if database_url is None or not database_url.strip():
        return SqliteStore(sqlite_path)
    url = database_url.strip()
    if not url.lower().startswith(POSTGRES_SCHEMES):
        raise TerminologyError(
            f"database URL {without_password(url)} is not supported: "
            "give a postgresql:// (or postgres://) URL"
        )
    return PostgresStore(url, schema=schema)
