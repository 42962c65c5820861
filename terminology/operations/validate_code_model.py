"""Requests and results of ``$validate-code`` (plain data, shared by the validation modules)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from terminology.model import Coding, Issue

InputForm = Literal["code", "coding", "codeableConcept"]


@dataclass(frozen=True, slots=True)
class CanonicalRef:
    """A value set or code system named by url (and version), given inline, or both absent."""

    url: str | None = None
    version: str | None = None
    resource: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class ValidateCodeRequest:
    form: InputForm
    codings: tuple[Coding, ...]
    #: Set for ValueSet/$validate-code; None for CodeSystem/$validate-code.
    value_set: CanonicalRef | None = None
    #: For CodeSystem/$validate-code: the code system (url/version or inline).
    code_system: CanonicalRef | None = None
    cc_text: str | None = None
    date: date | None = None
    abstract: bool | None = None
    display_language: str | None = None
    accept_language: str | None = None
    active_only: bool = False
    infer_system: bool = False
    lenient_display: bool = False
    membership_only: bool = False
    system_versions: tuple[str, ...] = ()
    check_system_versions: tuple[str, ...] = ()
    force_system_versions: tuple[str, ...] = ()
    default_valueset_versions: tuple[str, ...] = ()
    use_supplements: tuple[str, ...] = ()
    tx_resources: tuple[Mapping[str, Any], ...] = ()


@dataclass(slots=True)
class ValidateCodeResult:
    result: bool
    issues: list[Issue] = field(default_factory=list)
    code: str | None = None
    system: str | None = None
    version: str | None = None
    display: str | None = None
    codeable_concept: tuple[Coding, ...] | None = None
    cc_text: str | None = None
    inactive: bool | None = None
    status: str | None = None
    normalized_code: str | None = None
    caused_by_unknown_system: list[str] = field(default_factory=list)
    unknown_systems: list[str] = field(default_factory=list)

    #: The texts of the errors and of the notes worth a summary, joined with "; ".
    message: str | None = None
