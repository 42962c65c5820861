"""What every operation may use: the providers and the stored resources, all read-only."""

from __future__ import annotations

from dataclasses import dataclass, field

from terminology.engine.compose import Plans
from terminology.providers.registry import ProviderRegistry
from terminology.storage.repositories import ResourceRepository


@dataclass(frozen=True, slots=True)
class Services:
    registry: ProviderRegistry
    code_systems: ResourceRepository
    value_sets: ResourceRepository
    concept_maps: ResourceRepository
    #: Compose plans of the value sets read so far (stored ones stay; request-borne ones churn).
    plans: Plans = field(default_factory=Plans)

    def repository(self, resource_type: str) -> ResourceRepository:
        return {
            "CodeSystem": self.code_systems,
            "ValueSet": self.value_sets,
            "ConceptMap": self.concept_maps,
        }[resource_type]
