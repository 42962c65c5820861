"""One ConceptMap read once into look-up tables for ``$translate``.

A map is indexed forward (source system and code to the element targets) and backward (target
system and code to the same targets), so a translation in either direction is a dictionary
look-up, never a walk of the groups. Stored maps are indexed once per content generation (kept
by the app's ``Services``); a map sent with a request is indexed for that request.

Both R4 and R5 maps are read: R4's ``equivalence`` and R5's ``relationship`` are each derived from
the other when only one is given (the conformance suites send R5 maps to R4 servers), and R4's
``sourceUri``/``sourceCanonical`` or R5's ``sourceScope[x]`` give the map's scopes.
http://hl7.org/fhir/R4/conceptmap.html, http://hl7.org/fhir/R4/valueset-concept-map-equivalence.html
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from terminology.operations.translate_model import MapDependency

#: R5 relationship to R4 equivalence (the R4/R5 conversion's table).
R5_TO_R4 = {
    "related-to": "relatedto",
    "equivalent": "equivalent",
    "source-is-narrower-than-target": "wider",
    "source-is-broader-than-target": "narrower",
    "not-related-to": "disjoint",
}
#: R4 equivalence to R5 relationship. R5 has no ``equal``/``subsumes``/``specializes``/
#: ``inexact``/``unmatched``; each becomes the nearest R5 code.
R4_TO_R5 = {
    "relatedto": "related-to",
    "equivalent": "equivalent",
    "equal": "equivalent",
    "wider": "source-is-narrower-than-target",
    "subsumes": "source-is-narrower-than-target",
    "narrower": "source-is-broader-than-target",
    "specializes": "source-is-broader-than-target",
    "inexact": "related-to",
    "unmatched": "not-related-to",
    "disjoint": "not-related-to",
}
# An R4 equivalence is read from the target to the source ("the target is wider than the
# source"). Read backwards, the source is narrower than the target: the directed codes swap,
# the symmetric ones (equivalent, equal, relatedto, inexact, unmatched, disjoint) stay.
_INVERSE_R4 = {
    "wider": "narrower",
    "narrower": "wider",
    "subsumes": "specializes",
    "specializes": "subsumes",
}
_INVERSE_R5 = {
    "source-is-narrower-than-target": "source-is-broader-than-target",
    "source-is-broader-than-target": "source-is-narrower-than-target",
}
#: When a map states neither (both are required, but maps in the wild omit them), the weakest
#: claim that still says the concepts are related.
DEFAULT_EQUIVALENCE = "relatedto"


def inverse_equivalence(equivalence: str) -> str:
    """The R4 equivalence read the other way round (``narrower`` becomes ``wider``)."""
    return _INVERSE_R4.get(equivalence, equivalence)


def inverse_relationship(relationship: str) -> str:
    """The R5 relationship read the other way round."""
    return _INVERSE_R5.get(relationship, relationship)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _equivalence_pair(raw: Mapping[str, Any]) -> tuple[str, str]:
    """(R4 equivalence, R5 relationship) of a target or an ``unmapped``, each from the other
    when only one is given."""
    equivalence = _text(raw.get("equivalence"))
    relationship = _text(raw.get("relationship"))
    if equivalence is None and relationship is not None:
        equivalence = R5_TO_R4.get(relationship)
    equivalence = equivalence or DEFAULT_EQUIVALENCE
    if relationship is None:
        relationship = R4_TO_R5.get(equivalence, "related-to")
    return equivalence, relationship


@dataclass(frozen=True, slots=True)
class MapGroup:
    """A group's code systems (and versions): the map's statements about one pair of them."""

    number: int
    source: str | None
    source_version: str | None
    target: str | None
    target_version: str | None
    unmapped: Unmapped | None = None


@dataclass(frozen=True, slots=True)
class Unmapped:
    """``group.unmapped``: what a group says about a source code it has no element for."""

    mode: str  # provided/use-source-code, fixed, other-map
    code: str | None
    display: str | None
    other_map: str | None
    equivalence: str
    relationship: str


@dataclass(frozen=True, slots=True)
class MapTarget:
    """One ``group.element.target``: the element's code mapped to the target's code."""

    group: MapGroup
    source_code: str
    source_display: str | None
    code: str | None
    display: str | None
    #: As the map states it, from the source to the target (R4 and R5 forms).
    equivalence: str
    relationship: str
    comment: str | None
    depends_on: tuple[MapDependency, ...] = ()
    products: tuple[MapDependency, ...] = ()


def _dependencies(raw: Any) -> tuple[MapDependency, ...]:
    out = []
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, Mapping):
            continue
        # R4: property/system/value(string)/display; R5: attribute/value[x].
        prop = _text(item.get("property")) or _text(item.get("attribute"))
        if prop is None:
            continue
        system, value, display = _text(item.get("system")), _text(item.get("value")), None
        display = _text(item.get("display"))
        coding = item.get("valueCoding")
        if isinstance(coding, Mapping):
            system, value = _text(coding.get("system")), _text(coding.get("code"))
            display = _text(coding.get("display"))
        elif value is None:
            value = _text(item.get("valueCode")) or _text(item.get("valueString"))
        out.append(MapDependency(prop, system, value, display))
    return tuple(out)


def _scope(resource: Mapping[str, Any], side: str) -> str | None:
    """The map's source or target value set (R4 ``sourceUri``/``sourceCanonical``, R5
    ``sourceScopeUri``/``sourceScopeCanonical``), without its version."""
    for suffix in ("Uri", "Canonical", "ScopeUri", "ScopeCanonical"):
        value = _text(resource.get(f"{side}{suffix}"))
        if value is not None:
            return value.partition("|")[0]
    return None


@dataclass(frozen=True, slots=True)
class ConceptMapIndex:
    url: str | None
    version: str | None
    source_scope: str | None
    target_scope: str | None
    groups: tuple[MapGroup, ...]
    #: (source system, source code) to the targets of the elements with that code.
    forward: Mapping[tuple[str | None, str], tuple[MapTarget, ...]]
    #: (target system, target code) to the targets with that code.
    backward: Mapping[tuple[str | None, str], tuple[MapTarget, ...]]
    #: (group number, source code) of every element, targets or not (``unmapped`` applies only
    #: to codes a group has no element for).
    elements: frozenset[tuple[int, str]]

    @property
    def canonical(self) -> str:
        """``url|version`` (the url alone for a map without a version)."""
        url = self.url or ""
        return f"{url}|{self.version}" if self.version else url


def _unmapped(raw: Any) -> Unmapped | None:
    if not isinstance(raw, Mapping) or _text(raw.get("mode")) is None:
        return None
    equivalence, relationship = _equivalence_pair(raw)
    return Unmapped(
        mode=str(raw["mode"]),
        code=_text(raw.get("code")),
        display=_text(raw.get("display")),
        other_map=_text(raw.get("url")) or _text(raw.get("otherMap")),
        equivalence=equivalence,
        relationship=relationship,
    )


def _system_and_version(group: Mapping[str, Any], side: str) -> tuple[str | None, str | None]:
    """A group's ``source`` (or ``target``) code system and version: R4's ``source`` and
    ``sourceVersion``, or R5's canonical ``source`` with the version after a ``|``."""
    system, version = _text(group.get(side)), _text(group.get(side + "Version"))
    if system is not None and version is None and "|" in system:
        system, _, version = system.partition("|")
    return system, version or None


