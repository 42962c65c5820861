"""Reading the server's FHIR JSON answers into the client's result dataclasses.

Each reader refuses an answer that is not the resource the operation returns (``ValueError``);
the transport turns that into the client's one exception type, so a proxy's HTML page or a
half-written body never comes back as an empty result."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from terminology.client.results import (
    MESSAGE_ID,
    Capabilities,
    CodeSystemSummary,
    Coding,
    Designation,
    ExpansionContains,
    ExpansionPage,
    Issue,
    LookupResult,
    Property,
    SubsumesResult,
    TranslateMatch,
    TranslateResult,
    ValidateCodeResult,
    ValidationOutcome,
)

TX_ISSUE_TYPE = "http://hl7.org/fhir/tools/CodeSystem/tx-issue-type"


def _resource(answer: Any, resource_type: str) -> dict[str, Any]:
    if not isinstance(answer, dict) or answer.get("resourceType") != resource_type:
        found = answer.get("resourceType") if isinstance(answer, dict) else type(answer).__name__
        raise ValueError(f"expected a {resource_type}, got {found!r}")
    return answer


def _parts(parameters: dict[str, Any]) -> list[dict[str, Any]]:
    parts = parameters.get("parameter", [])
    if not isinstance(parts, list):
        raise ValueError("Parameters.parameter is not a list")
    return [p for p in parts if isinstance(p, dict)]


def _value(part: dict[str, Any]) -> Any:
    for key, value in part.items():
        if key.startswith("value"):
            return value
    return None


def _first(parts: list[dict[str, Any]], name: str) -> Any:
    for part in parts:
        if part.get("name") == name:
            return _value(part)
    return None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _coding(value: Any) -> Coding | None:
    if not isinstance(value, dict) or "code" not in value:
        return None
    return Coding(
        system=str(value.get("system", "")),
        code=str(value["code"]),
        display=_str(value.get("display")),
        version=_str(value.get("version")),
    )


def issues_of(outcome: Any) -> tuple[Issue, ...]:
    if not isinstance(outcome, dict):
        return ()
    found = []
    for raw in outcome.get("issue", []) or []:
        if not isinstance(raw, dict):
            continue
        details = raw.get("details") if isinstance(raw.get("details"), dict) else {}
        assert isinstance(details, dict)
        tx_type = next(
            (
                c.get("code")
                for c in details.get("coding", []) or []
                if isinstance(c, dict) and c.get("system") == TX_ISSUE_TYPE
            ),
            None,
        )
        message_id = next(
            (
                e.get("valueString")
                for e in raw.get("extension", []) or []
                if isinstance(e, dict) and e.get("url") == MESSAGE_ID
            ),
            None,
        )
        found.append(
            Issue(
                severity=str(raw.get("severity", "error")),
                code=str(raw.get("code", "unknown")),
                text=_str(details.get("text")) or _str(raw.get("diagnostics")),
                expression=tuple(str(e) for e in raw.get("expression", []) or []),
                message_id=_str(message_id),
                tx_type=_str(tx_type),
            )
        )
    return tuple(found)


def _issues_part(parts: list[dict[str, Any]]) -> tuple[Issue, ...]:
    for part in parts:
        if part.get("name") == "issues":
            return issues_of(part.get("resource"))
    return ()


def lookup_result(answer: Any) -> LookupResult:
    parts = _parts(_resource(answer, "Parameters"))
    designations = []
    properties = []
    for part in parts:
        sub = [p for p in part.get("part", []) or [] if isinstance(p, dict)]
        if part.get("name") == "designation":
            designations.append(
                Designation(
                    value=str(_first(sub, "value") or ""),
                    language=_str(_first(sub, "language")),
                    use=_coding(_first(sub, "use")),
                )
            )
        elif part.get("name") == "property":
            properties.append(Property(code=str(_first(sub, "code")), value=_first(sub, "value")))
    return LookupResult(
        name=_str(_first(parts, "name")),
        display=_str(_first(parts, "display")),
        version=_str(_first(parts, "version")),
        designations=tuple(designations),
        properties=tuple(properties),
        issues=_issues_part(parts),
        raw=answer,
    )


def validate_code_result(answer: Any) -> ValidateCodeResult:
    parts = _parts(_resource(answer, "Parameters"))
    result = _first(parts, "result")
    if not isinstance(result, bool):
        raise ValueError("the $validate-code answer has no boolean 'result'")
    inactive = _first(parts, "inactive")
    return ValidateCodeResult(
        result=result,
        display=_str(_first(parts, "display")),
        code=_str(_first(parts, "code")),
        system=_str(_first(parts, "system")),
        version=_str(_first(parts, "version")),
        message=_str(_first(parts, "message")),
        inactive=inactive if isinstance(inactive, bool) else None,
        issues=_issues_part(parts),
        raw=answer,
    )


def _flatten(contains: Any) -> Iterator[ExpansionContains]:
    for item in contains or []:
        if not isinstance(item, dict):
            continue
        yield ExpansionContains(
            system=_str(item.get("system")),
            code=_str(item.get("code")),
            display=_str(item.get("display")),
            version=_str(item.get("version")),
            inactive=item.get("inactive") is True,
            abstract=item.get("abstract") is True,
        )
        yield from _flatten(item.get("contains"))


def expansion_page(answer: Any) -> ExpansionPage:
    expansion = _resource(answer, "ValueSet").get("expansion")
    if not isinstance(expansion, dict):
        raise ValueError("the ValueSet has no expansion")
    total = expansion.get("total")
    offset = expansion.get("offset", 0)
    return ExpansionPage(
        total=total if isinstance(total, int) else None,
        offset=offset if isinstance(offset, int) else 0,
        contains=tuple(_flatten(expansion.get("contains"))),
        raw=answer,
    )


def subsumes_result(answer: Any) -> SubsumesResult:
    outcome = _first(_parts(_resource(answer, "Parameters")), "outcome")
    if not isinstance(outcome, str):
        raise ValueError("the $subsumes answer has no 'outcome'")
    return SubsumesResult(outcome=outcome, raw=answer)


def translate_result(answer: Any) -> TranslateResult:
    parts = _parts(_resource(answer, "Parameters"))
    matches = []
    for part in parts:
        if part.get("name") != "match":
            continue
        sub = [p for p in part.get("part", []) or [] if isinstance(p, dict)]
        matches.append(
            TranslateMatch(
                relationship=_str(_first(sub, "relationship") or _first(sub, "equivalence")),
                concept=_coding(_first(sub, "concept")),
                source=_str(_first(sub, "source") or _first(sub, "originMap")),
            )
        )
    result = _first(parts, "result")
    return TranslateResult(
        result=result is True,
        message=_str(_first(parts, "message")),
        matches=tuple(matches),
        raw=answer,
    )


def validation_outcome(answer: Any) -> ValidationOutcome:
    return ValidationOutcome(issues=issues_of(_resource(answer, "OperationOutcome")), raw=answer)


def capabilities(answer: Any) -> Capabilities:
    if not isinstance(answer, dict) or answer.get("resourceType") not in (
        "CapabilityStatement",
        "TerminologyCapabilities",
    ):
        raise ValueError("expected a CapabilityStatement or TerminologyCapabilities")
    software = answer.get("software") if isinstance(answer.get("software"), dict) else {}
    assert isinstance(software, dict)
    systems = tuple(
        CodeSystemSummary(
            url=str(cs.get("uri", "")),
            versions=tuple(
                str(v.get("code")) for v in cs.get("version", []) or [] if isinstance(v, dict)
            ),
        )
        for cs in answer.get("codeSystem", []) or []
        if isinstance(cs, dict)
    )
    return Capabilities(
        resource_type=str(answer["resourceType"]),
        fhir_version=_str(answer.get("fhirVersion")),
        software=_str(software.get("name")),
        code_systems=systems,
        raw=answer,
    )


def batch_results(answer: Any) -> list[ValidateCodeResult | ValidationOutcome]:
    results: list[ValidateCodeResult | ValidationOutcome] = []
    for part in _parts(_resource(answer, "Parameters")):
        if part.get("name") != "validation":
            continue
        entry = part.get("resource")
        if isinstance(entry, dict) and entry.get("resourceType") == "OperationOutcome":
            results.append(validation_outcome(entry))
        else:
            results.append(validate_code_result(entry))
    return results
