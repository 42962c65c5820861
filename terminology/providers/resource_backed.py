"""The generic provider: a terminology whose versions are CodeSystem resources.

Most of our terminologies need nothing more; CPT adds its expression grammar on top.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from functools import cached_property

from terminology.messages import msg
from terminology.model import Concept
from terminology.providers.base import (
    Appearance,
    CodeSystemVersion,
    Located,
    SubsumptionOutcome,
    subsumption_by_ancestors,
)
from terminology.providers.syntax import SyntaxRule, quote
from terminology.storage.concept_table import ConceptTable
from terminology.versions import version_sort_key


class ResourceBackedVersion:
    """One code-system version over a precomputed concept table, with the syntax rule of its
    terminology when it has one."""

    expansion_limit: int | None = None

    def __init__(self, table: ConceptTable, syntax: SyntaxRule | None = None) -> None:
        self.table = table
        self.info = table.info
        self._syntax = syntax

    def locate(self, code: str) -> Located:
        concept = self.table.concepts.get(code)
        if concept is not None:
            return Located(concept)
        if not self.info.case_sensitive:
            # caseSensitive = false: a code in another case is this concept (the caller sees
            # from ``concept.code`` that the case differs, and says so).
            folded = self._folded.get(code.casefold())
            if folded is not None:
                return Located(folded)
        return self._locate_missing(code)

    def find(self, code: str) -> Concept | None:
        return self.table.concepts.get(code)

    def locates_unlisted(self, code: str) -> bool:
        return not self.info.case_sensitive

    @cached_property
    def _folded(self) -> dict[str, Concept]:
        folded: dict[str, Concept] = {}
        for code, concept in self.table.concepts.items():
            folded.setdefault(code.casefold(), concept)
        return folded

    def _locate_missing(self, code: str) -> Located:
        """A code the table lacks: malformed (it cannot exist) or simply not held."""
        error = self.syntax_error(code)
        if error is not None:
            return Located(None, error, rule_broken=True)
        return Located(None)

    def syntax_error(self, code: str) -> str | None:
        return self._syntax(code) if self._syntax is not None else None

    def range_gap(self, code: str) -> str | None:
        if code in self.table.concepts:
            return None
        for code_range in self.info.complete_ranges:
            if code_range.contains(code):
                return msg(
                    "CODE_NOT_IN_COMPLETE_RANGE",
                    code=quote(code),
                    version=self.info.version,
                    system=self.info.url,
                    range=code_range.name,
                    start=code_range.start,
                    end=code_range.end,
                )
        return None

    def concepts(self) -> Iterator[Concept]:
        concepts = self.table.concepts
        return (concepts[code] for code in self.table.order)

    def search(self, text: str) -> Iterator[Concept]:
        return self.concepts()  # small enough to scan

    def subtree(self, code: str) -> Iterator[Concept]:
        return (c for c in self.concepts() if c.code == code or code in self.ancestors(c.code))

    def display_of(self, code: str) -> str | None:
        concept = self.table.concepts.get(code)
        return concept.display if concept else None

    @cached_property
    def _closure(self) -> dict[str, frozenset[str]]:
        closure: dict[str, frozenset[str]] = {}
        concepts = self.table.concepts

        def ancestors_of(code: str, seen: frozenset[str]) -> frozenset[str]:
            if code in closure:
                return closure[code]
            found: set[str] = set()
            for parent in concepts[code].parents:
                if parent in seen or parent not in concepts:
                    continue  # a cycle or a dangling parent adds nothing
                found.add(parent)
                found |= ancestors_of(parent, seen | {parent})
            closure[code] = frozenset(found)
            return closure[code]

        for code in concepts:
            ancestors_of(code, frozenset({code}))
        return closure

    def ancestors(self, code: str) -> frozenset[str]:
        return self._closure.get(code, frozenset())

    def subsumes(self, a: str, b: str) -> SubsumptionOutcome | None:
        # Two set look-ups in the closure, built once per version on first use.
        return subsumption_by_ancestors(self, a, b)


class ResourceBackedProvider:
    """All loaded versions of one code system."""

    def __init__(
        self,
        system: str,
        versions: Sequence[CodeSystemVersion],
        aliases: tuple[str, ...] = (),
    ) -> None:
        self.system = system
        self.aliases = aliases
        algorithm = next((v.info.version_algorithm for v in versions), None)
        self._versions = sorted(
            versions,
            key=lambda v: version_sort_key(v.info.version, algorithm),
            reverse=True,
        )
        self._by_version = {v.info.version: v for v in self._versions}
        #: The version in force on each date of service asked so far (bounded: dates repeat).
        self._on: dict[date, CodeSystemVersion | None] = {}

    def versions(self) -> list[str | None]:
        return [v.info.version for v in self._versions]

    def select(
        self, version: str | None = None, on: date | None = None
    ) -> CodeSystemVersion | None:
        if version is not None:
            return self._by_version.get(version)
        if on is not None:
            try:
                return self._on[on]
            except KeyError:
                found = next((v for v in self._versions if v.info.period.contains(on)), None)
                if len(self._on) >= 4096:
                    self._on.clear()
                self._on[on] = found
                return found
        return self._versions[0] if self._versions else None

    def history(self, code: str) -> list[Appearance]:
        appearances = []
        for v in reversed(self._versions):
            concept = v.find(code)
            if concept is None and v.locates_unlisted(code):
                # A code no version lists may still be one a version's ``locate`` understands.
                concept = v.locate(code).concept
            if concept is not None:
                appearances.append(Appearance(v.info.version, concept))
        return appearances
