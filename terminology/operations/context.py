"""What every operation may use: the providers and the stored resources, all read-only."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from terminology.engine.compose import Plans
from terminology.providers.registry import ProviderRegistry
from terminology.storage.repositories import ResourceRepository


class Memo:
    """Answers computed from stored content, which does not change while it is served. Bounded:
    emptied when full (the questions clients repeat are few)."""

    def __init__(self, limit: int = 4096) -> None:
        self.limit = limit
        self._values: dict[Hashable, Any] = {}

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        try:
            return self._values[key]
        except KeyError:
            pass
        value = compute()
        if len(self._values) >= self.limit:
            self._values.clear()
        self._values[key] = value
        return value


@dataclass(frozen=True, slots=True)
class Services:
    registry: ProviderRegistry
    code_systems: ResourceRepository
    value_sets: ResourceRepository
    concept_maps: ResourceRepository
    #: Compose plans of the value sets read so far (stored ones stay; request-borne ones churn).
    plans: Plans = field(default_factory=Plans)
    #: Look-up answers for stored code-system versions.
    lookups: Memo = field(default_factory=Memo)

    def repository(self, resource_type: str) -> ResourceRepository:
        return {
            "CodeSystem": self.code_systems,
            "ValueSet": self.value_sets,
            "ConceptMap": self.concept_maps,
        }[resource_type]
