"""Is a code in a value set? Answered from ``ValueSet.compose`` without expanding it.

R4 compose semantics (http://hl7.org/fhir/R4/valueset.html#compose): the union of the
includes minus the union of the excludes; within one include, an enumerated code or every
filter (AND) selects from the system, and imported value sets are intersected with that.
Unknown code systems and unsupported filters become issues, never guesses.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from terminology.engine.filters import FilterSpec, matches
from terminology.model import Concept, Issue
from terminology.providers.base import CodeSystemVersion
from terminology.providers.registry import ProviderRegistry

#: Finds a value set by canonical url and optional version; None when unknown.
ValueSetResolver = Callable[[str, str | None], Mapping[str, Any] | None]


@dataclass(frozen=True, slots=True)
class Membership:
    found: bool
    concept: Concept | None = None
    version: CodeSystemVersion | None = None
    issues: tuple[Issue, ...] = ()
    #: Systems the answer depended on but that the server does not have.
    unknown_systems: tuple[str, ...] = ()


@dataclass(slots=True)
class _Search:
    system: str
    code: str
    version: str | None
    on: date | None
    issues: list[Issue] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    concept: Concept | None = None
    cs: CodeSystemVersion | None = None
    stack: tuple[str, ...] = ()


class MembershipEngine:
    def __init__(self, registry: ProviderRegistry, resolve_value_set: ValueSetResolver) -> None:
        self.registry = registry
        self.resolve_value_set = resolve_value_set

    def check(
        self,
        value_set: Mapping[str, Any],
        system: str,
        code: str,
        version: str | None = None,
        on: date | None = None,
    ) -> Membership:
        search = _Search(system, code, version, on)
        found = self._in_value_set(value_set, search)
        return Membership(
            found,
            search.concept if found else None,
            search.cs,
            tuple(search.issues),
            tuple(dict.fromkeys(search.unknown)),
        )

    def _in_value_set(self, value_set: Mapping[str, Any], search: _Search) -> bool:
        url = value_set.get("url", "")
        if url and url in search.stack:
            search.issues.append(
                Issue("error", "processing", f"Value set {url} imports itself", "vs-invalid")
            )
            return False
        search.stack = (*search.stack, url)
        try:
            compose = value_set.get("compose", {})
            included = any(self._in_part(i, value_set, search) for i in compose.get("include", ()))
            if not included:
                return False
            return not any(self._in_part(e, value_set, search) for e in compose.get("exclude", ()))
        finally:
            search.stack = search.stack[:-1]

    def _in_part(self, part: Mapping[str, Any], owner: Mapping[str, Any], search: _Search) -> bool:
        system = part.get("system")
        if system is not None and not self._system_selects(part, search):
            return False
        for ref in part.get("valueSet", ()):
            imported = self._resolve_import(ref, owner)
            if imported is None:
                search.issues.append(
                    Issue(
                        "error",
                        "not-found",
                        f"A definition for the value Set '{ref}' could not be found",
                        "not-found",
                    )
                )
                return False
            if not self._in_value_set(imported, search):
                return False
        return system is not None or bool(part.get("valueSet"))

    def _resolve_import(self, ref: str, owner: Mapping[str, Any]) -> Mapping[str, Any] | None:
        if ref.startswith("#"):
            return next((c for c in owner.get("contained", ()) if c.get("id") == ref[1:]), None)
        url, _, version = ref.partition("|")
        return self.resolve_value_set(url, version or None)

    def _system_selects(self, part: Mapping[str, Any], search: _Search) -> bool:
        provider = self.registry.resolve(part["system"])
        if provider is None or (
            provider.system != search.system and search.system not in provider.aliases
        ):
            if provider is None and part["system"] == search.system:
                search.unknown.append(part["system"])
            return False
        cs = provider.select(version=part.get("version") or search.version, on=search.on)
        if cs is None:
            return False
        located = cs.locate(search.code)
        if located.concept is None:
            return False
        concept = located.concept
        enumerated = part.get("concept")
        if enumerated and search.code not in {c.get("code") for c in enumerated}:
            return False
        for raw in part.get("filter", ()):
            spec = FilterSpec(raw.get("property", ""), raw.get("op", ""), str(raw.get("value", "")))
            verdict = matches(cs, concept, spec)
            if verdict is None:
                search.issues.append(
                    Issue(
                        "error",
                        "not-supported",
                        f"The filter '{spec.property} {spec.op} {spec.value}' is not supported "
                        f"for {cs.info.url}",
                        "vs-invalid",
                    )
                )
                return False
            if not verdict:
                return False
        search.concept, search.cs = concept, cs
        return True
