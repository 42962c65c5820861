"""Builders for the FHIR R4 JSON we publish: CodeSystem, ValueSet, ConceptMap and their parts.

Every builder writes keys in FHIR's element order (extension first, then the elements in the
order of the R4 StructureDefinition), so the JSON is stable and reads like the specification.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from terminology.authoring.common import CONTENT_VERSION, DATE, PUBLISHER, url_for
from terminology.uris import (
    CONCEPT_PROPERTIES,
    EXT_COMPLETE_RANGE,
    EXT_DISPLAY_NOT_OFFICIAL,
    EXT_EFFECTIVE_PERIOD,
    EXT_UNVERIFIED,
    EXT_VERSION_ALGORITHM,
    PROJECT_CONCEPT_PROPERTY,
    VERSION_ALGORITHM_SYSTEM,
)

Resource = dict[str, Any]


@dataclass(frozen=True)
class PropertyDef:
    code: str
    type: str  # FHIR R4 CodeSystem.property.type
    uri: str | None
    description: str


_OURS = PROJECT_CONCEPT_PROPERTY
_HL7 = CONCEPT_PROPERTIES

#: Every concept property we use, in the order CodeSystem.property lists them. HL7's CPT
#: properties (modifier, modified, kind) have no published URI (https://build.fhir.org/ig/HL7/UTG/CPT.html
#: gives only name, cardinality, type and description), so they are declared without one rather than
#: with an invented URI.
PROPERTY_DEFS: tuple[PropertyDef, ...] = (
    PropertyDef(
        "modality", "code", f"{_OURS}/modality",
        "Imaging modality: XR (projection radiography), RF (fluoroscopy), CT, CTA "
        "(CT angiography), MR, MRA (MR angiography).",
    ),
    PropertyDef(
        "contrast", "code", f"{_OURS}/contrast",
        "Intravenous contrast: none, with, without-then-with, with-or-without.",
    ),
    PropertyDef(
        "views", "string", f"{_OURS}/views",
        "Number of radiographic views: 1, 2, 3, or a minimum such as 3+.",
    ),
    PropertyDef("purpose", "code", f"{_OURS}/purpose", "diagnostic or screening."),
    PropertyDef(
        "bodyRegion", "Coding", f"{_OURS}/bodyRegion",
        "The body region the procedure images, as a SNOMED CT body structure (every chest "
        "code: 51185008 Thoracic structure). A code images this region only.",
    ),
    PropertyDef(
        "pctcIndicator", "code", f"{_OURS}/pctcIndicator",
        "Medicare physician fee schedule PC/TC indicator (RVU file column PCTC_IND): 1 = a "
        "diagnostic test with a professional (modifier 26) and a technical (modifier TC) "
        "component, either of which may be billed alone.",
    ),
    PropertyDef(
        "effectiveDate", "dateTime", f"{_HL7}#effectiveDate",
        "First date of service on which the code is in force. Absent when the code predates "
        "every version we publish and its start date is not known exactly.",
    ),
    PropertyDef(
        "endDate", "dateTime", f"{_OURS}/endDate",
        "Last date of service on which the code is in force (deleted codes only).",
    ),
    PropertyDef(
        "status", "code", f"{_HL7}#status",
        "active while the code is in force in this version; retired after it ends.",
    ),
    PropertyDef(
        "replacedBy", "code", f"{_OURS}/replacedBy",
        "A code that replaces this deleted code (repeats when there are several). The code is "
        "in this code system unless replacedBySystem says otherwise.",
    ),
    PropertyDef(
        "replacedBySystem", "string", f"{_OURS}/replacedBySystem",
        "Canonical URI of the code system of the replacedBy codes, when that is not this code "
        "system (e.g. HCPCS G0297 replaced by CPT 71271).",
    ),
    PropertyDef(
        "modifier", "boolean", None,
        "True if the code is a 2-character modifier code, false otherwise (HL7's CPT property; "
        "HCPCS Level II uses it with the same meaning).",
    ),
    PropertyDef(
        "modified", "boolean", None,
        "HL7 CPT property: whether the code is an expression with modifiers; false for every "
        "base code.",
    ),
    PropertyDef(
        "kind", "code", None,
        "HL7 CPT property: kind of CPT code (code, cat-1, cat-2, physical-status, general, "
        "hcpcs, metadata).",
    ),
    PropertyDef(
        "notSelectable", "boolean", f"{_HL7}#notSelectable",
        "A header (category or subcategory) that is not a code one may bill.",
    ),
)
_DEFS = {p.code: p for p in PROPERTY_DEFS}
_VALUE_KEY = {
    "code": "valueCode",
    "string": "valueString",
    "boolean": "valueBoolean",
    "dateTime": "valueDateTime",
    "Coding": "valueCoding",
}

#: The designation use of our synonyms and abbreviations: SNOMED CT's "Synonym" description
#: type, one of the two codes of FHIR's designation-use value set
#: (http://hl7.org/fhir/ValueSet/designation-use).
SYNONYM_USE = {
    "system": "http://snomed.info/sct",
    "code": "900000000000013009",
    "display": "Synonym",
}


# --- Small parts -------------------------------------------------------------------------

def unverified(note: str) -> dict[str, str]:
    """The flag carried by a fact our research could not confirm in a primary source."""
    return {"url": EXT_UNVERIFIED, "valueString": note}


def version_algorithm(code: str) -> dict[str, Any]:
    return {
        "url": EXT_VERSION_ALGORITHM,
        "valueCoding": {"system": VERSION_ALGORITHM_SYSTEM, "code": code},
    }


def effective_period(start: str, end: str | None = None) -> dict[str, Any]:
    period = {"start": start}
    if end:
        period["end"] = end
    return {"url": EXT_EFFECTIVE_PERIOD, "valuePeriod": period}


def prop(code: str, value: Any, note: str | None = None) -> dict[str, Any]:
    """One concept property; the value key follows the declared type of the property."""
    definition = _DEFS[code]  # KeyError = a property nobody declared
    out: dict[str, Any] = {}
    if note:
        out["extension"] = [unverified(note)]
    out["code"] = code
    out[_VALUE_KEY[definition.type]] = value
    return out


def concept(
    code: str,
    display: str,
    properties: Iterable[dict[str, Any]] = (),
    children: Sequence[dict[str, Any]] = (),
    note: str | None = None,
    synonyms: Sequence[str] = (),
) -> dict[str, Any]:
    """``synonyms`` are words users search with (our own), published as English designations
    whose use is SNOMED CT's Synonym, so that ``$expand``'s text filter finds them."""
    out: dict[str, Any] = {}
    if note:
        out["extension"] = [unverified(note)]
    out["code"] = code
    out["display"] = display
    if synonyms:
        out["designation"] = [
            {"language": "en", "use": dict(SYNONYM_USE), "value": s} for s in synonyms
        ]
    props = list(properties)
    if props:
        out["property"] = props
    if children:
        out["concept"] = list(children)
    return out


def walk(concepts: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Depth-first over nested concepts."""
    for c in concepts:
        yield c
        yield from walk(c.get("concept", ()))


