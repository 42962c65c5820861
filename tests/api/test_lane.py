"""The direct lane (``api/lane.py``) answers exactly as Flask does: same status, headers and body,
for every kind of request it takes, and it hands everything else to Flask."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from terminology.api.lane import DirectLane
from terminology.app import create_app
from terminology.config import Settings
from terminology.uris import CPT, ICD10CM, LOINC, PROJECT_BASE, SNOMED
from tests.conftest import CONTENT_DIR

CT_VS = f"{PROJECT_BASE}/ValueSet/chest-ct-procedures"
#: Headers that differ between any two replies whatever answers them.
_PER_REPLY = {"date"}


def _parameters(*parameters: dict[str, Any]) -> bytes:
    return json.dumps({"resourceType": "Parameters", "parameter": list(parameters)}).encode()


#: (method, path, headers, body): what the lane takes, and what it must pass on.
REQUESTS: list[tuple[str, str, dict[str, str], bytes | None]] = [
    ("GET", f"/fhir/ValueSet/$validate-code?url={CT_VS}&system={CPT}&code=71260", {}, None),
    ("GET", f"/fhir/ValueSet/$validate-code?url={CT_VS}&system={CPT}&code=71045", {}, None),
    (
        "GET",
        f"/fhir/ValueSet/$validate-code?url={CT_VS}&system={CPT}&code=71260&_format=xml",
        {},
        None,
    ),
    (
        "GET",
        f"/fhir/ValueSet/$validate-code?url={CT_VS}&system={CPT}&code=71260",
        {"Accept": "application/fhir+xml"},
        None,
    ),
    ("GET", f"/fhir/r5/ValueSet/$validate-code?url={CT_VS}&system={CPT}&code=71260", {}, None),
    (
        "GET",
        f"/fhir/ValueSet/$validate-code?url={CT_VS}&system={CPT}&code=71260",
        {"Accept": "application/fhir+json; fhirVersion=5.0"},
        None,
    ),
    (
        "GET",
        f"/fhir/CodeSystem/$validate-code?url={CPT}&code=71250&display=wrong",
        {"Accept-Language": "en"},
        None,
    ),
    ("GET", f"/fhir/CodeSystem/$validate-code?url={ICD10CM}&code=I50.9&date=2025-06-01", {}, None),
    ("GET", f"/fhir/CodeSystem/$lookup?system={CPT}&code=71250", {"Accept-Encoding": "gzip"}, None),
    (
        "GET",
        f"/fhir/CodeSystem/$lookup?system={ICD10CM}&code=J18.9&property=*",
        {"Accept-Encoding": "gzip, deflate"},
        None,
    ),
    ("GET", f"/fhir/CodeSystem/$lookup?system={ICD10CM}&code=J18.9&property=*", {}, None),
    ("GET", f"/fhir/CodeSystem/$subsumes?system={ICD10CM}&codeA=J09-J18&codeB=J18.9", {}, None),
    ("GET", f"/fhir/ConceptMap/$translate?system={CPT}&code=71250&targetsystem={LOINC}", {}, None),
    (
        "GET",
        f"/fhir/r5/ConceptMap/$translate?system={CPT}&code=71250&targetsystem={LOINC}",
        {},
        None,
    ),
    # Errors: the lane hands them to Flask.
    ("GET", f"/fhir/CodeSystem/$lookup?system={CPT}&code=99999", {}, None),
    ("GET", "/fhir/ValueSet/$validate-code?url=http://example.org/none&code=1", {}, None),
    ("GET", f"/fhir/CodeSystem/$lookup?system={CPT}&code=71250&_format=text/html", {}, None),
    ("GET", f"/fhir/CodeSystem/$lookup?system={CPT}&code=71250", {"Accept": "text/html"}, None),
    ("GET", "/fhir/CodeSystem/$lookup", {}, None),
    (
        "GET",
        f"/fhir/r5/CodeSystem/$lookup?system={CPT}&code=71250",
        {"Accept": "application/fhir+json; fhirVersion=4.0"},
        None,
    ),
    # Requests the lane does not take at all.
    (
        "GET",
        f"/fhir/CodeSystem/$lookup?system={CPT}&code=71250",
        {"Origin": "https://app.example.org"},
        None,
    ),
    ("GET", f"/fhir/CodeSystem/$lookup?system={CPT}&code=71250", {"If-None-Match": "*"}, None),
    ("HEAD", f"/fhir/CodeSystem/$lookup?system={CPT}&code=71250", {}, None),
    (
        "POST",
        "/fhir/ValueSet/$validate-code",
        {"Content-Type": "application/fhir+json"},
        _parameters(
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
        ),
    ),
    (
        "POST",
        "/fhir/CodeSystem/$lookup",
        {"Content-Type": "application/x-www-form-urlencoded"},
        f"system={CPT}&code=71250".encode(),
    ),
    ("POST", "/fhir/CodeSystem/$lookup", {"Content-Type": "text/plain"}, b"system=x"),
    ("POST", "/fhir/CodeSystem/$lookup", {"Content-Type": "application/fhir+json"}, b"{not json"),
    (
        "POST",
        "/fhir/CodeSystem/$lookup",
        {"Content-Type": "application/fhir+json", "Content-Encoding": "gzip"},
        gzip.compress(
            _parameters({"name": "system", "valueUri": CPT}, {"name": "code", "valueCode": "71250"})
        ),
    ),
]


def _apps(**settings: Any) -> tuple[Flask, Flask]:
    lane = create_app(Settings(content_dir=CONTENT_DIR, **settings))
    flask_only = create_app(Settings(content_dir=CONTENT_DIR, direct_lane=False, **settings))
    assert _lane(lane) is not None and _lane(flask_only) is None
    return lane, flask_only


def _lane(app: Flask) -> DirectLane | None:
    """The lane among the WSGI layers around the Flask app, if there is one."""
    layer: object = app.wsgi_app
    while layer is not None and not isinstance(layer, DirectLane):
        layer = getattr(layer, "app", None)
    return layer


@pytest.fixture(scope="module")
def apps() -> Iterator[tuple[Flask, Flask]]:
    yield _apps(response_cache_entries=0)


def _reply(app: Flask, method: str, path: str, headers: dict[str, str], body: bytes | None):
    # One request id both ways: error replies quote it.
    headers = {"X-Request-Id": "parity", **headers}
    response = app.test_client().open(path, method=method, headers=headers, data=body)
    kept = sorted(
        (k.lower(), v) for k, v in response.headers.items() if k.lower() not in _PER_REPLY
    )
    return response.status_code, kept, response.get_data()


@pytest.mark.parametrize(("method", "path", "headers", "body"), REQUESTS)
def test_the_lane_answers_as_flask_does(apps, method, path, headers, body) -> None:
    lane, flask_only = apps
    assert _reply(lane, method, path, headers, body) == _reply(
        flask_only, method, path, headers, body
    )


def test_the_lane_answers_the_common_requests_itself(apps) -> None:
    """Without this the parity above could hold because Flask answered everything."""
    lane_app, _ = apps
    lane = _lane(lane_app)
    assert lane is not None
    handed: list[str] = []
    flask = lane.flask

    def counting(environ, start_response):
        handed.append(environ["PATH_INFO"])
        return flask(environ, start_response)

    lane.flask = counting
    try:
        client = lane_app.test_client()
        ok = client.get(f"/fhir/ValueSet/$validate-code?url={CT_VS}&system={CPT}&code=71260")
        posted = client.post(
            "/fhir/ValueSet/$validate-code", data=REQUESTS[-5][3], headers=REQUESTS[-5][2]
        )
        assert ok.status_code == posted.status_code == 200
        assert handed == []
        assert client.get(f"/fhir/CodeSystem/$lookup?system={CPT}&code=99999").status_code == 404
        assert client.get("/fhir/metadata").status_code == 200
        assert handed == ["/fhir/CodeSystem/$lookup", "/fhir/metadata"]
    finally:
        lane.flask = flask


def test_cached_answers_are_the_same_both_ways() -> None:
    lane, flask_only = _apps(response_cache_entries=16)
    for method, path, headers, body in REQUESTS[:3]:
        first = _reply(lane, method, path, headers, body)
        assert _reply(lane, method, path, headers, body) == first
        assert _reply(flask_only, method, path, headers, body) == first


def test_cors_with_a_list_of_origins_varies_alike() -> None:
    lane, flask_only = _apps(cors_origins="https://app.example.org", response_cache_entries=0)
    method, path, headers, body = REQUESTS[0]
    reply = _reply(lane, method, path, headers, body)
    assert reply == _reply(flask_only, method, path, headers, body)
    assert ("vary", "Accept, Accept-Language, Accept-Encoding, Origin") in reply[1]


def test_closed_reads_have_no_lane() -> None:
    app = create_app(Settings(content_dir=CONTENT_DIR, read_token="r" * 32))
    assert _lane(app) is None
    path = REQUESTS[0][1]
    assert app.test_client().get(path).status_code == 401


def test_delegating_servers_have_no_lane() -> None:
    """Delegation decides per request in the Flask views; the lane would skip it."""
    app = create_app(
        Settings(content_dir=CONTENT_DIR, upstreams="http://example.org/rxnorm=http://127.0.0.1:9")
    )
    assert _lane(app) is None
