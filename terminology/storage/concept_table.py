"""Turns one CodeSystem resource (a JSON dict) into its metadata and an immutable concept index.

Done once per code-system version at start-up (or once per request for a ``tx-resource``), so
that look-ups on the hot path are plain dict reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Any

from terminology.errors import TerminologyError
from terminology.messages import Whole, msg, shorten
from terminology.model import (
    CodeRange,
    CodeSystemInfo,
    Coding,
    Concept,
    Designation,
    Period,
    PropertyDefinition,
    PropertyType,
    PropertyValue,
)
from terminology.uris import (
    EXT_COMPLETE_RANGE,
    EXT_DISPLAY_NOT_OFFICIAL,
    EXT_EFFECTIVE_PERIOD,
    EXT_STANDARDS_STATUS,
    EXT_UNVERIFIED,
    EXT_VERSION_ALGORITHM,
    EXT_VERSION_ALGORITHM_R5,
)

_VALUE_KEYS: dict[str, PropertyType] = {
    "valueCode": "code",
    "valueCoding": "Coding",
    "valueString": "string",
    "valueInteger": "integer",
    "valueBoolean": "boolean",
    "valueDateTime": "dateTime",
    "valueDecimal": "decimal",
}


@dataclass(frozen=True, slots=True)
class ConceptTable:
    info: CodeSystemInfo
    concepts: Mapping[str, Concept]
    #: Codes in the order the resource lists them, depth first (expansions keep this order).
    order: tuple[str, ...]


def extension_value(element: Mapping[str, Any], url: str) -> Any:
    for ext in element.get("extension", ()):
        if ext.get("url") == url:
            for key, value in ext.items():
                if key.startswith("value"):
                    return value
    return None


def _coding(raw: Mapping[str, Any] | None) -> Coding | None:
    if not raw:
        return None
    return Coding(raw.get("system"), raw.get("code"), raw.get("version"), raw.get("display"))


def _property_value(raw: Mapping[str, Any]) -> PropertyValue | None:
    for key, kind in _VALUE_KEYS.items():
        if key in raw:
            value = raw[key]
            if kind == "Coding":
                value = _coding(value)
            return PropertyValue(
                code=raw["code"],
                type=kind,
                value=value,
                unverified=extension_value(raw, EXT_UNVERIFIED),
            )
    return None


def _parse_date(text: str | None) -> date | None:
    if not text:
        return None
    return date.fromisoformat(text[:10])


def _complete_ranges(resource: Mapping[str, Any]) -> tuple[CodeRange, ...]:
    """Our ``complete-code-range`` extensions (sub-extensions ``name``, ``start``, ``end``);
    one that lacks a part says nothing, so it is ignored rather than guessed at."""
    ranges = []
    for ext in resource.get("extension", ()):
        if ext.get("url") != EXT_COMPLETE_RANGE:
            continue
        parts = {e.get("url"): e.get("valueString") for e in ext.get("extension", ())}
        name, start, end = parts.get("name"), parts.get("start"), parts.get("end")
        if isinstance(name, str) and isinstance(start, str) and isinstance(end, str):
            ranges.append(CodeRange(name, start, end))
    return tuple(ranges)


def _standards_status(resource: Mapping[str, Any]) -> str | None:
    value = extension_value(resource, EXT_STANDARDS_STATUS)
    return value if isinstance(value, str) else None


def read_info(resource: Mapping[str, Any]) -> CodeSystemInfo:
    # R4 carries these R5 elements as extensions; an R5 resource (a request's, say) as elements.
    period_raw = (
        extension_value(resource, EXT_EFFECTIVE_PERIOD) or resource.get("effectivePeriod") or {}
    )
    algorithm = (
        extension_value(resource, EXT_VERSION_ALGORITHM)
        or extension_value(resource, EXT_VERSION_ALGORITHM_R5)
        or resource.get("versionAlgorithmCoding")
        or resource.get("versionAlgorithmString")
    )
    if isinstance(algorithm, Mapping):
        algorithm = algorithm.get("code")
    return CodeSystemInfo(
        url=resource["url"],
        version=resource.get("version"),
        name=resource.get("name"),
        title=resource.get("title"),
        status=resource.get("status", "unknown"),
        content=resource.get("content", "complete"),
        resource_id=resource.get("id"),
        experimental=resource.get("experimental") is True,
        standards_status=_standards_status(resource),
        publisher=resource.get("publisher"),
        copyright=resource.get("copyright"),
        language=resource.get("language"),
        case_sensitive=resource.get("caseSensitive", True),
        hierarchy_meaning=resource.get("hierarchyMeaning"),
        period=Period(_parse_date(period_raw.get("start")), _parse_date(period_raw.get("end"))),
        version_algorithm=algorithm if isinstance(algorithm, str) else None,
        displays_official=extension_value(resource, EXT_DISPLAY_NOT_OFFICIAL) is not True,
        property_definitions=tuple(
            PropertyDefinition(
                p["code"], p.get("type", "string"), p.get("uri"), p.get("description")
            )
            for p in resource.get("property", ())
        ),
        complete_ranges=_complete_ranges(resource),
    )


def concept_from_json(
    raw: Mapping[str, Any], parents: tuple[str, ...], children: tuple[str, ...]
) -> Concept:
    """One concept from its FHIR JSON (``code``, ``display``, ``property``, ``designation``...);
    the hierarchy comes from the caller, as the JSON nests or links it in several ways."""
    props = tuple(
        value
        for value in (_property_value(p) for p in raw.get("property", ()))
        if value is not None and value.code not in {"parent", "child"}
    )
    standards_status = extension_value(raw, EXT_STANDARDS_STATUS)
    if standards_status and not any(p.code == "status" for p in props):
        # Without a status property, the standards-status extension carries the status.
        props = (*props, PropertyValue("status", "code", standards_status))
    return Concept(
        code=raw["code"],
        display=raw.get("display"),
        definition=raw.get("definition"),
        designations=tuple(
            Designation(
                d["value"],
                d.get("language"),
                _coding(d.get("use")),
                extension_value(d, EXT_STANDARDS_STATUS),
                extensions=tuple(d.get("extension", ())),
            )
            for d in raw.get("designation", ())
            if d.get("value")
        ),
        properties=props,
        parents=parents,
        children=children,
        extensions=tuple(raw.get("extension", ())),
    )


def build_concept_table(resource: Mapping[str, Any]) -> ConceptTable:
    """Index a CodeSystem: nested ``concept`` and ``parent``/``child`` properties both give the
    hierarchy, so parents and children are merged from either form."""
    if not resource.get("url"):
        raise TerminologyError("A CodeSystem without a url cannot be used", code="required")
    info = read_info(resource)
    raw_by_code: dict[str, Mapping[str, Any]] = {}
    parents: dict[str, list[str]] = {}
    children: dict[str, list[str]] = {}
    order: list[str] = []

    def link(parent: str, child: str) -> None:
        if parent not in parents.setdefault(child, []):
            parents[child].append(parent)
        if child not in children.setdefault(parent, []):
            children[parent].append(child)

    # Nested concepts are walked with an explicit stack: a request may nest them deeply.
    pending: list[tuple[Any, str | None]] = [
        (raw, None) for raw in reversed(list(resource.get("concept", ())))
    ]
    while pending:
        raw, parent = pending.pop()
        code = raw.get("code") if isinstance(raw, Mapping) else None
        if not isinstance(code, str) or not code:
            raise TerminologyError(
                f"CodeSystem {info.url}|{info.version} has a concept without a code",
                code="required",
            )
        if code in raw_by_code:
            raise TerminologyError(
                f"CodeSystem {info.url}|{info.version} defines code '{shorten(code)}' twice",
                code="duplicate",
            )
        raw_by_code[code] = raw
        order.append(code)
        if parent is not None:
            link(parent, code)
        pending.extend((child, code) for child in reversed(list(raw.get("concept", ()))))
    for code, raw in raw_by_code.items():
        for prop in raw.get("property", ()):
            target = prop.get("valueCode")
            if prop.get("code") == "parent" and target:
                link(target, code)
            elif prop.get("code") == "child" and target:
                link(code, target)

    concepts = {
        code: concept_from_json(raw, tuple(parents.get(code, ())), tuple(children.get(code, ())))
        for code, raw in raw_by_code.items()
    }
    _check_hierarchy(info, parents)
    return ConceptTable(info, MappingProxyType(concepts), tuple(order))


#: Deepest hierarchy accepted: ICD-10-CM is seven levels deep, SNOMED CT about thirty. Replies
#: nest expansions by hierarchy, and their encoder has a depth limit of its own.
MAX_HIERARCHY_DEPTH = 100


def _check_hierarchy(info: CodeSystemInfo, parents: Mapping[str, list[str]]) -> None:
    """A hierarchy with a cycle is not a hierarchy: every operation would answer something
    different about it, so the code system is refused (422), naming the codes in the cycle.
    One deeper than ``MAX_HIERARCHY_DEPTH`` is refused too."""
    depth: dict[str, int] = {}
    on_path: set[str] = set()
    for start in parents:
        if start in depth:
            continue
        # Iterative depth-first walk up the parents, computing each code's depth.
        stack: list[tuple[str, int]] = [(start, 0)]
        path: list[str] = []
        while stack:
            code, index = stack.pop()
            ups = parents.get(code, [])
            if index == 0:
                on_path.add(code)
                path.append(code)
            if index < len(ups):
                stack.append((code, index + 1))
                up = ups[index]
                if up in on_path:
                    cycle = [*path[path.index(up) :], up]
                    raise TerminologyError(
                        msg(
                            "CS_HIERARCHY_CYCLE",
                            system=info.url,
                            version=info.version or "",
                            cycle=Whole(" -> ".join(shorten(c, 60) for c in cycle[:20])),
                        ),
                        status=422,
                        code="processing",
                        tx_type="vs-invalid",
                    )
                if up not in depth:
                    stack.append((up, 0))
                continue
            on_path.discard(code)
            path.pop()
            depth[code] = 1 + max((depth.get(p, 0) for p in ups), default=0)
            if depth[code] > MAX_HIERARCHY_DEPTH:
                raise TerminologyError(
                    msg(
                        "CS_HIERARCHY_TOO_DEEP",
                        system=info.url,
                        version=info.version or "",
                        limit=MAX_HIERARCHY_DEPTH,
                    ),
                    status=422,
                    code="too-costly",
                )
