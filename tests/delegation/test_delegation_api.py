"""Delegation through the server's own request path (the app in process, the upstream played by
``responses``): success, timeout, 5xx, malformed answers, the breaker opening and closing, the
per-coding answer of a value set mixing our codes and delegated ones, and our own systems never
leaving the server."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import pytest
import requests
import responses
from flask.testing import FlaskClient
from responses import matchers

from terminology.app import create_app
from terminology.config import Settings
from terminology.uris import CPT
from tests.conftest import CONTENT_DIR

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
UP = "http://upstream.test/fhir"
ANSWERED = "chest-imaging:UPSTREAM_ANSWERED"


def _app(tmp_path: Path, **settings) -> FlaskClient:
    content = tmp_path / "content"
    content.mkdir()
    shutil.copy(CONTENT_DIR / "CodeSystem-cpt-2026.json", content)
    shutil.copy(CONTENT_DIR / "ValueSet-chest-ct-procedures.json", content)
    options: dict[str, Any] = dict(
        content_dir=content,
        upstreams=f"{RXNORM}={UP}",
        upstream_timeout=1.0,
        upstream_breaker_failures=2,
        upstream_breaker_reset=0.5,
    )
    options.update(settings)
    return create_app(Settings(**options)).test_client()


@pytest.fixture
def app(tmp_path: Path) -> FlaskClient:
    return _app(tmp_path)


@pytest.fixture
def upstream():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def _params(answer) -> dict:
    return {p["name"]: p for p in answer.get_json()["parameter"]}


def _issue_ids(outcome: dict) -> list[str]:
    return [
        e["valueString"]
        for i in outcome["issue"]
        for e in i.get("extension", [])
        if e["url"].endswith("operationoutcome-message-id")
    ]


def _validate_answer(result: bool, display: str | None = None) -> dict:
    parameter = [{"name": "result", "valueBoolean": result}]
    if display:
        parameter.append({"name": "display", "valueString": display})
    if not result:
        parameter.append(
            {
                "name": "issues",
                "resource": {
                    "resourceType": "OperationOutcome",
                    "issue": [
                        {
                            "severity": "error",
                            "code": "code-invalid",
                            "details": {"text": "Unknown code '9999999'"},
                        }
                    ],
                },
            }
        )
    return {"resourceType": "Parameters", "parameter": parameter}


LOOKUP_ANSWER = {
    "resourceType": "Parameters",
    "parameter": [
        {"name": "name", "valueString": "RxNorm"},
        {"name": "display", "valueString": "acetaminophen"},
    ],
}


def test_lookup_is_forwarded_and_marked(app, upstream):
    upstream.get(
        f"{UP}/CodeSystem/$lookup",
        match=[matchers.query_param_matcher({"system": RXNORM, "code": "161"})],
        json=LOOKUP_ANSWER,
    )
    reply = app.get(f"/fhir/CodeSystem/$lookup?system={RXNORM}&code=161")
    assert reply.status_code == 200
    assert reply.headers["X-Upstream"] == UP
    assert reply.headers["Cache-Control"] == "no-store" and "ETag" not in reply.headers
    params = _params(reply)
    assert params["display"]["valueString"] == "acetaminophen"
    issues = params["issues"]["resource"]
    assert issues["issue"][-1]["severity"] == "information"
    assert UP in issues["issue"][-1]["details"]["text"] and _issue_ids(issues) == [ANSWERED]


def test_an_upstream_4xx_is_passed_on_with_its_outcome(app, upstream):
    outcome = {
        "resourceType": "OperationOutcome",
        "issue": [
            {"severity": "error", "code": "not-found", "details": {"text": "Unknown code 'x'"}}
        ],
    }
    upstream.get(f"{UP}/CodeSystem/$lookup", json=outcome, status=404)
    reply = app.get(f"/fhir/CodeSystem/$lookup?system={RXNORM}&code=x")
    assert reply.status_code == 404 and reply.headers["X-Upstream"] == UP
    body = reply.get_json()
    assert body["issue"][0]["details"]["text"] == "Unknown code 'x'"
    assert _issue_ids(body) == [ANSWERED]


def test_answers_are_cached_by_the_full_question(app, upstream):
    upstream.get(f"{UP}/CodeSystem/$lookup", json=LOOKUP_ANSWER)
    for _ in range(3):
        assert app.get(f"/fhir/CodeSystem/$lookup?system={RXNORM}&code=161").status_code == 200
    assert len(upstream.calls) == 1
    app.get(f"/fhir/CodeSystem/$lookup?system={RXNORM}&code=161&displayLanguage=de")
    assert len(upstream.calls) == 2  # another question


def test_the_cache_expires(tmp_path, upstream):
    app = _app(tmp_path, upstream_cache_seconds=0.2)
    upstream.get(f"{UP}/CodeSystem/$lookup", json=LOOKUP_ANSWER)
    app.get(f"/fhir/CodeSystem/$lookup?system={RXNORM}&code=161")
    time.sleep(0.25)
    app.get(f"/fhir/CodeSystem/$lookup?system={RXNORM}&code=161")
    assert len(upstream.calls) == 2


def test_our_own_systems_never_leave_the_server(tmp_path, upstream):
    app = _app(tmp_path, upstreams=f"*={UP}")  # even with a catch-all route
    assert app.get(f"/fhir/CodeSystem/$lookup?system={CPT}&code=71250").status_code == 200
    assert app.get(f"/fhir/CodeSystem/$validate-code?url={CPT}&code=71250").status_code == 200
    assert app.get(f"/fhir/CodeSystem/$lookup?system={CPT}&code=99999").status_code == 404
    expand = app.get(f"/fhir/ValueSet/$expand?url={CPT}?fhir_vs&count=5")
    assert expand.status_code == 200 and "X-Upstream" not in expand.headers
    vs = "https://chest-imaging-terminology.org/fhir/ValueSet/chest-ct-procedures"
    assert (
        app.get(f"/fhir/ValueSet/$validate-code?url={vs}&system={CPT}&code=71020").status_code
        == 200
    )
    assert len(upstream.calls) == 0


def test_a_system_no_route_names_stays_unknown(app, upstream):
    reply = app.get("/fhir/CodeSystem/$lookup?system=http://loinc.org&code=806-0")
    assert reply.status_code == 404 and "X-Upstream" not in reply.headers
    assert len(upstream.calls) == 0


def test_validate_code_in_code_system_is_forwarded(app, upstream):
    upstream.get(
        f"{UP}/CodeSystem/$validate-code",
        match=[matchers.query_param_matcher({"url": RXNORM, "code": "161", "date": "2025-01-02"})],
        json=_validate_answer(True, "acetaminophen"),
    )
    reply = app.get(f"/fhir/CodeSystem/$validate-code?url={RXNORM}&code=161&date=2025-01-02")
    params = _params(reply)
    assert params["result"]["valueBoolean"] is True
    assert _issue_ids(params["issues"]["resource"]) == [ANSWERED]


def test_implicit_value_set_expansion_is_forwarded(app, upstream):
    expansion = {
        "resourceType": "ValueSet",
        "expansion": {
            "total": 1,
            "contains": [{"system": RXNORM, "code": "161", "display": "acetaminophen"}],
        },
    }
    upstream.get(
        f"{UP}/ValueSet/$expand",
        match=[
            matchers.query_param_matcher(
                {"url": f"{RXNORM}?fhir_vs", "filter": "acet", "count": "10"}
            )
        ],
        json=expansion,
    )
    reply = app.get(f"/fhir/ValueSet/$expand?url={RXNORM}?fhir_vs&filter=acet&count=10")
    assert reply.status_code == 200 and reply.headers["X-Upstream"] == UP
    body = reply.get_json()["expansion"]
    assert body["contains"][0]["code"] == "161"
    assert {"name": "x-upstream", "valueUri": UP} in body["parameter"]


@pytest.mark.parametrize(
    ("failure", "reason"),
    [
        ({"body": requests.exceptions.ReadTimeout("slow")}, "no answer within the timeout"),
        ({"status": 502, "body": "bad gateway"}, "HTTP 502"),
        ({"status": 500, "json": {"resourceType": "OperationOutcome", "issue": []}}, "HTTP 500"),
        ({"json": {"resourceType": "Bundle"}}, "malformed answer"),
        ({"body": "<html>not json</html>", "content_type": "text/html"}, "malformed answer"),
        ({"json": {"resourceType": "Parameters", "parameter": "garbage"}}, "malformed answer"),
        ({"status": 404, "body": "not found"}, "HTTP 404 without an OperationOutcome"),
    ],
)
def test_failures_give_fast_unavailable_answers(app, upstream, failure, reason):
    for path in ("CodeSystem/$lookup", "CodeSystem/$validate-code", "ValueSet/$expand"):
        upstream.get(f"{UP}/{path}", **failure)
    lookup = app.get(f"/fhir/CodeSystem/$lookup?system={RXNORM}&code=161")
    assert lookup.status_code == 503 and int(lookup.headers["Retry-After"]) >= 1
    assert lookup.headers["Cache-Control"] == "no-store"
    text = lookup.get_json()["issue"][0]["details"]["text"]
    assert reason in text and UP in text
    validate = app.get(f"/fhir/CodeSystem/$validate-code?url={RXNORM}&code=161")
    params = _params(validate)
    assert validate.status_code == 200 and params["result"]["valueBoolean"] is False
    assert params["x-caused-by-unknown-system"]["valueCanonical"] == RXNORM
    issue = params["issues"]["resource"]["issue"][0]
    assert issue["code"] == "transient" and "unavailable" in issue["details"]["text"]
    assert app.get(f"/fhir/ValueSet/$expand?url={RXNORM}?fhir_vs").status_code == 503


def test_breaker_opens_answers_fast_and_closes_after_a_good_trial(app, upstream):
    failing = upstream.get(f"{UP}/CodeSystem/$lookup", status=503)
    for _ in range(2):  # upstream_breaker_failures=2
        assert app.get(f"/fhir/CodeSystem/$lookup?system={RXNORM}&code=161").status_code == 503
    assert failing.call_count == 2
    # Open: no call goes out, answers come at once, validate-code is a 200 result=false.
    started = time.monotonic()
    lookup = app.get(f"/fhir/CodeSystem/$lookup?system={RXNORM}&code=161")
    validate = app.get(f"/fhir/CodeSystem/$validate-code?url={RXNORM}&code=161")
    assert time.monotonic() - started < 0.5
    assert failing.call_count == 2
    assert lookup.status_code == 503 and "circuit breaker open" in lookup.get_data(as_text=True)
    assert lookup.headers["Retry-After"] == "1"  # reset_after 0.5 s, rounded up
    params = _params(validate)
    assert validate.status_code == 200 and params["result"]["valueBoolean"] is False
    assert params["x-caused-by-unknown-system"]["valueCanonical"] == RXNORM
    assert "circuit breaker open" in params["issues"]["resource"]["issue"][0]["details"]["text"]
    # After reset_after, a failing trial opens it again at once.
    time.sleep(0.55)
    assert app.get(f"/fhir/CodeSystem/$lookup?system={RXNORM}&code=161").status_code == 503
    assert failing.call_count == 3
    assert app.get(f"/fhir/CodeSystem/$lookup?system={RXNORM}&code=161").status_code == 503
    assert failing.call_count == 3
    # A good trial closes it.
    time.sleep(0.55)
    upstream.replace(responses.GET, f"{UP}/CodeSystem/$lookup", json=LOOKUP_ANSWER)
    assert app.get(f"/fhir/CodeSystem/$lookup?system={RXNORM}&code=161").status_code == 200
    assert app.get(f"/fhir/CodeSystem/$lookup?system={RXNORM}&code=162").status_code == 200


def test_a_second_upstream_answers_when_the_first_fails(tmp_path, upstream):
    second = "http://second.test/fhir"
    app = _app(tmp_path, upstreams=f"{RXNORM}={UP},{second}")
    upstream.get(f"{UP}/CodeSystem/$lookup", body=requests.ConnectionError("refused"))
    upstream.get(f"{second}/CodeSystem/$lookup", json=LOOKUP_ANSWER)
    reply = app.get(f"/fhir/CodeSystem/$lookup?system={RXNORM}&code=161")
    assert reply.status_code == 200 and reply.headers["X-Upstream"] == second


MIXED = {
    "resourceType": "ValueSet",
    "url": "http://example.org/vs/ct-and-analgesics",
    "status": "active",
    "compose": {
        "include": [
            {"system": CPT, "concept": [{"code": "71250"}]},
            {"system": RXNORM, "concept": [{"code": "161"}, {"code": "9999999"}]},
        ]
    },
}


def _validate_in_mixed(app, *codings):
    body = {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "valueSet", "resource": MIXED},
            {
                "name": "codeableConcept",
                "valueCodeableConcept": {"coding": [{"system": s, "code": c} for s, c in codings]},
            },
        ],
    }
    return app.post(
        "/fhir/ValueSet/$validate-code", json=body, content_type="application/fhir+json"
    )


def test_a_mixed_value_set_is_answered_per_coding(app, upstream):
    upstream.get(
        f"{UP}/CodeSystem/$validate-code",
        match=[matchers.query_param_matcher({"url": RXNORM, "code": "161"})],
        json=_validate_answer(True, "acetaminophen"),
    )
    upstream.get(
        f"{UP}/CodeSystem/$validate-code",
        match=[matchers.query_param_matcher({"url": RXNORM, "code": "9999999"})],
        json=_validate_answer(False),
    )
    # Our code: answered here, nothing sent.
    ours = _params(_validate_in_mixed(app, (CPT, "71250")))
    assert ours["result"]["valueBoolean"] is True and len(upstream.calls) == 0
    # An upstream code our definition lists, and the upstream knows: a member.
    theirs = _validate_in_mixed(app, (RXNORM, "161"))
    params = _params(theirs)
    assert (
        params["result"]["valueBoolean"] is True
        and params["display"]["valueString"] == "acetaminophen"
    )
    assert theirs.headers["X-Upstream"] == UP
    assert ANSWERED in _issue_ids(params["issues"]["resource"])
    assert upstream.calls[0].request.params == {"url": RXNORM, "code": "161"}  # only the coding
    # Listed by us but unknown upstream: not a member, with the upstream's reason.
    unknown = _params(_validate_in_mixed(app, (RXNORM, "9999999")))
    assert unknown["result"]["valueBoolean"] is False
    assert "x-caused-by-unknown-system" not in unknown
    texts = [i["details"]["text"] for i in unknown["issues"]["resource"]["issue"]]
    assert "Unknown code '9999999'" in texts
    # Not listed by our definition: never asked upstream.
    calls = len(upstream.calls)
    not_listed = _params(_validate_in_mixed(app, (RXNORM, "1191")))
    assert not_listed["result"]["valueBoolean"] is False and len(upstream.calls) == calls
    # A CodeableConcept with a bad code of ours and a good upstream one is valid.
    both = _params(_validate_in_mixed(app, (CPT, "71020"), (RXNORM, "161")))
    assert both["result"]["valueBoolean"] is True


def test_a_mixed_value_set_with_the_upstream_down(app, upstream):
    upstream.get(f"{UP}/CodeSystem/$validate-code", status=503)
    reply = _validate_in_mixed(app, (RXNORM, "161"))
    params = _params(reply)
    assert reply.status_code == 200 and params["result"]["valueBoolean"] is False
    assert params["x-caused-by-unknown-system"]["valueCanonical"] == RXNORM
    texts = [i["details"]["text"] for i in params["issues"]["resource"]["issue"]]
    assert any("unavailable" in t for t in texts)


def test_bad_upstream_configuration_stops_the_app(tmp_path):
    with pytest.raises(ValueError, match="TERMINOLOGY_UPSTREAMS"):
        Settings(content_dir=tmp_path, upstreams="rxnorm=ftp://x")
    with pytest.raises(ValueError, match="TERMINOLOGY_UPSTREAMS"):
        Settings(content_dir=tmp_path, upstreams="just-a-word")
