"""A batch Bundle POSTed to the base: each entry answered as if sent alone, in a batch-response."""

from __future__ import annotations

from typing import Any

from terminology.uris import CPT, ICD10CM
from tests.api.test_validate_resources import claim, line, order
from tests.conftest import RunningServer

JSON = {"Content-Type": "application/fhir+json"}


def post_batch(server: RunningServer, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    r = server.post(
        "", json={"resourceType": "Bundle", "type": "batch", "entry": entries}, headers=JSON
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["resourceType"] == "Bundle" and body["type"] == "batch-response"
    assert len(body["entry"]) == len(entries)
    answers: list[dict[str, Any]] = body["entry"]
    return answers


def test_each_validate_entry_gets_the_answer_it_gets_alone(server: RunningServer) -> None:
    resources = [
        claim(),
        claim(line(1, "71020", day="2026-02-01", pointers=(4,))),
        order(reasonCode=[{"coding": [{"system": ICD10CM, "code": "R05"}]}]),
    ]
    entries = [
        {"request": {"method": "POST", "url": f"{r['resourceType']}/$validate"}, "resource": r}
        for r in resources
    ]
    answers = post_batch(server, entries)
    for resource, answer in zip(resources, answers, strict=True):
        alone = server.post(f"/{resource['resourceType']}/$validate", json=resource, headers=JSON)
        assert answer["response"]["status"] == "200 OK"
        assert answer["resource"] == alone.json()


def test_a_failing_entry_does_not_fail_the_batch(server: RunningServer) -> None:
    answers = post_batch(
        server,
        [
            {
                "request": {
                    "method": "GET",
                    "url": f"CodeSystem/$lookup?system={ICD10CM}&code=R05.7",
                }
            },
            {"request": {"method": "GET", "url": f"CodeSystem/$lookup?system={CPT}&code=71250"}},
            {"request": {"method": "GET", "url": "http://elsewhere.example/fhir/metadata"}},
            {
                "request": {"method": "POST", "url": ""},
                "resource": {"resourceType": "Bundle", "type": "batch"},
            },
            {"resource": {"resourceType": "Claim"}},
        ],
    )
    assert [a["response"]["status"] for a in answers] == [
        "404 Not Found",
        "200 OK",
        "400 Bad Request",
        "400 Bad Request",
        "400 Bad Request",
    ]
    assert answers[0]["response"]["outcome"]["resourceType"] == "OperationOutcome"
    assert answers[1]["resource"]["resourceType"] == "Parameters"


def test_only_a_batch_is_taken_at_the_base(server: RunningServer) -> None:
    r = server.post("", json={"resourceType": "Bundle", "type": "collection"}, headers=JSON)
    assert r.status_code == 400
    assert "Bundle/$validate" in r.json()["issue"][0]["details"]["text"]
    too_many = [{"request": {"method": "GET", "url": "metadata"}}] * 1001
    r = server.post(
        "", json={"resourceType": "Bundle", "type": "batch", "entry": too_many}, headers=JSON
    )
    assert r.status_code == 422


def test_the_capability_statement_says_batch(server: RunningServer) -> None:
    rest = server.get("/metadata").json()["rest"][0]
    assert {"code": "batch"} in rest["interaction"]
