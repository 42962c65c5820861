"""Search of the stored CodeSystems, ValueSets and ConceptMaps (``GET [type]?url=...``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from terminology.operations.context import Services
from terminology.storage.repositories import StringCriterion

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000


@dataclass(frozen=True, slots=True)
class SearchRequest:
    resource_type: str
    exact: Mapping[str, list[str]] = field(default_factory=dict)
    strings: Mapping[str, list[StringCriterion]] = field(default_factory=dict)
    count: int = DEFAULT_PAGE_SIZE
    offset: int = 0
    summary: str | None = None
    elements: list[str] | None = None


@dataclass(frozen=True, slots=True)
class SearchResult:
    total: int
    offset: int
    count: int
    matches: list[Mapping[str, Any]]


def search(request: SearchRequest, services: Services) -> SearchResult:
    found = services.repository(request.resource_type).find(request.exact, request.strings)
    page = (
        [] if request.summary == "count" else found[request.offset : request.offset + request.count]
    )
    return SearchResult(len(found), request.offset, request.count, page)
