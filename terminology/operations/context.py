"""What every operation may use: the providers and the stored resources, all read-only."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from terminology.engine.compose import Plans
from terminology.memo import ContentMemo
from terminology.providers.registry import ProviderRegistry
from terminology.storage.repositories import ResourceRepository

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Services:
    registry: ProviderRegistry
    code_systems: ResourceRepository
    value_sets: ResourceRepository
    concept_maps: ResourceRepository
    #: Which content this is: memos of values derived from the content key on it, so that
    #: content replaced while serving (a new generation) is never answered from old values.
    generation: int = 0
    #: Compose plans of the value sets read so far (stored ones stay; request-borne ones churn).
    plans: Plans = field(default_factory=Plans)
    #: Values derived from stored content: look-up answers, the definition of a whole code
    #: system as a value set, the scope of requests without tx-resource. (A Services holds one
    #: generation of content, so its memos only ever see that generation.)
    derived: ContentMemo[Hashable, Any] = field(init=False)
    #: The answers of the order and claim checks (value set, coding, date of service): many
    #: more distinct keys than ``derived`` holds (5,000 in the benchmark's 1,000 claims), and
    #: small ones (a few hundred bytes), so they get a memo of their own that does not push
    #: the look-up answers out, nor empty itself every few hundred claims.
    coded_answers: ContentMemo[Hashable, Any] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "derived", ContentMemo(4096, lambda: self.generation))
        object.__setattr__(self, "coded_answers", ContentMemo(32768, lambda: self.generation))

    def derived_value(
        self,
        key: Hashable,
        compute: Callable[[], T],
        memo: ContentMemo[Hashable, Any] | None = None,
    ) -> T:
        """The value ``compute`` derives from the stored content, computed once per key (kept
        in ``memo``, by default ``derived``)."""
        memo = self.derived if memo is None else memo
        found = memo.get(key)
        if found is None:
            found = compute()
            memo.put(key, found)
        return cast(T, found)

    def repository(self, resource_type: str) -> ResourceRepository:
        return {
            "CodeSystem": self.code_systems,
            "ValueSet": self.value_sets,
            "ConceptMap": self.concept_maps,
        }[resource_type]
