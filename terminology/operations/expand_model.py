"""Request and result of ``ValueSet/$expand`` (plain data; the codec turns them into FHIR)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from terminology.model import Designation
from terminology.operations.validate_code_model import CanonicalRef

#: The FHIR type an echoed expansion parameter is written with.
ParamKind = Literal["boolean", "integer", "string", "code", "uri"]

#: Every parameter of ``$expand`` this server reads (TerminologyCapabilities lists them).
EXPAND_PARAMETERS = (
    "activeOnly",
    "check-system-version",
    "count",
    "date",
    "default-valueset-version",
    "designation",
    "displayLanguage",
    "excludeNested",
    "excludeNotForUI",
    "filter",
    "force-system-version",
    "includeDefinition",
    "includeDesignations",
    "offset",
    "property",
    "system-version",
    "tx-resource",
    "url",
    "useSupplement",
    "valueSet",
    "valueSetVersion",
)


@dataclass(frozen=True, slots=True)
class ExpandRequest:
    value_set: CanonicalRef
    text_filter: str | None = None
    date: date | None = None
    offset: int | None = None
    count: int | None = None
    include_designations: bool | None = None
    designations: tuple[str, ...] = ()
    include_definition: bool | None = None
    active_only: bool | None = None
    exclude_nested: bool | None = None
    exclude_not_for_ui: bool | None = None
    display_language: str | None = None
    accept_language: str | None = None
    properties: tuple[str, ...] = ()
    system_versions: tuple[str, ...] = ()
    check_system_versions: tuple[str, ...] = ()
    force_system_versions: tuple[str, ...] = ()
    default_valueset_versions: tuple[str, ...] = ()
    use_supplements: tuple[str, ...] = ()
    tx_resources: tuple[Mapping[str, Any], ...] = ()
    #: The client's own cap on the expansion size (header ``X-TOO-COSTLY-THRESHOLD``).
    threshold: int | None = None


@dataclass(frozen=True, slots=True)
class ItemProperty:
    code: str
    #: A FHIR type name: code, Coding, string, integer, boolean, dateTime, decimal.
    type: str
    value: object


@dataclass(slots=True)
class ExpansionItem:
    """One ``expansion.contains`` entry."""

    system: str
    code: str
    display: str | None = None
    version: str | None = None
    abstract: bool = False
    inactive: bool = False
    designations: list[Designation] = field(default_factory=list)
    properties: list[ItemProperty] = field(default_factory=list)
    #: Extensions carried over from the code system or the value set (already FHIR JSON).
    extensions: list[Mapping[str, Any]] = field(default_factory=list)
    children: list[ExpansionItem] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class EchoedParameter:
    name: str
    kind: ParamKind
    value: object


@dataclass(slots=True)
class ExpandResult:
    #: The value set definition that was expanded (its metadata is copied to the answer).
    value_set: Mapping[str, Any]
    identifier: str
    timestamp: str
    total: int | None
    offset: int | None
    items: list[ExpansionItem]
    parameters: list[EchoedParameter]
    #: Property codes the items carry, with their URIs (``expansion.property``).
    property_uris: dict[str, str]
    include_definition: bool = False
    #: ``url|version`` of fragment code systems used (the expansion may be incomplete).
    fragments: list[str] = field(default_factory=list)
    #: Code systems whose own expansion limit cut the result short.
    capped: list[str] = field(default_factory=list)
