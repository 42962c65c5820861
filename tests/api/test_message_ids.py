"""Every OperationOutcome issue says which message it is (``operationoutcome-message-id``, the
ids tx.fhir.org uses) and carries no deprecated ``location``, over real HTTP."""

from __future__ import annotations

from typing import Any

import requests

from terminology.uris import CPT, ICD10CM, PROJECT_BASE
from tests.conftest import RunningServer
from tests.helpers import issues, message_id, outcome_shape_problem, param, single_issue

CT = f"{PROJECT_BASE}/ValueSet/chest-ct-procedures"
JSON = {"Content-Type": "application/fhir+json"}


def error_issue(response: requests.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text[:500]
    body = response.json()
    assert outcome_shape_problem(body) is None, body
    return single_issue(body)


def test_validate_code_failure_issues(server: RunningServer) -> None:
    r = server.get("/ValueSet/$validate-code", params={"url": CT, "system": CPT, "code": "71046"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert param(body, "result") is False
    assert outcome_shape_problem(param(body, "issues")) is None
    (only,) = issues(body)
    assert message_id(only) == "None_of_the_provided_codes_are_in_the_value_set_one"
    assert only["expression"] == ["code"]
    assert "location" not in only


def test_validate_code_unknown_system_issue(server: RunningServer) -> None:
    params = {"url": CT, "system": "http://example.org/unknown", "code": "1"}
    body = server.get("/ValueSet/$validate-code", params=params).json()
    assert param(body, "result") is False
    assert outcome_shape_problem(param(body, "issues")) is None
    ids = {message_id(i) for i in issues(body)}
    assert "UNKNOWN_CODESYSTEM" in ids


def test_lookup_404_of_an_unknown_code(server: RunningServer) -> None:
    params = {"system": ICD10CM, "code": "R05.7"}
    issue = error_issue(server.get("/CodeSystem/$lookup", params=params), 404)
    assert message_id(issue) == "Unknown_Code_in_Version"
    assert issue["expression"] == ["code"]


def test_lookup_404_of_a_deleted_code_keeps_its_id_with_the_replacements(
    server: RunningServer,
) -> None:
    params = {"system": CPT, "code": "71020", "date": "2024-05-01"}
    issue = error_issue(server.get("/CodeSystem/$lookup", params=params), 404)
    assert "Replaced by: 71046" in issue["details"]["text"]
    assert message_id(issue) == "chest-imaging:CODE_DELETED_ON"


def test_lookup_404_of_an_unknown_system(server: RunningServer) -> None:
    params = {"system": "http://example.org/unknown", "code": "1"}
    issue = error_issue(server.get("/CodeSystem/$lookup", params=params), 404)
    assert message_id(issue) == "UNKNOWN_CODESYSTEM"


def test_400_errors(server: RunningServer) -> None:
    issue = error_issue(server.get("/CodeSystem/$lookup", params={"system": CPT}), 400)
    assert message_id(issue) == "chest-imaging:LOOKUP_NO_CODE"
    assert issue["expression"] == ["code"]
    params = {"system": CPT, "code": "71250", "date": "not-a-date"}
    issue = error_issue(server.get("/CodeSystem/$lookup", params=params), 400)
    assert message_id(issue) == "chest-imaging:BAD_DATE"
    issue = error_issue(server.post("/CodeSystem/$lookup", data=b"{", headers=JSON), 400)
    assert message_id(issue) == "chest-imaging:MALFORMED_JSON"


def test_errors_of_the_http_edge(server: RunningServer) -> None:
    issue = error_issue(server.get("/Patient/1"), 404)
    assert message_id(issue) == "chest-imaging:UNKNOWN_ROUTE"
    issue = error_issue(requests.delete(f"{server.base}/CodeSystem/$lookup", timeout=10), 405)
    assert message_id(issue) == "chest-imaging:METHOD_NOT_ALLOWED"

