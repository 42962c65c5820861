"""``$batch-validate-code`` over real HTTP: each validation answered as the same
``$validate-code`` request alone, in order, a failing one in its place."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from terminology.uris import CPT, ICD10CM, PROJECT_BASE
from tests.conftest import RunningServer, start_server, stop_server
from tests.helpers import message_id, param, parameters, single_issue

VS = f"{PROJECT_BASE}/ValueSet"
PROCEDURES = f"{VS}/chest-imaging-procedures"
CT = f"{VS}/chest-ct-procedures"
VS_BATCH = "/ValueSet/$batch-validate-code"
CS_BATCH = "/CodeSystem/$batch-validate-code"
TOY = "http://example.org/fhir/CodeSystem/toy"


def coding(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    value = {"system": system, "code": code}
    if display is not None:
        value["display"] = display
    return {"name": "coding", "valueCoding": value}


def uri(name: str, value: str) -> dict[str, Any]:
    return {"name": name, "valueUri": value}


def validation(*items: dict[str, Any]) -> dict[str, Any]:
    return {"name": "validation", "resource": parameters(*items)}


def batch(server: RunningServer, path: str, *items: dict[str, Any]) -> list[dict[str, Any]]:
    r = server.post(path, json=parameters(*items))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["resourceType"] == "Parameters"
    assert all(p["name"] == "validation" for p in body["parameter"])
    return [p["resource"] for p in body["parameter"]]


def alone(server: RunningServer, path: str, *items: dict[str, Any]) -> tuple[int, Any]:
    r = server.post(path, json=parameters(*items))
    return r.status_code, r.json()


def toy_code_system(*codes: str) -> dict[str, Any]:
    return {
        "resourceType": "CodeSystem",
        "url": TOY,
        "version": "1",
        "status": "active",
        "content": "complete",
        "concept": [{"code": c, "display": f"code {c}"} for c in codes],
    }


def test_each_validation_gets_the_answer_it_gets_alone(server: RunningServer) -> None:
    # Value sets and code systems mixed: a validation that names no value set is a
    # CodeSystem/$validate-code of its coding's system. Shared: the date of service.
    shared = [{"name": "date", "valueDateTime": "2025-06-01"}]
    asked = [
        ("/ValueSet/$validate-code", [uri("url", CT), coding(CPT, "71250")]),
        ("/ValueSet/$validate-code", [uri("url", PROCEDURES), coding(CPT, "71020")]),
        ("/CodeSystem/$validate-code", [coding(ICD10CM, "J18.9")]),
        ("/CodeSystem/$validate-code", [coding(ICD10CM, "J18")]),
        ("/ValueSet/$validate-code", [uri("url", CT), coding(CPT, "71046", "Chest x-ray")]),
    ]
    answers = batch(server, VS_BATCH, *shared, *(validation(*items) for _path, items in asked))
    assert len(answers) == len(asked)
    for (path, items), answer in zip(asked, answers, strict=True):
        status, single = alone(server, path, *items, *shared)
        assert status == 200
        assert answer == single
    assert [param(a, "result") for a in answers] == [True, False, True, True, False]
    # The date applied: 71020 was deleted before 2025.
    assert param(answers[1], "version") == "2025"


def test_shared_parameters_apply_unless_a_validation_gives_its_own(
    server: RunningServer,
) -> None:
    inline = {
        "resourceType": "ValueSet",
        "url": "http://example.org/fhir/ValueSet/inline",
        "status": "active",
        "compose": {"include": [{"system": CPT, "concept": [{"code": "71046"}]}]},
    }
    answers = batch(
        server,
        VS_BATCH,
        uri("url", CT),
        validation(coding(CPT, "71250")),
        # Its own url replaces the shared one...
        validation(uri("url", PROCEDURES), coding(CPT, "71046")),
        # ...and so does its own valueSet (another way of naming the value set).
        validation({"name": "valueSet", "resource": inline}, coding(CPT, "71046")),
        validation(coding(CPT, "71046")),
    )
    assert [param(a, "result") for a in answers] == [True, True, True, False]


def test_tx_resources_of_the_batch_and_of_a_validation_both_apply(
    server: RunningServer,
) -> None:
    toy_vs = "http://example.org/fhir/ValueSet/toy"
    value_set = {
        "resourceType": "ValueSet",
        "url": toy_vs,
        "status": "active",
        "compose": {"include": [{"system": TOY}]},
    }
    answers = batch(
        server,
        VS_BATCH,
        {"name": "tx-resource", "resource": toy_code_system("a", "b")},
        validation(
            {"name": "tx-resource", "resource": value_set},
            uri("url", toy_vs),
            coding(TOY, "a"),
        ),
        validation(uri("url", toy_vs), coding(TOY, "a")),
    )
    assert param(answers[0], "result") is True
    # The second has no value set of that url: its own 404, in its place.
    issue = single_issue(answers[1])
    assert issue["code"] == "not-found"
    assert "could not be found" in issue["details"]["text"]


def test_a_validation_own_flag_beats_the_shared_one(server: RunningServer) -> None:
    answers = batch(
        server,
        VS_BATCH,
        uri("url", CT),
        {"name": "lenient-display-validation", "valueBoolean": True},
        validation(coding(ICD10CM, "J18.9", "Wrong"), uri("url", f"{ICD10CM}?fhir_vs")),
        validation(
            coding(ICD10CM, "J18.9", "Wrong"),
            uri("url", f"{ICD10CM}?fhir_vs"),
            {"name": "lenient-display-validation", "valueBoolean": False},
        ),
    )
    assert [param(a, "result") for a in answers] == [True, False]


def test_a_failing_validation_does_not_fail_the_batch(server: RunningServer) -> None:
    answers = batch(
        server,
        VS_BATCH,
        validation(uri("url", CT), coding(CPT, "71250")),
        validation(uri("url", CT)),  # no code
        validation(uri("url", f"{VS}/no-such-value-set"), coding(CPT, "71250")),
        validation(uri("url", CT), coding(CPT, "71260")),
        {"name": "validation", "resource": {"resourceType": "Parameters", "parameter": [{}]}},
    )
    assert [a["resourceType"] for a in answers] == [
        "Parameters",
        "OperationOutcome",
        "OperationOutcome",
        "Parameters",
        "OperationOutcome",
    ]
    assert param(answers[0], "result") is True and param(answers[3], "result") is True
    # Each failure is the issue the same request gets alone, with its status and message id
    # in diagnostics (HL7's batch case allows nothing more in the issue).
    for answer, items, status in (
        (answers[1], [uri("url", CT)], 400),
        (answers[2], [uri("url", f"{VS}/no-such-value-set"), coding(CPT, "71250")], 404),
    ):
        got, single = alone(server, "/ValueSet/$validate-code", *items)
        assert got == status
        expected = single_issue(single)
        issue = single_issue(answer)
        assert {k: issue[k] for k in ("severity", "code", "details")} == {
            k: expected[k] for k in ("severity", "code", "details")
        }
        assert "extension" not in issue and "expression" not in issue
        assert f"HTTP {status}" in issue["diagnostics"]
        assert str(message_id(expected)) in issue["diagnostics"]
    assert single_issue(answers[1])["details"]["text"].startswith(
        "Unable to find code to validate (looked for coding | codeableConcept"
    )
    assert "has no name" in single_issue(answers[4])["details"]["text"]


def test_code_system_batch(server: RunningServer) -> None:
    answers = batch(
        server,
        CS_BATCH,
        uri("url", CPT),
        validation({"name": "code", "valueCode": "71250"}),
        validation({"name": "code", "valueCode": "71250"}, uri("url", ICD10CM)),
        validation(coding(CPT, "71271")),
        # The shared url applies, and conflicts with this coding's system, as alone.
        validation(coding(ICD10CM, "J18.9")),
    )
    assert [param(a, "result") for a in answers] == [True, False, True, None]
    assert "coding.system" in single_issue(answers[3])["details"]["text"]
    status, single = alone(
        server,
        "/CodeSystem/$validate-code",
        uri("url", ICD10CM),
        {"name": "code", "valueCode": "71250"},
    )
    assert status == 200 and answers[1] == single


def test_more_than_a_thousand_validations_is_too_costly(server: RunningServer) -> None:
    many = [validation(uri("url", CT), coding(CPT, "71250"))] * 1001
    r = server.post(VS_BATCH, json=parameters(*many))
    assert r.status_code == 422, r.text
    issue = single_issue(r.json())
    assert issue["code"] == "too-costly"
    assert message_id(issue) == "chest-imaging:BATCH_VALIDATE_TOO_LARGE"


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ({"resourceType": "Bundle", "type": "batch"}, "WRONG_RESOURCE_TYPE"),
        (parameters(uri("url", CT)), "BATCH_VALIDATE_EMPTY"),
        (parameters({"name": "validation", "valueString": "x"}), "BATCH_VALIDATE_ENTRY"),
        (
            parameters(
                validation(coding(CPT, "71250")),
                {"name": "validation", "resource": {"resourceType": "ValueSet"}},
            ),
            "BATCH_VALIDATE_ENTRY",
        ),
    ],
)
def test_a_malformed_batch_is_a_400(server: RunningServer, body: dict[str, Any], key: str) -> None:
    r = server.post(VS_BATCH, json=body)
    assert r.status_code == 400, r.text
    issue = single_issue(r.json())
    assert message_id(issue) == f"chest-imaging:{key}"
    if key == "BATCH_VALIDATE_ENTRY":
        assert issue["expression"] == [f"validation[{len(body['parameter']) - 1}]"]


@pytest.mark.parametrize("path", [VS_BATCH, CS_BATCH])
def test_only_post(server: RunningServer, path: str) -> None:
    r = server.get(path, params={"url": CT, "code": "71250"})
    assert r.status_code == 405
    assert r.headers["Allow"] == "POST"
    assert message_id(single_issue(r.json())) == "chest-imaging:METHOD_NOT_ALLOWED"


def test_a_batch_spends_one_request_budget(tmp_path: Path) -> None:
    running = start_server(tmp_path, env={"TERMINOLOGY_REQUEST_BUDGET": "200"})
    try:
        one = validation(uri("url", CT), coding(CPT, "71250"))
        assert len(batch(running, VS_BATCH, one)) == 1
        r = running.post(VS_BATCH, json=parameters(*[one] * 500))
        assert r.status_code == 422, r.text
        issue = single_issue(r.json())
        assert issue["code"] == "too-costly"
        assert "budget of 200 steps" in issue["details"]["text"]
    finally:
        stop_server(running)
