"""The complete ICD-10-CM over HTTP, as an EHR checking an order's reason sees it."""

from __future__ import annotations

from typing import Any

import pytest

from terminology.uris import ICD10CM, PROJECT_BASE
from tests.conftest import RunningServer
from tests.helpers import issues, param

INDICATIONS = f"{PROJECT_BASE}/ValueSet/chest-imaging-indications"


def get(server: RunningServer, path: str, **params: str) -> dict[str, Any]:
    r = server.get(path, params=params)
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.parametrize(
    ("code", "display"),
    [
        ("I50.9", "Heart failure, unspecified"),
        ("J96.01", "Acute respiratory failure with hypoxia"),
        ("J45.909", "Unspecified asthma, uncomplicated"),
        ("J15.9", "Unspecified bacterial pneumonia"),
        ("I10", "Essential (primary) hypertension"),
        ("S22.5XXA", "Flail chest, initial encounter for closed fracture"),
    ],
)
def test_billable_fy2026_codes_are_valid(server: RunningServer, code: str, display: str) -> None:
    body = get(server, "/CodeSystem/$validate-code", url=ICD10CM, code=code, date="2026-06-01")
    assert param(body, "result") is True
    assert param(body, "version") == "2026"
    assert param(body, "display") == display
    assert issues(body) == []


def test_a_date_in_fy2025_answers_from_fy2025(server: RunningServer) -> None:
    body = get(server, "/CodeSystem/$validate-code", url=ICD10CM, code="I50.9", date="2025-06-01")
    assert (param(body, "result"), param(body, "version")) == (True, "2025")
    # D71.1 came in FY2026; D71 was a billable code until then.
    body = get(server, "/CodeSystem/$validate-code", url=ICD10CM, code="D71.1", date="2025-06-01")
    assert param(body, "result") is False
    assert "2026" in " ".join(i["details"]["text"] for i in issues(body))
    body = get(server, "/CodeSystem/$lookup", system=ICD10CM, code="D71", date="2025-06-01")
    assert param(body, "version") == "2025"


def test_a_date_after_the_newest_fiscal_year_is_answered_with_a_warning(
    server: RunningServer,
) -> None:
    body = get(server, "/CodeSystem/$validate-code", url=ICD10CM, code="J18.9", date="2026-12-01")
    assert (param(body, "result"), param(body, "version")) == (True, "2026")
    (issue,) = issues(body)
    assert issue["severity"] == "warning"
    assert "2026-09-30" in issue["details"]["text"]


def test_headers_are_codes_but_not_indications(server: RunningServer) -> None:
    body = get(server, "/CodeSystem/$lookup", system=ICD10CM, code="J18")
    assert param(body, "abstract") is True
    body = get(
        server, "/ValueSet/$validate-code", url=INDICATIONS, system=ICD10CM, code="J18"
    )
    assert param(body, "result") is False
    body = get(
        server, "/ValueSet/$validate-code", url=INDICATIONS, system=ICD10CM, code="J18.9"
    )
    assert param(body, "result") is True


def test_chapters_and_blocks_head_the_hierarchy(server: RunningServer) -> None:
    body = get(server, "/CodeSystem/$lookup", system=ICD10CM, code="J18")
    parents = [p for p in body["parameter"] if p["name"] == "property"]
    assert {"name": "value", "valueCode": "J09-J18"} in [
        part for p in parents for part in p["part"]
    ]
    body = get(server, "/CodeSystem/$lookup", system=ICD10CM, code="J00-J99")
    assert param(body, "display") == "Diseases of the respiratory system (J00-J99)"


def test_implicit_value_sets_expand_and_validate(server: RunningServer) -> None:
    body = get(
        server, "/ValueSet/$expand", url=f"{ICD10CM}?fhir_vs", filter="pneumonia", count="20"
    )
    assert body["expansion"]["total"] == 90
    assert len(body["expansion"]["contains"]) == 20
    body = get(server, "/ValueSet/$expand", url=f"{ICD10CM}?fhir_vs=isa/J18")
    (j18,) = body["expansion"]["contains"]  # the hierarchy is kept
    assert j18["code"] == "J18" and j18["abstract"] is True
    assert [c["code"] for c in j18["contains"]] == ["J18.0", "J18.1", "J18.2", "J18.8", "J18.9"]
    assert body["expansion"]["total"] == 6
    body = get(
        server, "/ValueSet/$validate-code", url=f"{ICD10CM}?fhir_vs=isa/J18", system=ICD10CM,
        code="I50.9",
    )
    assert param(body, "result") is False
    r = server.get("/ValueSet/$expand", params={"url": f"{ICD10CM}?fhir_vs=nonsense"})
    assert r.status_code == 404


@pytest.mark.parametrize("version", ["2025", "2026"])
def test_validate_code_on_a_stored_version_instance(server: RunningServer, version: str) -> None:
    """``CodeSystem/icd10cm-2026/$validate-code`` answers from that stored version (its
    resource holds no concepts, and must not stand in for them)."""
    body = get(server, f"/CodeSystem/icd10cm-{version}/$validate-code", code="J18.9")
    assert (param(body, "result"), param(body, "version")) == (True, version)
    assert param(body, "display") == "Pneumonia, unspecified organism"
    assert issues(body) == []
    body = get(server, f"/CodeSystem/icd10cm-{version}/$validate-code", code="J18.99")
    assert param(body, "result") is False
