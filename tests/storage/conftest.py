"""A fresh content store of each backend for every test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from terminology.storage.sqlite_store import SqliteStore
from terminology.storage.store import ContentStore

BACKENDS = ["sqlite"]


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ContentStore]:
    if request.param == "sqlite":
        yield SqliteStore(tmp_path / "store.sqlite")
