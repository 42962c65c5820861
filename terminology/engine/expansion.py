"""The codes of a value set: ``ValueSet.compose`` evaluated into an ordered list of entries.

R4 compose semantics (http://hl7.org/fhir/R4/valueset.html#compose): the union of the
includes minus the union of the excludes. Within one include, enumerated codes (unknown ones
are silently left out) or every filter (AND) select from one code-system version, and the
value sets it imports are intersected with that selection. The engine never decides which
code-system version answers: the caller's ``select`` does (version rules are operation policy),
and it raises when a system or version is unknown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from terminology import budget
from terminology.engine.compose import (
    ComposePlan,
    Part,
    Plans,
    ResolveValueSet,
    import_of,
    pinned,
)
from terminology.engine.cycles import enter, vs_key
from terminology.engine.filters import FilterSpec, passes
from terminology.errors import TerminologyError
from terminology.messages import msg
from terminology.model import Concept
from terminology.providers.base import CodeSystemVersion, PropertyIndexed

#: Hierarchy filters whose matches all lie in the subtree of the filter's value.
_WITHIN_SUBTREE = frozenset({"is-a", "descendent-of", "child-of", "descendent-leaf"})

#: Picks the code-system version an include uses: (system, include version, where) -> version.
SelectVersion = Callable[[str, str | None, str], CodeSystemVersion]


@dataclass(frozen=True, slots=True)
class Entry:
    """One code of an expansion, with what the value set itself says about it."""

    system: str
    concept: Concept
    cs: CodeSystemVersion
    #: The ``include.concept`` element that listed the code (its display, designations and
    #: extensions belong in the expansion), if it was enumerated.
    listed: Mapping[str, Any] | None = None

    @property
    def key(self) -> tuple[str, str | None, str]:
        """Identity in an expansion: one value set may list a code from two versions."""
        return (self.system, self.cs.info.version, self.concept.code)

    @property
    def member(self) -> tuple[str, str]:
        """Identity for excludes and imports, which select codes whatever their version."""
        return (self.system, self.concept.code)


class ExpansionEngine:
    """Evaluates composes; one instance per request (it records what it used)."""

    def __init__(
        self,
        select: SelectVersion,
        resolve_value_set: ResolveValueSet,
        *,
        plans: Plans | None = None,
        default_versions: tuple[str, ...] = (),
        text_filter: Callable[[Concept], bool] | None = None,
        text_query: str | None = None,
        drop_inactive: bool = False,
        drop_abstract: bool = False,
    ) -> None:
        self.select = select
        self.resolve_value_set = resolve_value_set
        self.plans = plans if plans is not None else Plans()
        #: ``default-valueset-version`` values, to name the version a missing import was
        #: looked for in (``resolve_value_set`` applies them).
        self.default_versions = default_versions
        self.text_filter = text_filter
        #: The text ``text_filter`` matches, for code systems that index their text.
        self.text_query = text_query
        self.drop_inactive = drop_inactive
        self.drop_abstract = drop_abstract
        #: ``url|version`` of every value set imported, in the order first used.
        self.used_value_sets: list[str] = []
        #: Code systems whose expansion cap cut the result short.
        self.capped: list[str] = []
        #: True when a text search ran over a whole code system: its matches are a list of
        #: hits, not a tree, so the caller should not nest them.
        self.flattened = False
        self._counts: dict[str, int] = {}
        #: Imported value sets already evaluated in this request, by identity: a definition
        #: that imports one value set along many paths (a "diamond") is evaluated once, not
        #: once per path, which would be exponential in the depth of the imports.
        self._imports: dict[int, tuple[Mapping[str, Any], dict[Any, Entry]]] = {}

    def evaluate(
        self, value_set: Mapping[str, Any], stack: tuple[str, ...] = ()
    ) -> dict[tuple[str, str | None, str], Entry]:
        """The codes of ``value_set``; raises on circular imports or broken definitions."""
        stack = enter(value_set, stack)
        budget.spend()
        plan = self.plans.of(value_set)
        result: dict[tuple[str, str | None, str], Entry] = {}
        for include in plan.includes:
            for entry in self._part(include, plan, stack, including=True):
                if entry.key not in result and (
                    plan.inactive_allowed or not entry.concept.inactive
                ):
                    result[entry.key] = entry
        excluded: set[tuple[str, str]] = set()
        for exclude in plan.excludes:
            excluded.update(e.member for e in self._part(exclude, plan, stack, including=False))
        if excluded:
            result = {k: e for k, e in result.items() if e.member not in excluded}
        return result

    # -- one include or exclude -------------------------------------------------------------
    def _part(
        self, part: Part, owner: ComposePlan, stack: tuple[str, ...], *, including: bool
    ) -> list[Entry]:
        imported = [self._imported(ref, owner, stack) for ref in part.value_sets]
        if part.system:
            selected = self._from_system(part, part.system, including=including)
        elif imported:
            selected = list(imported[0].values())
            imported = imported[1:]
        else:
            return []
        for other in imported:
            members = {e.member for e in other.values()}
            selected = [e for e in selected if e.member in members]
        if including and self.drop_inactive:
            selected = [e for e in selected if not e.concept.inactive]
        if including and self.drop_abstract:
            selected = [e for e in selected if not e.concept.not_selectable]
        return selected

    def _imported(
        self, ref: str, owner: ComposePlan, stack: tuple[str, ...]
    ) -> dict[tuple[str, str | None, str], Entry]:
        found = import_of(owner, ref, self.resolve_value_set)
        if found is None:
            raise TerminologyError(
                msg("VS_NOT_FOUND", url=pinned(ref, self.default_versions)),
                status=404,
                code="not-found",
                tx_type="not-found",
            )
        if not ref.startswith("#"):
            label = vs_key(found)
            if label and label not in self.used_value_sets:
                self.used_value_sets.append(label)
        memo = self._imports.get(id(found))
        if memo is not None and memo[0] is found:
            enter(found, stack)  # still a cycle if it is on the current path
            return memo[1]
        result = self.evaluate(found, stack)
        self._imports[id(found)] = (found, result)
        return result

    def _from_system(self, part: Part, system: str, *, including: bool) -> list[Entry]:
        filters = part.checked_filters()
        cs = self.select(system, part.version, part.where)
        found: list[Entry] = []
        if part.listed:
            budget.spend(len(part.listed))
            for item in part.listed:
                concept = cs.locate(str(item.get("code", ""))).concept
                if concept is None:
                    continue  # codes the code system lacks are left out, not an error
                if all(passes(cs, concept, spec) for spec in filters):
                    found.append(Entry(system, concept, cs, item))
        else:
            visited = 0
            for concept in self._candidates(cs, filters, including=including):
                visited += 1
                if all(passes(cs, concept, spec) for spec in filters):
                    found.append(Entry(system, concept, cs))
            budget.spend(visited * max(len(filters), 1))
        if including and self.text_filter is not None:
            self.flattened = self.flattened or not (part.listed or filters)
            found = [e for e in found if self.text_filter(e.concept)]
        if including:
            found = self._cap(cs, found)
        return found

    def _candidates(
        self, cs: CodeSystemVersion, filters: Sequence[FilterSpec], *, including: bool
    ) -> Iterator[Concept]:
        """Where to look, in the code system's order: what its text index finds when a text
        filter will keep only what it matches, the subtree of a hierarchy filter, else every
        concept. Each is a superset of what passes, since every filter still runs on it, and
        each spares a look at ~100,000 ICD-10-CM concepts."""
        if including and self.text_filter is not None and self.text_query:
            return cs.search(self.text_query)
        for spec in filters:
            if spec.property == "concept" and spec.op in _WITHIN_SUBTREE:
                return cs.subtree(spec.value)
        if isinstance(cs, PropertyIndexed):
            # Property = value filters the store indexes (LOINC's modality, region imaged):
            # only the concepts with every such value, not all ~100,000.
            pairs = [
                (spec.property, spec.value)
                for spec in filters
                if spec.op == "=" and spec.property not in ("concept", "code")
            ]
            found = cs.with_properties(pairs) if pairs else None
            if found is not None:
                return found
        return cs.concepts()

    def _cap(self, cs: CodeSystemVersion, found: list[Entry]) -> list[Entry]:
        """Honour a code system's own expansion limit (CPT's licence allows 1000 codes)."""
        limit = cs.expansion_limit
        if not limit:
            return found
        used = self._counts.get(cs.info.url, 0)
        room = max(limit - used, 0)
        if len(found) > room:
            found = found[:room]
            if cs.info.url not in self.capped:
                self.capped.append(cs.info.url)
        self._counts[cs.info.url] = used + len(found)
        return found
