"""Code syntax before the fragment rule, and complete code ranges, over real HTTP.

A code that cannot exist in its terminology is ``result = false`` with an ``invalid-code`` error
(a 404 on ``$lookup``); a well-formed code we do not hold keeps the fragment warning.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from terminology.uris import (
    CPT,
    EXT_COMPLETE_RANGE,
    EXT_EFFECTIVE_PERIOD,
    HCPCS,
    ICD10CM,
    LOINC,
    PROJECT_BASE,
    SNOMED,
)
from tests.conftest import SNOMED_RELEASES_ENV, RunningServer
from tests.helpers import issue_summary, issues, param, single_issue, tx_type

PROCEDURES = f"{PROJECT_BASE}/ValueSet/chest-imaging-procedures"
INDICATIONS = f"{PROJECT_BASE}/ValueSet/chest-imaging-indications"

# (system, value set holding that system, malformed code, what the message must say)
MALFORMED = [
    (SNOMED, PROCEDURES, "16334891000119100", "fails the Verhoeff check"),
    (SNOMED, PROCEDURES, "37436014", "identifies a description, not a concept"),
    (LOINC, PROCEDURES, "29252-5", "check digit should be 4"),
    (LOINC, PROCEDURES, "29252", "a hyphen and a check digit"),
    (CPT, PROCEDURES, "7125", "four digits followed by a digit"),
    (CPT, PROCEDURES, "TC", "a CPT modifier is a digit and a digit or letter"),
    (HCPCS, PROCEDURES, "W0296", "a letter from A to V followed by four digits"),
    (ICD10CM, INDICATIONS, "J189", "optionally a dot and one to four"),
]
TERMINOLOGY = {
    SNOMED: "SNOMED CT",
    LOINC: "LOINC",
    CPT: "CPT",
    HCPCS: "HCPCS Level II",
    ICD10CM: "ICD-10-CM",
}

# (system, value set, a well-formed code none of our versions holds)
WELL_FORMED_UNKNOWN = [
    (SNOMED, PROCEDURES, "22298006"),
    (LOINC, PROCEDURES, "806-0"),
    (CPT, PROCEDURES, "99213"),
    (HCPCS, PROCEDURES, "A0021"),
]


def get(server: RunningServer, path: str, **params: str) -> dict[str, Any]:
    r = server.get(path, params=params)
    assert r.status_code == 200, r.text
    return r.json()


def the_invalid_code_error(body: dict[str, Any]) -> dict[str, Any]:
    (issue,) = [i for i in issues(body) if tx_type(i) == "invalid-code"]
    assert issue["severity"] == "error"
    assert issue["code"] == "code-invalid"
    return issue


@pytest.mark.parametrize(("system", "vs", "code", "reason"), MALFORMED)
def test_malformed_code_is_false_on_codesystem_validate_code(
    server: RunningServer, system: str, vs: str, code: str, reason: str
) -> None:
    body = get(server, "/CodeSystem/$validate-code", url=system, code=code)
    assert param(body, "result") is False
    assert issue_summary(body) == {("error", "invalid-code", "code")}
    text = the_invalid_code_error(body)["details"]["text"]
    assert f"'{code}' is not a valid {TERMINOLOGY[system]} code" in text
    assert reason in text
    assert text in param(body, "message")
    assert "fragment" not in param(body, "message")


@pytest.mark.parametrize(("system", "vs", "code", "reason"), MALFORMED)
def test_malformed_code_is_false_on_valueset_validate_code(
    server: RunningServer, system: str, vs: str, code: str, reason: str
) -> None:
    body = get(server, "/ValueSet/$validate-code", url=vs, system=system, code=code)
    assert param(body, "result") is False
    text = the_invalid_code_error(body)["details"]["text"]
    assert reason in text
    assert ("error", "not-in-vs", "code") in issue_summary(body)


@pytest.mark.parametrize(("system", "vs", "code", "reason"), MALFORMED)
def test_malformed_code_is_a_404_on_lookup_that_says_why(
    server: RunningServer, system: str, vs: str, code: str, reason: str
) -> None:
    r = server.get("/CodeSystem/$lookup", params={"system": system, "code": code})
    assert r.status_code == 404, r.text
    issue = single_issue(r.json())
    assert tx_type(issue) == "invalid-code"
    assert f"'{code}' is not a valid {TERMINOLOGY[system]} code" in issue["details"]["text"]
    assert reason in issue["details"]["text"]


def test_a_well_formed_code_the_complete_icd10cm_lacks_is_not_a_code(
    server: RunningServer,
) -> None:
    """ICD-10-CM is held complete: R05.7 has the form of a code but is none."""
    body = get(server, "/CodeSystem/$validate-code", url=ICD10CM, code="R05.7")
    assert param(body, "result") is False
    (issue,) = issues(body)
    assert issue["severity"] == "error" and tx_type(issue) == "invalid-code"
    assert "Unknown code 'R05.7'" in issue["details"]["text"]
    assert "fragment" not in issue["details"]["text"]
    r = server.get("/CodeSystem/$lookup", params={"system": ICD10CM, "code": "R05.7"})
    assert r.status_code == 404
    body = get(server, "/ValueSet/$validate-code", url=INDICATIONS, system=ICD10CM, code="R05.7")
    assert param(body, "result") is False


@pytest.mark.parametrize(("system", "vs", "code"), WELL_FORMED_UNKNOWN)
def test_well_formed_unknown_code_keeps_the_fragment_warning(
    server: RunningServer, system: str, vs: str, code: str
) -> None:
    body = get(server, "/CodeSystem/$validate-code", url=system, code=code)
    (issue,) = issues(body)
    if system == SNOMED and os.environ.get(SNOMED_RELEASES_ENV):
        # A complete RF2 release is loaded (test_snomed_chest.py): it, not our fragment,
        # answers, and a code it lacks is simply not a code.
        assert param(body, "result") is False
        assert issue["severity"] == "error" and tx_type(issue) == "invalid-code"
    else:
        assert param(body, "result") is True
        assert issue["severity"] == "warning" and tx_type(issue) == "invalid-code"
        assert "labeled as a fragment" in issue["details"]["text"]
    r = server.get("/CodeSystem/$lookup", params={"system": system, "code": code})
    assert r.status_code == 404
    assert "is not a valid" not in single_issue(r.json())["details"]["text"]


def test_huge_code_is_quoted_truncated(server: RunningServer) -> None:
    code = "1" * 5000
    body = get(server, "/CodeSystem/$validate-code", url=SNOMED, code=code)
    assert param(body, "result") is False
    text = the_invalid_code_error(body)["details"]["text"]
    assert "1" * 100 + "… (5,000 characters)'" in text and "1" * 101 not in text


@pytest.mark.parametrize("code", ["71250:26", "26", "71250"])
def test_cpt_expressions_and_held_modifiers_stay_valid(server: RunningServer, code: str) -> None:
    body = get(server, "/CodeSystem/$validate-code", url=CPT, code=code)
    assert param(body, "result") is True
    assert issues(body) == []


def test_malformed_code_in_a_codeable_concept_points_at_its_coding(
    server: RunningServer,
) -> None:
    r = server.post(
        "/ValueSet/$validate-code",
        json={
            "resourceType": "Parameters",
            "parameter": [
                {"name": "url", "valueUri": PROCEDURES},
                {
                    "name": "codeableConcept",
                    "valueCodeableConcept": {
                        "coding": [
                            {"system": CPT, "code": "71250"},
                            {"system": LOINC, "code": "29252-5"},
                        ]
                    },
                },
            ],
        },
    )
    assert r.status_code == 200, r.text
    body = r.json()
    # As for any invalid code in a CodeableConcept (a broken CPT expression, say), the error
    # makes the answer false even though the CPT coding is in the value set.
    assert param(body, "result") is False
    issue = the_invalid_code_error(body)
    assert issue["expression"] == ["CodeableConcept.coding[1].code"]
    assert "check digit should be 4" in issue["details"]["text"]


# -- a code range the version holds completely -------------------------------------------------


def cpt_2026_complete_for_chest(*codes: str) -> dict[str, Any]:
    """A CPT 2026 fragment (sent as a tx-resource) that declares the chest section complete."""
    return {
        "resourceType": "CodeSystem",
        "url": CPT,
        "version": "2026",
        "name": "CPTChestComplete",
        "status": "active",
        "content": "fragment",
        "extension": [
            {
                "url": EXT_EFFECTIVE_PERIOD,
                "valuePeriod": {"start": "2026-01-01", "end": "2026-12-31"},
            },
            {
                "url": EXT_COMPLETE_RANGE,
                "extension": [
                    {"url": "name", "valueString": "chest section"},
                    {"url": "start", "valueString": "71010"},
                    {"url": "end", "valueString": "71599"},
                ],
            },
        ],
        "concept": [{"code": c, "display": f"Code {c}"} for c in codes],
    }


def validate_with(server: RunningServer, resource: dict[str, Any], code: str) -> dict[str, Any]:
    r = server.post(
        "/CodeSystem/$validate-code",
        json={
            "resourceType": "Parameters",
            "parameter": [
                {"name": "url", "valueUri": CPT},
                {"name": "version", "valueString": "2026"},
                {"name": "code", "valueCode": code},
                {"name": "tx-resource", "resource": resource},
            ],
        },
    )
    assert r.status_code == 200, r.text
    return r.json()


def test_unknown_code_inside_a_complete_range_is_false(server: RunningServer) -> None:
    body = validate_with(server, cpt_2026_complete_for_chest("71250", "71271"), "71251")
    assert param(body, "result") is False
    text = the_invalid_code_error(body)["details"]["text"]
    assert "holds every code of the chest section (71010 to 71599)" in text
    assert "'71251' is not one of them" in text


def test_unknown_code_outside_the_range_keeps_the_fragment_warning(
    server: RunningServer,
) -> None:
    body = validate_with(server, cpt_2026_complete_for_chest("71250"), "99213")
    assert param(body, "result") is True
    (issue,) = issues(body)
    assert issue["severity"] == "warning" and "fragment" in issue["details"]["text"]


def test_a_deleted_code_inside_a_complete_range_still_names_its_history(
    server: RunningServer,
) -> None:
    # 71020 is in our stored CPT 2017: its deletion explains it better than the range does.
    body = validate_with(server, cpt_2026_complete_for_chest("71250"), "71020")
    assert param(body, "result") is False
    assert issue_summary(body) == {("error", "code-rule", "code")}
    assert "2017-12-31" in param(body, "message")


def test_without_the_declaration_the_same_code_is_a_fragment_warning(
    server: RunningServer,
) -> None:
    resource = cpt_2026_complete_for_chest("71250")
    resource["extension"] = resource["extension"][:1]
    body = validate_with(server, resource, "71251")
    assert param(body, "result") is True


def test_lookup_of_a_code_missing_from_a_complete_range(server: RunningServer) -> None:
    r = server.post(
        "/CodeSystem/$lookup",
        json={
            "resourceType": "Parameters",
            "parameter": [
                {"name": "system", "valueUri": CPT},
                {"name": "version", "valueString": "2026"},
                {"name": "code", "valueCode": "71251"},
                {"name": "tx-resource", "resource": cpt_2026_complete_for_chest("71250")},
            ],
        },
    )
    assert r.status_code == 404, r.text
    issue = single_issue(r.json())
    assert tx_type(issue) == "invalid-code"
    assert "holds every code of the chest section" in issue["details"]["text"]
