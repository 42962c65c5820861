"""A code-system version with supplements applied: their designations and properties join the
base concepts (FHIR CodeSystem ``content = supplement``); they never add concepts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from terminology.model import Concept
from terminology.providers.base import CodeSystemVersion, Located, SubsumptionOutcome
from terminology.storage.concept_table import ConceptTable


class SupplementedVersion:
    def __init__(self, base: CodeSystemVersion, supplements: list[ConceptTable]) -> None:
        self.base = base
        # Properties a supplement defines are the code system's properties for this request.
        known = {d.code for d in base.info.property_definitions}
        added = tuple(
            d for t in supplements for d in t.info.property_definitions if d.code not in known
        )
        self.info = replace(base.info, property_definitions=base.info.property_definitions + added)
        self.expansion_limit = base.expansion_limit
        self.supplements = supplements
        self.used = [
            f"{t.info.url}|{t.info.version}" if t.info.version else t.info.url for t in supplements
        ]

    def _merge(self, concept: Concept) -> Concept:
        designations = list(concept.designations)
        properties = list(concept.properties)
        extensions = list(concept.extensions)
        for table, canonical in zip(self.supplements, self.used, strict=True):
            extra = table.concepts.get(concept.code)
            if extra is None:
                continue
            designations += [replace(d, source=canonical) for d in extra.designations]
            properties += list(extra.properties)
            extensions += list(extra.extensions)
        return replace(
            concept,
            designations=tuple(designations),
            properties=tuple(properties),
            extensions=tuple(extensions),
        )

    def locate(self, code: str) -> Located:
        located = self.base.locate(code)
        if located.concept is None:
            return located
        return Located(self._merge(located.concept), located.message, located.rule_broken)

    def find(self, code: str) -> Concept | None:
        concept = self.base.find(code)
        return self._merge(concept) if concept is not None else None

    def locates_unlisted(self, code: str) -> bool:
        return self.base.locates_unlisted(code)

    def syntax_error(self, code: str) -> str | None:
        return self.base.syntax_error(code)

    def range_gap(self, code: str) -> str | None:
        return self.base.range_gap(code)

    def concepts(self) -> Iterator[Concept]:
        return (self._merge(c) for c in self.base.concepts())

    def search(self, text: str) -> Iterator[Concept]:
        # A supplement's designations may match where the base's text does not: scan all.
        return self.concepts()

    def subtree(self, code: str) -> Iterator[Concept]:
        return (self._merge(c) for c in self.base.subtree(code))

    def ancestors(self, code: str) -> frozenset[str]:
        return self.base.ancestors(code)

    def subsumes(self, a: str, b: str) -> SubsumptionOutcome | None:
        return self.base.subsumes(a, b)  # supplements add no concepts and no hierarchy

    def display_of(self, code: str) -> str | None:
        return self.base.display_of(code)


def supplements_used(version: object) -> tuple[str, ...]:
    """``url|version`` of the supplements applied to ``version`` (none for a plain version)."""
    return tuple(version.used) if isinstance(version, SupplementedVersion) else ()
