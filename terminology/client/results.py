"""What the client's calls return: plain dataclasses read from the server's FHIR answers, so
callers never walk ``Parameters`` or ``OperationOutcome`` JSON themselves. Each keeps the answer
it was read from in ``raw`` for anything the fields do not cover."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MESSAGE_ID = "http://hl7.org/fhir/StructureDefinition/operationoutcome-message-id"


@dataclass(frozen=True)
class Coding:
    """A FHIR Coding; ``display`` and ``version`` are optional, as in FHIR."""

    system: str
    code: str
    display: str | None = None
    version: str | None = None

    def to_fhir(self) -> dict[str, str]:
        out = {"system": self.system, "code": self.code}
        if self.version is not None:
            out["version"] = self.version
        if self.display is not None:
            out["display"] = self.display
        return out


@dataclass(frozen=True)
class CodeableConcept:
    codings: tuple[Coding, ...]
    text: str | None = None

    def to_fhir(self) -> dict[str, Any]:
        out: dict[str, Any] = {"coding": [c.to_fhir() for c in self.codings]}
        if self.text is not None:
            out["text"] = self.text
        return out


@dataclass(frozen=True)
class Issue:
    """One OperationOutcome issue: ``expression`` holds the FHIRPaths of the input at fault."""

    severity: str
    code: str
    text: str | None = None
    expression: tuple[str, ...] = ()
    message_id: str | None = None
    tx_type: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity in ("error", "fatal")


@dataclass(frozen=True)
class Designation:
    value: str
    language: str | None = None
    use: Coding | None = None


@dataclass(frozen=True)
class Property:
    code: str
    value: Any


@dataclass(frozen=True)
class LookupResult:
    name: str | None
    display: str | None
    version: str | None
    designations: tuple[Designation, ...]
    properties: tuple[Property, ...]
    issues: tuple[Issue, ...]
    raw: dict[str, Any] = field(repr=False, compare=False)

    def property(self, code: str) -> list[Any]:
        """Every value of the property ``code`` (``parent``, ``inactive``, ...)."""
        return [p.value for p in self.properties if p.code == code]


@dataclass(frozen=True)
class ValidateCodeResult:
    result: bool
    display: str | None
    code: str | None
    system: str | None
    version: str | None
    message: str | None
    inactive: bool | None
    issues: tuple[Issue, ...]
    raw: dict[str, Any] = field(repr=False, compare=False)


@dataclass(frozen=True)
class ExpansionContains:
    system: str | None
    code: str | None
    display: str | None
    version: str | None = None
    inactive: bool = False
    abstract: bool = False


@dataclass(frozen=True)
class ExpansionPage:
    """One page of ``$expand``: ``total`` counts every code of the expansion, ``contains``
    holds this page's (flattened when the server nests them)."""

    total: int | None
    offset: int
    contains: tuple[ExpansionContains, ...]
    raw: dict[str, Any] = field(repr=False, compare=False)


@dataclass(frozen=True)
class SubsumesResult:
    #: equivalent, subsumes, subsumed-by or not-subsumed
    outcome: str
    raw: dict[str, Any] = field(repr=False, compare=False)


@dataclass(frozen=True)
class TranslateMatch:
    #: R4's equivalence (``equivalent``, ``wider``, ...) or R5's relationship
    relationship: str | None
    concept: Coding | None
    source: str | None


@dataclass(frozen=True)
class TranslateResult:
    result: bool
    message: str | None
    matches: tuple[TranslateMatch, ...]
    raw: dict[str, Any] = field(repr=False, compare=False)


@dataclass(frozen=True)
class ValidationOutcome:
    """The OperationOutcome of ``$validate``: ``valid`` when no issue is an error."""

    issues: tuple[Issue, ...]
    raw: dict[str, Any] = field(repr=False, compare=False)

    @property
    def valid(self) -> bool:
        return not any(issue.is_error for issue in self.issues)


@dataclass(frozen=True)
class CodeSystemSummary:
    url: str
    versions: tuple[str, ...]


@dataclass(frozen=True)
class Capabilities:
    """The CapabilityStatement (``terminology=False``) or TerminologyCapabilities."""

    resource_type: str
    fhir_version: str | None
    software: str | None
    code_systems: tuple[CodeSystemSummary, ...]
    raw: dict[str, Any] = field(repr=False, compare=False)
