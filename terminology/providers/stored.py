"""A code-system version whose concepts live in the content store rather than in memory.

Used for the large terminologies (the full ICD-10-CM, ~98,000 concepts per fiscal year): a
worker keeps only the concepts it has been asked about, in a bounded memo, and reads the rest
from the store's memory-mapped file, shared with the other workers.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from functools import lru_cache
from typing import Any

from terminology.model import CodeSystemInfo, Concept
from terminology.providers.base import Located, SubsumptionOutcome, subsumption_by_ancestors
from terminology.providers.syntax import SyntaxRule
from terminology.storage.concept_table import concept_from_json, read_info
from terminology.storage.records import ConceptRow
from terminology.storage.store import ContentStore

#: Concepts one version keeps built in memory (the codes a worker is asked about repeat; the
#: bound keeps a worker small whatever a client asks).
MEMO_ENTRIES = 8192


@lru_cache(maxsize=1024)
def _extra(text: str) -> Mapping[str, Any]:
    """A concept's stored JSON, parsed once per distinct text: most concepts of a large code
    system share a few (every ICD-10-CM header has the same ``notSelectable`` property). The
    result is shared, so it is never modified."""
    parsed: Mapping[str, Any] = json.loads(text)
    return parsed


def concept_of(row: ConceptRow, polyhierarchy: bool = False) -> Concept:
    """The concept of a stored row; in a polyhierarchy its ``parent`` lists every parent."""
    code, display, parent, children, extra = row
    raw: dict[str, Any] = dict(_extra(extra)) if extra else {}
    raw["code"] = code
    if display is not None:
        raw["display"] = display
    return concept_from_json(
        raw,
        (tuple(parent.split(" ")) if polyhierarchy else (parent,)) if parent else (),
        tuple(children.split()) if children else (),
    )


class StoredVersion:
    """One code-system version in the store. The store holds the whole version, so it is
    ``complete`` whatever its served resource (a header without concepts) says."""

    expansion_limit: int | None = None

    def __init__(
        self,
        store: ContentStore,
        key: int,
        header: Mapping[str, Any],
        syntax: SyntaxRule | None = None,
        *,
        polyhierarchy: bool = False,
    ) -> None:
        self._store = store
        self._key = key
        #: Concepts have several parents (SNOMED CT): ancestors come from the store's closure.
        self._poly = polyhierarchy
        self.info: CodeSystemInfo = replace(read_info(header), content="complete")
        self._syntax = syntax
        self._memo: dict[str, Concept | None] = {}
        self._ancestors: dict[str, frozenset[str]] = {}
        #: Properties with a value index in the store (read when a filter first asks).
        self._indexed: frozenset[str] | None = None

    def _get(self, code: str) -> Concept | None:
        try:
            return self._memo[code]
        except KeyError:
            pass
        row = self._store.concept(self._key, code)
        concept = concept_of(row, self._poly) if row is not None else None
        if len(self._memo) >= MEMO_ENTRIES:
            self._memo.clear()
            self._ancestors.clear()
        self._memo[code] = concept
        return concept

    def find(self, code: str) -> Concept | None:
        return self._get(code)

    def locate(self, code: str) -> Located:
        concept = self._get(code)
        if concept is not None:
            return Located(concept)
        error = self.syntax_error(code)
        if error is not None:
            return Located(None, error, rule_broken=True)
        return Located(None)

    def locates_unlisted(self, code: str) -> bool:
        return False

    def syntax_error(self, code: str) -> str | None:
        return self._syntax(code) if self._syntax is not None else None

    def range_gap(self, code: str) -> str | None:
        return None  # the version is complete: a code it lacks is simply not a code

    def concepts(self) -> Iterator[Concept]:
        return (concept_of(row, self._poly) for row in self._store.concepts(self._key))

    def search(self, text: str) -> Iterator[Concept]:
        return (concept_of(row, self._poly) for row in self._store.search(self._key, text))

    def with_properties(self, pairs: Sequence[tuple[str, str]]) -> Iterator[Concept] | None:
        if self._indexed is None:
            self._indexed = self._store.indexed_properties(self._key)
        usable = [(code, value) for code, value in pairs if code in self._indexed]
        if not usable:
            return None
        rows = self._store.with_properties(self._key, usable)
        return (concept_of(row, self._poly) for row in rows)

    def subtree(self, code: str) -> Iterator[Concept]:
        return (concept_of(row, self._poly) for row in self._store.subtree(self._key, code))

    def ancestors(self, code: str) -> frozenset[str]:
        found = self._ancestors.get(code)
        if found is not None:
            return found
        if self._poly:
            # One read of the closure stored at load (SNOMED CT: ~20-30 codes), not a walk.
            found = self._store.ancestors(self._key, code)
            if len(self._ancestors) >= MEMO_ENTRIES:
                self._ancestors.clear()
            self._ancestors[code] = found
            return found
        chain: list[str] = []
        concept = self._get(code)
        while concept is not None and concept.parents and len(chain) < 64:
            parent = concept.parents[0]
            chain.append(parent)
            concept = self._get(parent)
        found = frozenset(chain)
        self._ancestors[code] = found
        return found

    def subsumes(self, a: str, b: str) -> SubsumptionOutcome | None:
        # ICD-10-CM: each side's chain is a handful of memoised look-ups (code, subcategory,
        # category, block, chapter), so no ancestor table is kept for a tree; a polyhierarchy
        # reads each side's stored closure.
        return subsumption_by_ancestors(self, a, b)

    def display_of(self, code: str) -> str | None:
        concept = self._get(code)
        return concept.display if concept else None
