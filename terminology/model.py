"""Plain, immutable data shared by every layer. Nothing here knows about Flask or FHIR JSON."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from terminology.messages import message_id_of
from terminology.uris import TERM_MAINT_INFRA

PropertyType = Literal["code", "Coding", "string", "integer", "boolean", "dateTime", "decimal"]
Severity = Literal["fatal", "error", "warning", "information"]

#: Concept statuses that make a concept inactive (FHIR concept-properties ``status``).
INACTIVE_STATUSES = frozenset({"retired", "inactive", "withdrawn"})


@dataclass(frozen=True, slots=True)
class Coding:
    system: str | None
    code: str | None
    version: str | None = None
    display: str | None = None


#: The designation use of a concept's display, the preferred term in the code system's language.
PREFERRED_FOR_LANGUAGE = Coding(
    TERM_MAINT_INFRA, "preferredForLanguage", display="Preferred For Language"
)


@dataclass(frozen=True, slots=True)
class Designation:
    value: str
    language: str | None = None
    use: Coding | None = None
    #: Standards status of the designation itself (``deprecated``, ``withdrawn``), if any.
    status: str | None = None
    #: ``url|version`` of the supplement that contributed it, if any.
    source: str | None = None
    #: The designation's extensions as the resource gives them (expansions echo them).
    extensions: tuple[Mapping[str, Any], ...] = field(default=(), compare=False)


@dataclass(frozen=True, slots=True)
class PropertyValue:
    """One value of a concept property; ``value`` is a str, bool, int, float or Coding."""

    code: str
    type: PropertyType
    value: str | bool | int | float | Coding
    #: A note that the fact is not confirmed by a primary source (our ``unverified`` extension).
    unverified: str | None = None


@dataclass(frozen=True, slots=True)
class PropertyDefinition:
    code: str
    type: PropertyType
    uri: str | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Concept:
    code: str
    display: str | None
    definition: str | None = None
    designations: tuple[Designation, ...] = ()
    properties: tuple[PropertyValue, ...] = ()
    parents: tuple[str, ...] = ()
    children: tuple[str, ...] = ()
    #: The concept's extensions as the resource gives them (expansions carry some over).
    extensions: tuple[Mapping[str, Any], ...] = field(default=(), compare=False)

    # Derived once (validation asks for them on every request); not part of equality.
    status: str | None = field(default=None, init=False, compare=False)
    inactive: bool = field(default=False, init=False, compare=False)
    not_selectable: bool = field(default=False, init=False, compare=False)

    def __post_init__(self) -> None:
        status = self.first("status")
        status = status if isinstance(status, str) else None
        object.__setattr__(self, "status", status)
        inactive = self.first("inactive") is True or status in INACTIVE_STATUSES
        object.__setattr__(self, "inactive", inactive)
        object.__setattr__(self, "not_selectable", self.first("notSelectable") is True)

    def values(self, code: str) -> list[str | bool | int | float | Coding]:
        return [p.value for p in self.properties if p.code == code]

    def first(self, code: str) -> str | bool | int | float | Coding | None:
        for p in self.properties:
            if p.code == code:
                return p.value
        return None


@dataclass(frozen=True, slots=True)
class Period:
    start: date | None = None
    end: date | None = None

    def contains(self, day: date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


@dataclass(frozen=True, slots=True)
class CodeRange:
    """A range of codes a code-system version holds completely (our ``complete-code-range``
    extension): a code of the range's form inside it that the version lacks does not exist."""

    name: str
    start: str
    end: str

    def contains(self, code: str) -> bool:
        """Codes of the same length, compared as text; a numeric range holds only digits."""
        if len(code) != len(self.start) or len(code) != len(self.end):
            return False
        if self.start.isdigit() and self.end.isdigit() and not code.isdigit():
            return False
        return self.start <= code <= self.end


@dataclass(frozen=True, slots=True)
class CodeSystemInfo:
    """What a code-system version says about itself (everything but its concepts)."""

    url: str
    version: str | None
    name: str | None
    title: str | None
    status: str
    content: str
    resource_id: str | None = None
    experimental: bool = False
    #: The standards-status extension on the resource (``deprecated``, ``withdrawn``, ...).
    standards_status: str | None = None
    publisher: str | None = None
    copyright: str | None = None
    language: str | None = None
    case_sensitive: bool = True
    hierarchy_meaning: str | None = None
    period: Period = field(default_factory=Period)
    version_algorithm: str | None = None
    #: False when the displays are not the code system owner's text (our CPT paraphrases).
    displays_official: bool = True
    property_definitions: tuple[PropertyDefinition, ...] = ()
    #: Ranges of codes this version holds completely, though the code system is a fragment.
    complete_ranges: tuple[CodeRange, ...] = ()


@dataclass(frozen=True, slots=True)
class Issue:
    """One finding of an operation, rendered as an OperationOutcome issue at the edge.

    ``message_id`` is the catalogue message id of ``text`` (see ``terminology.messages``),
    written as the issue's ``operationoutcome-message-id`` extension. Left out, it is taken from
    ``text`` when that is a ``Message`` (what ``msg`` returns), so operations need not pass it.
    """

    severity: Severity
    code: str  # R4 IssueType
    text: str
    tx_type: str | None = None  # http://hl7.org/fhir/tools/CodeSystem/tx-issue-type
    expression: str | None = None
    # Derived from the text, so not part of equality (two equal texts are the same finding).
    message_id: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.message_id is None:
            object.__setattr__(self, "message_id", message_id_of(self.text))
