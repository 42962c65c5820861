"""What every content store offers: the embedded SQLite file (the default) and PostgreSQL
(``TERMINOLOGY_DATABASE_URL``, for several replicas sharing one store) behave the same.

Readers see whole loads only: a writer's changes appear together when its transaction
commits, and each commit that changes content bumps the store's generation.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

from terminology.storage.records import (
    ConceptRecord,
    ConceptRow,
    Progress,
    StoredCodeSystem,
    StoredResource,
)

#: Meta keys every content-changing commit writes beside the bumped generation: when it was
#: committed (seconds since the epoch; for HTTP ``Last-Modified``) and a random tag that names
#: that content. Generation numbers are counters: two stores (replicas with their own SQLite
#: files) may both be at generation 7 holding different content, so validators that must never
#: match across them (HTTP ``ETag``) use the tag.
GENERATION_AT = "generation_at"
GENERATION_TAG = "generation_tag"


def generation_stamp(now: float) -> dict[str, str]:
    """The meta values a commit that changes content writes (see ``GENERATION_TAG``)."""
    return {GENERATION_AT: repr(now), GENERATION_TAG: secrets.token_hex(8)}


class ContentWriter(Protocol):
    """What one write transaction may do."""

    changed: bool

    def meta(self, key: str) -> str | None: ...

    def set_meta(self, key: str, value: str) -> None: ...

    def delete_origin(self, origin: str) -> None:
        """Remove every resource (and stored code system) that came from ``origin``."""
        ...

    def origins_of(self, body: Mapping[str, Any]) -> set[str]:
        """Origins of the stored resources ``body`` would replace (same id or url|version)."""
        ...

    def resources_like(
        self, resource_type: str, resource_id: str | None, url: str | None
    ) -> list[StoredResource]:
        """The stored resources of ``resource_type`` with id ``resource_id`` or with url
        ``url`` (any version), as this transaction sees them: what a REST write checks before
        it replaces anything."""
        ...

    def delete_resource(self, resource_type: str, resource_id: str) -> bool:
        """Remove one resource (and a code system's stored concepts, after the grace period of
        ``purge_retired``); False when there was none."""
        ...

    def purge_retired(self, older_than: float) -> None:
        """Delete the concepts of versions replaced more than ``older_than`` seconds ago (until
        then a request that started on the previous content still reads them by key)."""
        ...

    def put_resource(self, body: Mapping[str, Any], origin: str) -> None:
        """Store a resource, replacing one with its id or with its url and version."""
        ...

    def put_code_system(
        self,
        header: Mapping[str, Any],
        records: Iterable[ConceptRecord],
        origin: str,
        *,
        total: int,
        progress: Progress | None = None,
    ) -> int:
        """Store a code-system version whose concepts are ``records`` (parents first, each
        subtree contiguous); its resource is ``header`` with ``content = not-present`` and the
        concept ``count``. Returns the number of concepts stored."""
        ...


class ContentStore(Protocol):
    #: Where the store is, for messages (a file path, or a database URL without password).
    location: str

    def meta(self, key: str) -> str | None: ...

    def generation(self) -> int: ...

    def resources(self) -> list[StoredResource]: ...

    def code_systems(self) -> list[StoredCodeSystem]: ...

    def concept(self, key: int, code: str) -> ConceptRow | None: ...

    def concepts(self, key: int) -> Iterator[ConceptRow]:
        """Every concept of one stored version, in its order."""
        ...

    def subtree(self, key: int, code: str) -> Iterator[ConceptRow]:
        """``code`` and the concepts below it, in order; in a polyhierarchy, every concept
        reached through any of its parents, once."""
        ...

    def ancestors(self, key: int, code: str) -> frozenset[str]:
        """Every code above ``code`` in a version stored as a polyhierarchy
        (``StoredCodeSystem.polyhierarchy``): its closure, computed at load and read in one
        look-up, not walked. Empty for a root or an unknown code, and for a version stored as
        a tree, whose ``parent`` links a caller walks instead (ICD-10-CM: 4 steps)."""
        ...

    def indexed_properties(self, key: int) -> frozenset[str]:
        """The properties of one stored version with a value index (``with_property``): those
        its ``CodeSystem.filter`` offered with ``=`` when it was loaded."""
        ...

    def with_properties(self, key: int, pairs: Sequence[tuple[str, str]]) -> Iterator[ConceptRow]:
        """The concepts whose indexed properties have every (property, value) of ``pairs`` (a
        Coding's value is its code, a boolean's ``true``/``false``), in order."""
        ...

    def search(self, key: int, text: str) -> Iterator[ConceptRow]:
        """Concepts with a display or designation word starting with each word of ``text``,
        or whose code starts with ``text`` (as given, upper or lower case), in order. May
        return more (the caller applies its exact rule), never less."""
        ...

    def writer(self) -> AbstractContextManager[ContentWriter]:
        """One write transaction: visible at once when the block ends, or not at all when it
        raises. Other writers wait."""
        ...
