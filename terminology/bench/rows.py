"""What ``terminology bench`` measures: one row per request, each with a check of the real
server's answer, so a fast wrong server cannot look good."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from terminology.uris import CPT, LOINC, PROJECT_BASE, SNOMED

CT_VS = f"{PROJECT_BASE}/ValueSet/chest-ct-procedures"


@dataclass(frozen=True)
class Row:
    name: str
    method: str
    path: str
    body: dict[str, Any] | None = None
    #: Checks one response of the real server; returns why it is wrong, or None.
    check: Callable[[dict[str, Any]], str | None] | None = None


def _param(body: dict[str, Any], name: str) -> Any:
    for p in body.get("parameter", []):
        if p.get("name") == name:
            return next((v for k, v in p.items() if k.startswith("value")), None)
    return None


def _expect(**wanted: Any) -> Callable[[dict[str, Any]], str | None]:
    def check(body: dict[str, Any]) -> str | None:
        for name, value in wanted.items():
            actual = _param(body, name)
            if actual != value:
                return f"{name} is {actual!r}, expected {value!r}"
        return None

    return check


def _expect_type(resource_type: str) -> Callable[[dict[str, Any]], str | None]:
    def check(body: dict[str, Any]) -> str | None:
        kind = body.get("resourceType")
        return None if kind == resource_type else f"got {kind}, expected {resource_type}"

    return check


ROWS = [
    Row(
        "CodeSystem/$lookup GET",
        "GET",
        f"/fhir/CodeSystem/$lookup?system={CPT}&code=71250",
        check=_expect(display="Diagnostic chest CT, no IV contrast"),
    ),
    Row(
        "CodeSystem/$validate-code GET",
        "GET",
        f"/fhir/CodeSystem/$validate-code?url={CPT}&code=71250&display=Diagnostic%20chest%20CT,%20no%20IV%20contrast",
        check=_expect(result=True),
    ),
    Row(
        "ValueSet/$validate-code GET",
        "GET",
        f"/fhir/ValueSet/$validate-code?url={CT_VS}&system={CPT}&code=71260",
        check=_expect(result=True),
    ),
    Row(
        "ValueSet/$validate-code POST (3 codings)",
        "POST",
        "/fhir/ValueSet/$validate-code",
        body={
            "resourceType": "Parameters",
            "parameter": [
                {"name": "url", "valueUri": CT_VS},
                {
                    "name": "codeableConcept",
                    "valueCodeableConcept": {
                        "coding": [
                            {"system": CPT, "code": "71250"},
                            {"system": LOINC, "code": "29252-4"},
                            {"system": SNOMED, "code": "395081000119108"},
                        ]
                    },
                },
            ],
        },
        check=_expect(result=True),
    ),
    Row("/metadata", "GET", "/fhir/metadata", check=_expect_type("CapabilityStatement")),
    Row(
        "/metadata?mode=terminology",
        "GET",
        "/fhir/metadata?mode=terminology",
        check=_expect_type("TerminologyCapabilities"),
    ),
]
