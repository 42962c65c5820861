"""The PostgreSQL fixtures of tests/storage (a fresh schema per test), for the replica tests."""

from tests.storage.conftest import postgres_schema, postgres_url

__all__ = ["postgres_schema", "postgres_url"]
