"""``CodeSystem/$lookup``: everything the server knows about one code.

http://hl7.org/fhir/R4/codesystem-operation-lookup.html. An unknown code system, version or
code is a 404 (ecosystem convention); the message explains a code deleted before, or not yet in
force in, the version asked about, and names its replacements.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from terminology.errors import TerminologyError
from terminology.model import PREFERRED_FOR_LANGUAGE, Coding, Concept, Designation, PropertyValue
from terminology.operations.context import Services
from terminology.operations.resolution import Resolved, explain_missing, resolve
from terminology.operations.scope import build_scope
from terminology.providers.base import CodeSystemVersion
from terminology.providers.supplemented import supplements_used


@dataclass(frozen=True, slots=True)
class LookupRequest:
    system: str
    code: str
    version: str | None = None
    date: date | None = None
    display_language: str | None = None
    #: Property codes asked for; empty means the server's choice (all of them), ``*`` all.
    properties: tuple[str, ...] = ()
    #: CodeSystems sent with the request (``tx-resource``), used for this request only.
    tx_resources: tuple[Mapping[str, Any], ...] = ()
    #: Supplements to apply (``useSupplement``); each must exist.
    use_supplements: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OutProperty:
    code: str
    type: str
    value: str | bool | int | float | Coding
    description: str | None = None


@dataclass(frozen=True, slots=True)
class LookupResult:
    name: str
    system: str
    version: str | None
    code: str
    display: str | None
    definition: str | None
    abstract: bool
    designations: tuple[Designation, ...] = ()
    properties: tuple[OutProperty, ...] = field(default_factory=tuple)
    used_supplements: tuple[str, ...] = ()


def _wanted(request: LookupRequest, code: str) -> bool:
    asked = request.properties
    return not asked or "*" in asked or code in asked


def _display_for(
    concept: Concept, language: str | None, default_language: str | None
) -> str | None:
    if not language or language == default_language:
        return concept.display
    prefix = language.lower()
    for designation in concept.designations:
        if designation.language and designation.language.lower().startswith(prefix):
            return designation.value
    return concept.display


def _property_note(prop: PropertyValue) -> str | None:
    return f"unverified: {prop.unverified}" if prop.unverified else None


def _properties(
    request: LookupRequest, version: CodeSystemVersion, concept: Concept
) -> list[OutProperty]:
    out: list[OutProperty] = []
    if _wanted(request, "parent"):
        out += [OutProperty("parent", "code", p, version.display_of(p)) for p in concept.parents]
    if _wanted(request, "child"):
        out += [OutProperty("child", "code", c, version.display_of(c)) for c in concept.children]
    if _wanted(request, "inactive"):
        out.append(OutProperty("inactive", "boolean", concept.inactive))
    for prop in concept.properties:
        if prop.code == "inactive" or not _wanted(request, prop.code):
            continue
        out.append(OutProperty(prop.code, prop.type, prop.value, _property_note(prop)))
    return out


def lookup(request: LookupRequest, services: Services) -> LookupResult:
    scope = build_scope(services, request.tx_resources)
    scope.require_supplements(request.use_supplements)
    resolved = resolve(scope.registry, request.system, request.version, request.date)
    version = scope.supplemented(resolved.version, request.use_supplements)
    used = supplements_used(version)
    resolved = Resolved(resolved.provider, version)
    located = resolved.version.locate(request.code)
    concept = located.concept
    if concept is None:
        raise TerminologyError(
            explain_missing(resolved, request.code, located.message),
            status=404,
            code="not-found",
            tx_type="invalid-code",
            expression="code",
        )
    if request.tx_resources or used:
        return _result(version, concept, request.display_language, request.properties, used)
    # Keyed by the version's identity: the registry keeps every stored version alive, so an id
    # is never reused while the memo holds it.
    key = (id(resolved.version), concept.code, request.display_language, request.properties)
    return services.derived_value(
        key, lambda: _result(version, concept, request.display_language, request.properties)
    )


def _result(
    version: CodeSystemVersion,
    concept: Concept,
    language: str | None,
    properties: tuple[str, ...],
    used: tuple[str, ...] = (),
) -> LookupResult:
    info = version.info
    wanted = LookupRequest(info.url, concept.code, properties=properties)
    return LookupResult(
        name=info.name or info.title or info.url,
        system=info.url,
        version=info.version,
        code=concept.code,
        display=_display_for(concept, language, info.language),
        definition=concept.definition,
        abstract=concept.not_selectable,
        designations=_designations(concept, info.language),
        properties=tuple(_properties(wanted, version, concept)),
        used_supplements=used,
    )


def _designations(concept: Concept, language: str | None) -> tuple[Designation, ...]:
    """The concept's designations, led by its display as the preferred term in the code
    system's language (when the code system names its language)."""
    if not language or not concept.display:
        return concept.designations
    preferred = Designation(concept.display, language, PREFERRED_FOR_LANGUAGE)
    return (preferred, *concept.designations)
