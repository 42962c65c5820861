"""The client's error mapping and retry rule, against ``responses``: which failures are
retried, how long it waits (``Retry-After`` honoured, backoff otherwise), and that writes are
never retried."""

from __future__ import annotations

import email.utils
import time

import pytest
import requests
import responses

from terminology.client import TerminologyClient, TerminologyClientError
from terminology.client.transport import retry_after_seconds

BASE = "http://tx.test/fhir"
LOOKUP = f"{BASE}/CodeSystem/$lookup"
OK = {"resourceType": "Parameters", "parameter": [{"name": "display", "valueString": "ok"}]}
OUTCOME = {
    "resourceType": "OperationOutcome",
    "issue": [{"severity": "error", "code": "not-found", "details": {"text": "Unknown code 'x'"}}],
}


def _client(waits: list[float], retries: int = 3) -> TerminologyClient:
    return TerminologyClient(BASE, retries=retries, backoff=0.5, max_wait=30, sleep=waits.append)


@responses.activate
def test_a_4xx_raises_with_the_operation_outcome_and_is_not_retried():
    responses.get(LOOKUP, json=OUTCOME, status=404)
    waits: list[float] = []
    with pytest.raises(TerminologyClientError) as caught:
        _client(waits).lookup(system="s", code="x")
    error = caught.value
    assert error.status == 404 and error.outcome == OUTCOME
    assert error.issues[0].code == "not-found" and "Unknown code 'x'" in error.message
    assert len(responses.calls) == 1 and waits == []


@responses.activate
def test_a_500_is_not_retried_and_a_non_fhir_error_body_still_maps():
    responses.get(LOOKUP, body="boom", status=500)
    with pytest.raises(TerminologyClientError) as caught:
        _client([]).lookup(system="s", code="x")
    assert caught.value.status == 500 and caught.value.outcome is None
    assert len(responses.calls) == 1


@pytest.mark.parametrize("status", [429, 502, 503, 504])
@responses.activate
def test_retryable_statuses_are_retried_with_exponential_backoff(status):
    for _ in range(2):
        responses.get(LOOKUP, json=OUTCOME, status=status)
    responses.get(LOOKUP, json=OK)
    waits: list[float] = []
    assert _client(waits).lookup(system="s", code="x").display == "ok"
    assert waits == [0.5, 1.0] and len(responses.calls) == 3


@responses.activate
def test_retry_after_seconds_and_http_date_are_honoured_and_capped():
    responses.get(LOOKUP, status=503, headers={"Retry-After": "7"})
    future = email.utils.formatdate(time.time() + 12, usegmt=True)
    responses.get(LOOKUP, status=429, headers={"Retry-After": future})
    responses.get(LOOKUP, status=503, headers={"Retry-After": "3600"})
    responses.get(LOOKUP, json=OK)
    waits: list[float] = []
    _client(waits).lookup(system="s", code="x")
    assert waits[0] == 7
    assert 10 <= waits[1] <= 12
    assert waits[2] == 30  # capped at max_wait: a server cannot park the caller for an hour


def test_retry_after_reading():
    assert retry_after_seconds("120") == 120
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0


@responses.activate
def test_retries_give_up_with_the_last_answer():
    for _ in range(3):
        responses.get(LOOKUP, json=OUTCOME, status=503)
    waits: list[float] = []
    with pytest.raises(TerminologyClientError) as caught:
        _client(waits, retries=2).lookup(system="s", code="x")
    assert caught.value.status == 503 and len(responses.calls) == 3 and waits == [0.5, 1.0]


@responses.activate
def test_connection_errors_and_timeouts_are_retried():
    responses.get(LOOKUP, body=requests.ConnectionError("refused"))
    responses.get(LOOKUP, body=requests.Timeout("slow"))
    responses.get(LOOKUP, json=OK)
    waits: list[float] = []
    assert _client(waits).lookup(system="s", code="x").display == "ok"
    assert len(waits) == 2


@responses.activate
def test_no_answer_at_all_raises_the_client_error_with_no_status():
    for _ in range(2):
        responses.get(LOOKUP, body=requests.ConnectionError("refused"))
    with pytest.raises(TerminologyClientError, match="no answer after 2 attempt") as caught:
        _client([], retries=1).lookup(system="s", code="x")
    assert caught.value.status is None


@responses.activate
def test_posted_operations_and_validate_are_retried():
    responses.post(f"{BASE}/ValueSet/$validate-code", status=503)
    responses.post(
        f"{BASE}/ValueSet/$validate-code",
        json={
            "resourceType": "Parameters",
            "parameter": [{"name": "result", "valueBoolean": True}],
        },
    )
    responses.post(f"{BASE}/Claim/$validate", status=502)
    responses.post(
        f"{BASE}/Claim/$validate", json={"resourceType": "OperationOutcome", "issue": []}
    )
    client = _client([])
    vs = {"resourceType": "ValueSet"}
    assert client.validate_code(valueSet=vs, system="s", code="c").result is True
    assert client.validate_resource({"resourceType": "Claim"}).valid
    assert [c.request.method for c in responses.calls] == ["POST"] * 4


@pytest.mark.parametrize(
    ("method", "call"),
    [
        ("POST", lambda c: c.create({"resourceType": "ValueSet"})),
        ("PUT", lambda c: c.update({"resourceType": "ValueSet", "id": "v"})),
        ("DELETE", lambda c: c.delete("ValueSet", "v")),
    ],
)
@responses.activate
def test_writes_are_never_retried(method, call):
    url = f"{BASE}/ValueSet" if method == "POST" else f"{BASE}/ValueSet/v"
    responses.add(method, url, status=503)
    responses.add(method, url, body=requests.ConnectionError("reset"))
    waits: list[float] = []
    with pytest.raises(TerminologyClientError) as caught:
        call(_client(waits))
    assert caught.value.status == 503
    assert len(responses.calls) == 1 and waits == []


@responses.activate
def test_every_call_has_a_timeout():
    seen: list[object] = []

    def record(request):
        return (200, {}, '{"resourceType": "CapabilityStatement"}')

    responses.add_callback(responses.GET, f"{BASE}/metadata", callback=record)
    client = TerminologyClient(BASE, timeout=2.5)
    original = client.transport.session.request

    def spy(*args, **kwargs):
        seen.append(kwargs.get("timeout"))
        return original(*args, **kwargs)

    client.transport.session.request = spy  # type: ignore[method-assign]
    client.capabilities()
    assert seen == [2.5]
