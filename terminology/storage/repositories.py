"""Read and search over the stored resources of one type, by id and by canonical url|version."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from terminology.versions import version_sort_key


@dataclass(frozen=True, slots=True)
class StringCriterion:
    """A FHIR string search: case-insensitive prefix by default, or ``:exact`` / ``:contains``."""

    value: str
    modifier: str | None = None

    def matches(self, candidate: object) -> bool:
        if not isinstance(candidate, str):
            return False
        if self.modifier == "exact":
            return candidate == self.value
        if self.modifier == "contains":
            return self.value.casefold() in candidate.casefold()
        return candidate.casefold().startswith(self.value.casefold())


#: Search parameters and the element each one reads; url, version, status and _id are exact.
EXACT_PARAMS = {"url": "url", "version": "version", "status": "status", "_id": "id"}
STRING_PARAMS = {"name": "name", "title": "title"}


class ResourceRepository:
    """Immutable store of the resources of one type, in a stable order."""

    def __init__(self, resource_type: str, resources: Iterable[Mapping[str, Any]]) -> None:
        self.resource_type = resource_type
        items = sorted(
            resources,
            key=lambda r: (r["url"], version_sort_key(r.get("version"), None)),
        )
        # Plain dicts, shared read-only: nothing after start-up writes to them, and they encode
        # straight to JSON.
        self._items = tuple(items)
        self._by_id = {r["id"]: r for r in self._items}
        by_url: dict[str, list[Mapping[str, Any]]] = {}
        for r in self._items:
            by_url.setdefault(r["url"], []).append(r)
        self._by_url = by_url

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._items)

    def read(self, resource_id: str) -> Mapping[str, Any] | None:
        return self._by_id.get(resource_id)

    def versions(self, url: str) -> list[Mapping[str, Any]]:
        """All stored versions of a canonical, oldest first (shared: do not modify)."""
        return self._by_url.get(url, [])

    def find(
        self,
        exact: Mapping[str, list[str]],
        strings: Mapping[str, list[StringCriterion]],
    ) -> list[Mapping[str, Any]]:
        """Resources matching every criterion; a parameter given as ``a,b`` matches either."""

        def ok(resource: Mapping[str, Any]) -> bool:
            for param, wanted in exact.items():
                if resource.get(EXACT_PARAMS[param]) not in wanted:
                    return False
            for param, criteria in strings.items():
                value = resource.get(STRING_PARAMS[param])
                if not any(c.matches(value) for c in criteria):
                    return False
            return True

        if "url" in exact:
            pool: Iterable[Mapping[str, Any]] = [
                r for url in exact["url"] for r in self._by_url.get(url, ())
            ]
        else:
            pool = self._items
        return [r for r in pool if ok(r)]
