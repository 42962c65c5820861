"""Reading a ValueSet's compose quickly and uniformly: keys, include order, concept entries.

Compose elements of stored value sets never change, so what is derived from them (the order
in which includes are tried, an index of enumerated concepts) is derived once per element.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from terminology.engine.cycles import vs_key
from terminology.operations.displays import Candidate
from terminology.versions import version_sort_key

EXT_EXPANSION_PARAMETER = "http://hl7.org/fhir/StructureDefinition/valueset-expansion-parameter"
EXT_VS_SUPPLEMENT = "http://hl7.org/fhir/StructureDefinition/valueset-supplement"
EXT_STANDARDS_STATUS = (
    "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status"
)
EXT_VS_DEPRECATED = "http://hl7.org/fhir/StructureDefinition/valueset-deprecated"


def vs_label(value_set: Mapping[str, Any]) -> str:
    return vs_key(value_set) or "(unidentified)"


class _IdentityMemo:
    """Derived data for a compose element, keyed by the element's identity. The element is kept
    with its entry, so its id cannot be reused while cached; the memo is bounded."""

    def __init__(self, limit: int = 4096) -> None:
        self.limit = limit
        self.entries: dict[int, tuple[Any, Any]] = {}

    def get(self, element: Any, build: Any) -> Any:
        found = self.entries.get(id(element))
        if found is not None and found[0] is element:
            return found[1]
        value = build(element)
        if len(self.entries) >= self.limit:
            self.entries.clear()
        self.entries[id(element)] = (element, value)
        return value


_ORDERED = _IdentityMemo()
_CONCEPT_INDEX = _IdentityMemo()


def ordered_includes(includes: Any) -> list[Mapping[str, Any]]:
    """Includes in order, except that for one system the higher versions come first."""
    return _ORDERED.get(includes, _order)


def concept_entry(listed: Any, code: str) -> Mapping[str, Any] | None:
    index = _CONCEPT_INDEX.get(listed, lambda items: {c.get("code"): c for c in reversed(items)})
    return index.get(code)


def _order(includes: Any) -> list[Mapping[str, Any]]:
    items = list(includes)
    if len({i.get("system") for i in items}) == len(items):
        return items
    first: dict[str | None, int] = {}
    for index, include in enumerate(items):
        first.setdefault(include.get("system"), index)
    items.sort(key=lambda inc: version_sort_key(inc.get("version"), None), reverse=True)
    return sorted(items, key=lambda inc: first[inc.get("system")])


def use_this_version(
    include: Mapping[str, Any], version: str | None, includes: list[Mapping[str, Any]], system: str
) -> bool:
    if not version or version == include.get("version"):
        return True
    return not any(i.get("system") == system and i.get("version") == version for i in includes)


def entry_displays(entry: Mapping[str, Any], owner: Mapping[str, Any]) -> list[Candidate]:
    out = []
    if entry.get("display"):
        out.append(Candidate(entry["display"], owner.get("language")))
    for d in entry.get("designation", ()):
        if d.get("value"):
            out.append(Candidate(d["value"], d.get("language")))
    return out


def entry_status(entry: Mapping[str, Any]) -> str | None:
    for ext in entry.get("extension", ()):
        if ext.get("url") == EXT_STANDARDS_STATUS and ext.get("valueCode") in (
            "deprecated",
            "withdrawn",
        ):
            return ext["valueCode"]
        if ext.get("url") == EXT_VS_DEPRECATED and ext.get("valueBoolean"):
            return "deprecated"
    return None


def required_supplements(
    use_supplements: tuple[str, ...], value_set: Mapping[str, Any]
) -> tuple[str, ...]:
    """Supplements a request needs: those it names and those its value set names."""
    from_value_set = [
        ext["valueCanonical"]
        for ext in value_set.get("extension", ())
        if ext.get("url") == EXT_VS_SUPPLEMENT and ext.get("valueCanonical")
    ]
    return tuple(dict.fromkeys([*use_supplements, *from_value_set]))


def display_language_parameter(value_set: Mapping[str, Any]) -> str | None:
    """The ``displayLanguage`` a value set sets for itself (valueset-expansion-parameter)."""
    for ext in value_set.get("compose", {}).get("extension", ()):
        if ext.get("url") != EXT_EXPANSION_PARAMETER:
            continue
        parts = {e.get("url"): e for e in ext.get("extension", ())}
        if parts.get("name", {}).get("valueCode") == "displayLanguage":
            value = parts.get("value", {})
            language = value.get("valueCode") or value.get("valueString")
            if language:
                return language
    return None
