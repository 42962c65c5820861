"""Two behaviours of the HL7 ecosystem servers the shared cases do not cover: notes on draft,
experimental, retired, deprecated and withdrawn resources (tx-issue-type ``status-check``),
and codes of a case-insensitive code system given in another case."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import RunningServer
from tests.helpers import param, parameters

SYSTEM = "http://example.org/fhir/CodeSystem/status"
VS_URL = "http://example.org/fhir/ValueSet/status"
EXT_STANDARDS = "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status"


def code_system(**extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "CodeSystem",
        "url": SYSTEM,
        "version": "1.0",
        "status": "active",
        "content": "complete",
        "concept": [{"code": "ABC", "display": "Alpha"}, {"code": "Def", "display": "Delta"}],
        **extra,
    }


def value_set(**extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "ValueSet",
        "url": VS_URL,
        "version": "2",
        "status": "active",
        "compose": {"include": [{"system": SYSTEM, "concept": [{"code": "ABC"}]}]},
        **extra,
    }


def validate(
    server: RunningServer, code: str, cs: dict[str, Any], vs: dict[str, Any]
) -> dict[str, Any]:
    body = parameters(
        {"name": "url", "valueUri": VS_URL},
        {"name": "system", "valueUri": SYSTEM},
        {"name": "code", "valueCode": code},
        {"name": "tx-resource", "resource": cs},
        {"name": "tx-resource", "resource": vs},
    )
    response = server.post(
        "/ValueSet/$validate-code",
        json=body,
        headers={"Content-Type": "application/fhir+json"},
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def outcome_issues(answer: dict[str, Any]) -> list[dict[str, Any]]:
    outcome = param(answer, "issues")
    return list(outcome["issue"]) if outcome else []


def status_texts(answer: dict[str, Any]) -> list[str]:
    return [
        i["details"]["text"]
        for i in outcome_issues(answer)
        if i["details"].get("coding", [{}])[0].get("code") == "status-check"
    ]


def test_active_resources_get_no_status_note(server: RunningServer) -> None:
    answer = validate(server, "ABC", code_system(), value_set())
    assert param(answer, "result") is True
    assert status_texts(answer) == []


@pytest.mark.parametrize(
    ("cs_extra", "vs_extra", "texts"),
    [
        ({"status": "draft"}, {}, [f"Reference to draft CodeSystem {SYSTEM}|1.0"]),
        ({"experimental": True}, {}, [f"Reference to experimental CodeSystem {SYSTEM}|1.0"]),
        ({}, {"status": "retired"}, [f"Reference to retired ValueSet {VS_URL}|2"]),
        (
            {},
            {"extension": [{"url": EXT_STANDARDS, "valueCode": "deprecated"}]},
            [f"Reference to deprecated ValueSet {VS_URL}|2"],
        ),
        (
            {"extension": [{"url": EXT_STANDARDS, "valueCode": "withdrawn"}]},
            {"status": "draft"},
            [
                f"Reference to draft ValueSet {VS_URL}|2",
                f"Reference to withdrawn CodeSystem {SYSTEM}|1.0",
            ],
        ),
    ],
)
def test_status_notes_inform_once_without_changing_the_result(
    server: RunningServer, cs_extra: dict[str, Any], vs_extra: dict[str, Any], texts: list[str]
) -> None:
    answer = validate(server, "ABC", code_system(**cs_extra), value_set(**vs_extra))
    assert param(answer, "result") is True
    assert status_texts(answer) == texts
    notes = [i for i in outcome_issues(answer) if i["details"]["text"] in texts]
    assert {i["severity"] for i in notes} == {"information"}
    assert "message" not in {p["name"] for p in answer["parameter"]}


def test_case_insensitive_code_in_another_case_is_valid_with_a_warning(
    server: RunningServer,
) -> None:
    answer = validate(server, "abc", code_system(caseSensitive=False), value_set())
    assert param(answer, "result") is True
    assert param(answer, "code") == "ABC"
    assert param(answer, "display") == "Alpha"
    [issue] = outcome_issues(answer)
    assert issue["severity"] == "warning"
    assert issue["details"]["coding"][0]["code"] == "code-rule"
    assert issue["details"]["text"] == (
        "The code 'abc' differs from the correct code 'ABC' by case. Although the code system "
        f"'{SYSTEM}' is case insensitive, implementers are strongly encouraged to use the "
        "correct case anyway"
    )
    assert issue["expression"] == ["code"]


def test_case_sensitive_code_in_another_case_is_unknown(server: RunningServer) -> None:
    answer = validate(server, "abc", code_system(caseSensitive=True), value_set())
    assert param(answer, "result") is False
    assert "abc" in param(answer, "message")


def test_case_insensitive_lookup_answers_with_the_stored_code(server: RunningServer) -> None:
    body = parameters(
        {"name": "system", "valueUri": SYSTEM},
        {"name": "code", "valueCode": "def"},
        {"name": "tx-resource", "resource": code_system(caseSensitive=False)},
    )
    response = server.post(
        "/CodeSystem/$lookup", json=body, headers={"Content-Type": "application/fhir+json"}
    )
    assert response.status_code == 200, response.text
    assert param(response.json(), "code") == "Def"
    assert param(response.json(), "display") == "Delta"


def test_resources_a_request_brings_stay_with_that_request(server: RunningServer) -> None:
    """Requests without tx-resource share one view of the stored content; what another request
    brought (a code system, a value set) must never show up in it."""
    brought = validate(server, "ABC", code_system(), value_set())
    assert param(brought, "result") is True
    alone = server.get(
        "/ValueSet/$validate-code", params={"url": VS_URL, "system": SYSTEM, "code": "ABC"}
    )
    assert alone.status_code == 404, alone.text
    lookup = server.get("/CodeSystem/$lookup", params={"system": SYSTEM, "code": "ABC"})
    assert lookup.status_code == 404, lookup.text


def test_a_status_note_names_an_imported_value_set_too(server: RunningServer) -> None:
    library = {**value_set(status="retired"), "url": f"{VS_URL}-library", "version": "7"}
    importing = {
        **value_set(),
        "compose": {"include": [{"valueSet": [f"{VS_URL}-library|7"]}]},
    }
    body = parameters(
        {"name": "url", "valueUri": VS_URL},
        {"name": "system", "valueUri": SYSTEM},
        {"name": "code", "valueCode": "ABC"},
        {"name": "tx-resource", "resource": code_system()},
        {"name": "tx-resource", "resource": importing},
        {"name": "tx-resource", "resource": library},
    )
    response = server.post(
        "/ValueSet/$validate-code", json=body, headers={"Content-Type": "application/fhir+json"}
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert param(answer, "result") is True
    assert status_texts(answer) == [f"Reference to retired ValueSet {VS_URL}-library|7"]


EXT_EXPANSION_PARAMETER = "http://hl7.org/fhir/StructureDefinition/valueset-expansion-parameter"


@pytest.mark.parametrize("operation", ["$validate-code", "$expand"])
def test_the_value_sets_own_display_language_beats_accept_language(
    server: RunningServer, operation: str
) -> None:
    """The value set's displayLanguage expansion parameter stands for a parameter its definition
    supplies, so it wins over the Accept-Language header (as the parameter itself would), in
    validate-code as in expand."""
    cs = code_system(
        language="en",
        concept=[
            {
                "code": "ABC",
                "display": "Alpha",
                "designation": [{"language": "de", "value": "Alfa"}],
            }
        ],
    )
    german = value_set(
        compose={
            "extension": [
                {
                    "url": EXT_EXPANSION_PARAMETER,
                    "extension": [
                        {"url": "name", "valueCode": "displayLanguage"},
                        {"url": "value", "valueCode": "de"},
                    ],
                }
            ],
            "include": [{"system": SYSTEM, "concept": [{"code": "ABC"}]}],
        }
    )
    items: list[dict[str, Any]] = [
        {"name": "url", "valueUri": VS_URL},
        {"name": "tx-resource", "resource": cs},
        {"name": "tx-resource", "resource": german},
    ]
    if operation == "$validate-code":
        items += [{"name": "system", "valueUri": SYSTEM}, {"name": "code", "valueCode": "ABC"}]
    response = server.post(
        f"/ValueSet/{operation}",
        json=parameters(*items),
        headers={"Content-Type": "application/fhir+json", "Accept-Language": "en"},
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    if operation == "$validate-code":
        assert param(answer, "display") == "Alfa"
    else:
        assert [c["display"] for c in answer["expansion"]["contains"]] == ["Alfa"]