def _property_declarations(concepts: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    used = {p["code"] for c in walk(concepts) for p in c.get("property", ())}
    out = []
    for d in PROPERTY_DEFS:
        if d.code in used:
            entry: dict[str, Any] = {"code": d.code}
            if d.uri:
                entry["uri"] = d.uri
            entry["description"] = d.description
            entry["type"] = d.type
            out.append(entry)
    return out


def _header(
    resource_type: str,
    resource_id: str,
    url: str,
    version: str,
    name: str,
    title: str,
    description: str,
    copyright_text: str,
    extensions: Sequence[dict[str, Any]],
) -> Resource:
    out: Resource = {"resourceType": resource_type, "id": resource_id}
    if extensions:
        out["extension"] = list(extensions)
    out.update(
        url=url,
        version=version,
        name=name,
        title=title,
        status="active",
        experimental=False,
        date=DATE,
        publisher=PUBLISHER,
        description=description,
        copyright=copyright_text,
    )
    return out


# --- Resources ---------------------------------------------------------------------------

def code_system(
    *,
    resource_id: str,
    url: str,
    version: str,
    name: str,
    title: str,
    description: str,
    copyright_text: str,
    concepts: Sequence[dict[str, Any]],
    algorithm: str,
    period: tuple[str, str] | None = None,
    display_not_official: bool = False,
    hierarchy_meaning: str | None = None,
    complete_range: tuple[str, str, str] | None = None,
) -> Resource:
    """An external code system's fragment, as one CodeSystem resource per version.

    ``complete_range`` (name, first code, last code) declares that this version holds every
    code of that range, so a code of the range it lacks does not exist (our
    ``complete-code-range`` extension, valuesets/README.md)."""
    extensions: list[dict[str, Any]] = []
    if period:
        extensions.append(effective_period(*period))
    extensions.append(version_algorithm(algorithm))
    if display_not_official:
        extensions.append({"url": EXT_DISPLAY_NOT_OFFICIAL, "valueBoolean": True})
    if complete_range:
        name, start, end = complete_range
        extensions.append({
            "url": EXT_COMPLETE_RANGE,
            "extension": [
                {"url": "name", "valueString": name},
                {"url": "start", "valueString": start},
                {"url": "end", "valueString": end},
            ],
        })
    out = _header(
        "CodeSystem", resource_id, url, version, name, title, description, copyright_text,
        extensions,
    )
    out["caseSensitive"] = True
    if hierarchy_meaning:
        out["hierarchyMeaning"] = hierarchy_meaning
    out["content"] = "fragment"
    declarations = _property_declarations(concepts)
    if declarations:
        out["property"] = declarations
    out["concept"] = list(concepts)
    return out


@dataclass(frozen=True)
class Member:
    """One enumerated ValueSet member."""

    system: str
    code: str
    display: str
    note: str | None = None  # an unverified flag carried over from the code system


def value_set(
    *,
    resource_id: str,
    name: str,
    title: str,
    description: str,
    copyright_text: str,
    members: Sequence[Member],
) -> Resource:
    """Our ValueSet: versionless includes, one per system in first-seen order, enumerated."""
    out = _header(
        "ValueSet", resource_id, url_for("ValueSet", resource_id), CONTENT_VERSION, name,
        title, description, copyright_text, [version_algorithm("semver")],
    )
    includes: dict[str, list[dict[str, Any]]] = {}
    for m in members:
        entry: dict[str, Any] = {}
        if m.note:
            entry["extension"] = [unverified(m.note)]
        entry["code"] = m.code
        entry["display"] = m.display
        includes.setdefault(m.system, []).append(entry)
    out["compose"] = {
        "include": [{"system": system, "concept": items} for system, items in includes.items()]
    }
    return out


@dataclass(frozen=True)
class Target:
    code: str
    display: str
    equivalence: str  # R4 ConceptMapEquivalence
    comment: str | None = None
    note: str | None = None  # unverified: also repeated in the comment (README convention)


@dataclass(frozen=True)
class Element:
    code: str
    display: str
    targets: tuple[Target, ...]


@dataclass(frozen=True)
class Group:
    source: str
    target: str
    elements: tuple[Element, ...]
    source_version: str | None = None
    target_version: str | None = None


def _target(t: Target) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if t.note:
        out["extension"] = [unverified(t.note)]
    out["code"] = t.code
    out["display"] = t.display
    out["equivalence"] = t.equivalence
    comments = [c for c in (t.comment, f"Unverified: {t.note}" if t.note else None) if c]
    if comments:
        out["comment"] = " ".join(comments)
    return out


def concept_map(
    *,
    resource_id: str,
    name: str,
    title: str,
    description: str,
    copyright_text: str,
    groups: Sequence[Group],
    source_value_set: str | None = None,
    target_value_set: str | None = None,
) -> Resource:
    out = _header(
        "ConceptMap", resource_id, url_for("ConceptMap", resource_id), CONTENT_VERSION, name,
        title, description, copyright_text, [version_algorithm("semver")],
    )
    # R4 source[x]/target[x]: a ValueSet is referenced as canonical, not as a plain uri.
    if source_value_set:
        out["sourceCanonical"] = source_value_set
    if target_value_set:
        out["targetCanonical"] = target_value_set
    out["group"] = []
    for g in groups:
        group: dict[str, Any] = {"source": g.source}
        if g.source_version:
            group["sourceVersion"] = g.source_version
        group["target"] = g.target
        if g.target_version:
            group["targetVersion"] = g.target_version
        group["element"] = [
            {"code": e.code, "display": e.display, "target": [_target(t) for t in e.targets]}
            for e in g.elements
        ]
        out["group"].append(group)
    return out


def serialize(resource: Resource) -> str:
    """The exact bytes we commit (valuesets/README.md)."""
    return json.dumps(resource, indent=2, ensure_ascii=False) + "\n"


def file_name(resource: Resource) -> str:
    return f"{resource['resourceType']}-{resource['id']}.json"