def index_concept_map(resource: Mapping[str, Any]) -> ConceptMapIndex:
    """The look-up tables of one ConceptMap (R4 or R5 JSON, its shape already checked)."""
    groups: list[MapGroup] = []
    forward: dict[tuple[str | None, str], list[MapTarget]] = {}
    backward: dict[tuple[str | None, str], list[MapTarget]] = {}
    elements: set[tuple[int, str]] = set()
    raw_groups = resource.get("group")
    for number, raw in enumerate(raw_groups if isinstance(raw_groups, list) else []):
        if not isinstance(raw, Mapping):
            continue
        source, source_version = _system_and_version(raw, "source")
        target, target_version = _system_and_version(raw, "target")
        group = MapGroup(
            number, source, source_version, target, target_version, _unmapped(raw.get("unmapped"))
        )
        groups.append(group)
        raw_elements = raw.get("element")
        for element in raw_elements if isinstance(raw_elements, list) else []:
            code = _text(element.get("code")) if isinstance(element, Mapping) else None
            if code is None:
                continue
            elements.add((number, code))
            raw_targets = element.get("target")
            for target in raw_targets if isinstance(raw_targets, list) else []:
                if not isinstance(target, Mapping):
                    continue
                equivalence, relationship = _equivalence_pair(target)
                entry = MapTarget(
                    group=group,
                    source_code=code,
                    source_display=_text(element.get("display")),
                    code=_text(target.get("code")),
                    display=_text(target.get("display")),
                    equivalence=equivalence,
                    relationship=relationship,
                    comment=_text(target.get("comment")),
                    depends_on=_dependencies(target.get("dependsOn")),
                    products=_dependencies(target.get("product")),
                )
                forward.setdefault((group.source, code), []).append(entry)
                if entry.code is not None:
                    backward.setdefault((group.target, entry.code), []).append(entry)
    return ConceptMapIndex(
        url=_text(resource.get("url")),
        version=_text(resource.get("version")),
        source_scope=_scope(resource, "source"),
        target_scope=_scope(resource, "target"),
        groups=tuple(groups),
        forward={k: tuple(v) for k, v in forward.items()},
        backward={k: tuple(v) for k, v in backward.items()},
        elements=frozenset(elements),
    )
