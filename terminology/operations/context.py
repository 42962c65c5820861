"""What every operation may use: the providers and the stored resources, all read-only."""

from __future__ import annotations

from dataclasses import dataclass

from terminology.providers.registry import ProviderRegistry
from terminology.storage.repositories import ResourceRepository


@dataclass(frozen=True, slots=True)
class Services:
    registry: ProviderRegistry
    code_systems: ResourceRepository
    value_sets: ResourceRepository
    concept_maps: ResourceRepository
    #: Which content this is: memos of values derived from the content key on it, so that
    #: content replaced while serving (a new generation) is never answered from old values.
    generation: int = 0

    def repository(self, resource_type: str) -> ResourceRepository:
        return {
            "CodeSystem": self.code_systems,
            "ValueSet": self.value_sets,
            "ConceptMap": self.concept_maps,
        }[resource_type]
