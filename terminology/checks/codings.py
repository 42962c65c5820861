"""One coded element (a CodeableConcept or Coding) checked against its binding on the date of
service, through the value-set API ``$validate-code`` itself uses.

Every coding is checked in its own code system (a deleted, not-yet-valid or unknown code is an
error whatever the binding); the binding is then met when one coding is in its value set, and
its strength decides what an unmet binding is (required: error, extensible: warning,
preferred: information; example bindings are not checked).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from terminology.checks.findings import Finding
from terminology.errors import TerminologyError
from terminology.messages import ours
from terminology.model import Coding, Severity
from terminology.operations.context import Services
from terminology.operations.value_sets import Membership, ValueSets

#: Message ids of a coding's own failure, and the reason each is reported with.
_CODE_REASONS = {
    ours("CODE_DELETED_ON"): "code-deleted",
    ours("CODE_NOT_YET"): "code-not-yet-valid",
    "Unknown_Code_in_Version": "code-unknown",
    "Unknown_Code_in": "code-unknown",
}
_DISPLAY_IDS = {
    "Display_Name_for__should_be_one_of__instead_of",
    "Display_Name_WS_for__should_be_one_of__instead_of",
    "NO_VALID_DISPLAY_FOUND_NONE_FOR_LANG_ERR",
    "INACTIVE_DISPLAY_FOUND",
    ours("DISPLAY_NOT_OFFICIAL"),
}
_NOT_OFFICIAL = ours("DISPLAY_NOT_OFFICIAL")
#: The code system is held, but not the version in force on the date of service.
_NO_VERSION_ON_DATE = ours("NO_VERSION_ON_DATE")
_UNMET: dict[str, tuple[Severity, str]] = {
    "required": ("error", "not-in-bound-valueset"),
    "extensible": ("warning", "outside-extensible-valueset"),
    "preferred": ("information", "outside-preferred-valueset"),
}


@dataclass(frozen=True, slots=True)
class Binding:
    #: The element path without indexes: ``Claim.item.productOrService``.
    path: str
    strength: str
    value_set: str


@dataclass(frozen=True, slots=True)
class CodedElement:
    """What the checks learned about one element: the problems, and the codings that are
    members of its bound value set (or every valid coding when it is not bound)."""

    findings: list[Finding]
    members: list[Coding]


def codings_of(element: Any) -> list[Mapping[str, Any]]:
    """The codings of a CodeableConcept (or a lone Coding), ignoring what is not an object."""
    if not isinstance(element, Mapping):
        return []
    if "coding" in element:
        found = element.get("coding")
        return [c for c in found if isinstance(c, Mapping)] if isinstance(found, list) else []
    return [element] if "code" in element or "system" in element else []


class CodingChecks:
    """Coded-element checks over one content snapshot; answers are memoised on the snapshot,
    so a batch of claims asks each distinct coding once."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self._value_sets = ValueSets(services)

    def membership(self, value_set: str, coding: Coding, on: date | None) -> Membership:
        key = ("resource-check coding", value_set, coding, on)
        return self._services.derived_value(
            key,
            lambda: self._value_sets.get(value_set).contains(coding, on=on),
            self._services.coded_answers,
        )

    def check(
        self,
        element: Any,
        path: str,
        binding: Binding | None,
        on: date | None,
        *,
        is_codeable_concept: bool = True,
    ) -> CodedElement:
        findings: list[Finding] = []
        members: list[Coding] = []
        codings = codings_of(element)
        code_errors = False
        for index, raw in enumerate(codings):
            where = f"{path}.coding[{index}]" if is_codeable_concept else path
            coding = _coding(raw)
            if coding is None:
                continue  # the structure check reports a coding without system or code
            value_set = binding.value_set if binding else f"{coding.system}?fhir_vs"
            try:
                answer = self.membership(value_set, coding, on)
            except TerminologyError:
                continue  # no implicit value set: a code system we do not hold, unbound
            if answer.result is None or any(
                i.message_id == _NO_VERSION_ON_DATE for i in answer.issues
            ):
                # Cannot tell: not a wrong code, and not a reason to fail the binding.
                findings.append(_unknown_system(answer, where, binding))
                code_errors = True
                continue
            own = _code_problem(answer, where)
            if own is not None:
                findings.append(own)
                code_errors = True
                continue
            display = _display_problems(answer, coding, where)
            findings += display
            # A wrong display fails $validate-code, but the code is still the value set's:
            # here it is reported as the display problem it is, not as a binding failure.
            errors = [i for i in answer.issues if i.severity in ("error", "fatal")]
            display_only = bool(display) and all(i.message_id in _DISPLAY_IDS for i in errors)
            if answer.result or display_only:
                members.append(coding)
        if binding is not None and binding.strength in _UNMET and not members and not code_errors:
            if codings or binding.strength == "required":
                findings.append(_unmet(binding, path, codings))
        return CodedElement(findings, members)


def _coding(raw: Mapping[str, Any]) -> Coding | None:
    system, code = raw.get("system"), raw.get("code")
    if not isinstance(system, str) or not isinstance(code, str) or not system or not code:
        return None
    display = raw.get("display")
    version = raw.get("version")
    return Coding(
        system,
        code,
        version if isinstance(version, str) else None,
        display if isinstance(display, str) else None,
    )


def _code_problem(answer: Membership, where: str) -> Finding | None:
    for issue in answer.issues:
        reason = _CODE_REASONS.get(issue.message_id or "")
        if reason is not None and issue.severity in ("error", "fatal"):
            return Finding("error", "code-invalid", reason, _fix(issue.text), f"{where}.code")
    return None


def _fix(text: str) -> str:
    """The membership text, told as what to do."""
    if "Replaced by: " in text:
        replacement = text.split("Replaced by: ", 1)[1].split(" ", 1)[0]
        return f"{text}. Report {replacement.rstrip(';,.')} instead."
    return text


def _display_problems(answer: Membership, coding: Coding, where: str) -> list[Finding]:
    out = []
    for issue in answer.issues:
        if issue.message_id in _DISPLAY_IDS:
            # A wrong display is a warning here (the code is right); information where the
            # version's displays are not official (our CPT fragments: the AMA's descriptors are
            # only served once an operator loads them).
            official = issue.message_id != _NOT_OFFICIAL
            severity: Severity = "warning" if official else "information"
            out.append(
                Finding(
                    severity, "code-invalid", "display-mismatch", issue.text, f"{where}.display"
                )
            )
    return out


def _unknown_system(answer: Membership, where: str, binding: Binding | None) -> Finding:
    text = next((i.text for i in answer.issues if i.severity == "error"), answer.message or "")
    severity: Severity = "warning" if binding and binding.strength == "required" else "information"
    return Finding(severity, "not-supported", "system-unknown", text, f"{where}.system")


def _unmet(binding: Binding, path: str, codings: list[Mapping[str, Any]]) -> Finding:
    severity, reason = _UNMET[binding.strength]
    listed = ", ".join(
        f"{c.get('system')}#{c.get('code')}" for c in codings if isinstance(c.get("code"), str)
    )
    if listed:
        text = (
            f"None of the codes ({listed}) is in the value set {binding.value_set}, which "
            f"{binding.path} is bound to ({binding.strength})"
        )
    else:
        text = f"{binding.path} has no coding; its required binding is to {binding.value_set}"
    return Finding(severity, "code-invalid", reason, text, path)
