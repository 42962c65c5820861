"""Every failure is an OperationOutcome with the right status, checked in the documented order."""

from __future__ import annotations

import logging

import pytest
import requests

from terminology.api.negotiation import FHIR_JSON
from terminology.app import create_app
from terminology.codec.fhir_xml_read import parse_xml
from terminology.config import Settings
from terminology.uris import CPT
from tests.conftest import CONTENT_DIR, RunningServer
from tests.helpers import single_issue

LOOKUP = "/CodeSystem/$lookup"
OVERSIZE = 5 * 1024 * 1024


def assert_outcome(response, status: int, code: str | None = None, xml: bool = False) -> dict:
    assert response.status_code == status, response.text[:500]
    if xml:
        assert response.headers["Content-Type"].startswith("application/fhir+xml")
        issue = single_issue(parse_xml(response.content))
    else:
        assert response.headers["Content-Type"].startswith("application/fhir+json")
        issue = single_issue(response.json())
    assert issue["severity"] == "error"
    assert issue["details"]["text"]
    if code:
        assert issue["code"] == code
    return issue


def test_unknown_route_is_404(server: RunningServer) -> None:
    assert_outcome(server.get("/Patient/123"), 404, "not-found")
    assert_outcome(server.get("/CodeSystem/$no-such-operation"), 404, "not-found")


def test_unknown_route_outside_the_fhir_base_is_404(server: RunningServer) -> None:
    r = server.get("/../nothing-here")
    assert_outcome(r, 404, "not-found")


def test_unknown_route_wins_over_a_bad_body(server: RunningServer) -> None:
    r = server.post("/Nowhere", data=b"x" * 100, headers={"Content-Type": "text/plain"})
    assert_outcome(r, 404)


def test_wrong_method_is_405_with_allow(server: RunningServer) -> None:
    r = server.post("/metadata", json={})
    assert_outcome(r, 405, "not-supported")
    assert "GET" in r.headers["Allow"]


def test_wrong_method_wins_over_a_bad_media_type(server: RunningServer) -> None:
    r = requests.put(
        f"{server.base}{LOOKUP}", data=b"x: 1", headers={"Content-Type": "text/yaml"}, timeout=10
    )
    assert_outcome(r, 405)
    # An XML body with no Accept gets its error in XML, as it would get its answer.
    r = requests.put(
        f"{server.base}{LOOKUP}", data=b"<x/>", headers={"Content-Type": "text/xml"}, timeout=10
    )
    assert_outcome(r, 405, xml=True)


def test_unsupported_media_type_is_415(server: RunningServer) -> None:
    r = server.post(
        LOOKUP, data=b"resourceType: Parameters", headers={"Content-Type": "application/fhir+yaml"}
    )
    assert_outcome(r, 415, "not-supported")


def test_unsupported_media_type_wins_over_size(server: RunningServer) -> None:
    r = server.post(LOOKUP, data=b"x" * OVERSIZE, headers={"Content-Type": "text/plain"})
    assert_outcome(r, 415)


def test_body_over_the_limit_is_413_and_the_reply_stays_small(server: RunningServer) -> None:
    body = b'{"resourceType":"Parameters","parameter":[' + b" " * OVERSIZE + b"]}"
    r = server.post(LOOKUP, data=body, headers={"Content-Type": "application/fhir+json"})
    assert_outcome(r, 413, "too-costly")
    assert len(r.content) < 1000


def test_malformed_json_is_400_without_echoing_the_input(server: RunningServer) -> None:
    secret = "x" * 5000
    r = server.post(
        LOOKUP,
        data='{"resourceType": "Parameters", ' + secret,
        headers={"Content-Type": "application/fhir+json"},
    )
    issue = assert_outcome(r, 400, "structure")
    assert secret[:100] not in r.text
    assert len(r.content) < 1000
    assert "not valid JSON" in issue["details"]["text"]


def test_wrong_resource_type_is_400(server: RunningServer) -> None:
    r = server.post(
        LOOKUP,
        json={"resourceType": "Bundle", "type": "batch"},
        headers={"Content-Type": "application/fhir+json"},
    )
    issue = assert_outcome(r, 400, "invalid")
    assert "Parameters" in issue["details"]["text"]


@pytest.mark.parametrize(
    "parameters",
    [
        [{"valueCode": "71250"}],
        [{"name": "code", "valueCode": "71250", "valueString": "71250"}],
        "not-a-list",
        [{"name": "coding", "valueString": "71250"}],
    ],
)
def test_malformed_parameters_are_400(server: RunningServer, parameters: object) -> None:
    r = server.post(LOOKUP, json={"resourceType": "Parameters", "parameter": parameters})
    assert_outcome(r, 400)


def test_missing_parameters_are_400(server: RunningServer) -> None:
    issue = assert_outcome(server.post(LOOKUP, json={"resourceType": "Parameters"}), 400)
    assert issue["expression"] == ["code"]


@pytest.mark.parametrize(
    "accept",
    [
        "application/fhir+turtle",
        "text/html",
        "application/fhir+json; fhirVersion=3.0",
        "application/fhir+xml; fhirVersion=6.0",
        "application/fhir+xml;q=0, application/fhir+json;q=0",
    ],
)
def test_unacceptable_reply_format_is_406(server: RunningServer, accept: str) -> None:
    r = server.get(LOOKUP, params={"system": CPT, "code": "71250"}, headers={"Accept": accept})
    assert_outcome(r, 406, "not-supported")


@pytest.mark.parametrize(
    ("accept", "fmt", "media"),
    [
        ("application/fhir+json; fhirVersion=4.0", None, "application/fhir+json"),
        ("application/json", None, "application/json"),
        ("text/html,application/xhtml+xml,*/*;q=0.8", None, "application/fhir+json"),
        (None, "json", "application/fhir+json"),
        ("application/fhir+xml", "application/fhir+json", "application/fhir+json"),
    ],
)
def test_json_reply_formats(
    server: RunningServer, accept: str | None, fmt: str | None, media: str
) -> None:
    params = {"system": CPT, "code": "71250"}
    if fmt:
        params["_format"] = fmt
    headers = {"Accept": accept} if accept else {}
    r = server.get(LOOKUP, params=params, headers=headers)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith(media)


def test_unknown_format_parameter_is_406(server: RunningServer) -> None:
    r = server.get("/metadata", params={"_format": "turtle"})
    assert_outcome(r, 406)


def test_unexpected_fault_is_a_generic_500_with_the_traceback_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = create_app(Settings(content_dir=CONTENT_DIR))

    @app.get("/fhir/boom")
    def boom() -> str:
        raise RuntimeError("secret internal detail")

    with caplog.at_level(logging.ERROR, logger="terminology"):
        r = app.test_client().get("/fhir/boom")
    assert r.status_code == 500
    issue = single_issue(r.get_json())
    assert issue["code"] == "exception"
    assert "secret" not in r.get_data(as_text=True)
    assert "internal error" in issue["details"]["text"]
    assert "secret internal detail" in caplog.text


#: The longest request target (path and query) granian accepts; longer ones get its own 414
#: with an empty body, which no setting changes (hyper's limit).
GRANIAN_MAX_TARGET = 65534


def test_query_string_over_the_limit_is_414_up_to_granians_own_limit(
    server: RunningServer,
) -> None:
    r = server.get(LOOKUP, params={"system": CPT, "code": "71250", "padding": "a" * 30_000})
    assert r.status_code == 200
    path = f"{server.base}{LOOKUP}"
    query = f"system={CPT}&code=71250&padding="
    target = path.removeprefix(server.base.removesuffix("/fhir")) + "?" + query
    for target_length in (34 * 1024, GRANIAN_MAX_TARGET):
        url = f"{path}?{query}{'a' * (target_length - len(target))}"
        issue = assert_outcome(requests.get(url, timeout=10), 414, "too-long")
        assert "POST" in issue["details"]["text"]


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Large": "a" * 20_000},
        {f"X-Header-{i}": "a" * 200 for i in range(90)},
        # granian's own limit on the request head is about 408 KiB: up to there, our answer
        {"X-Huge": "a" * 400_000},
    ],
    ids=["one large header", "many headers", "a 400 KB header"],
)
def test_headers_over_the_limit_are_431(server: RunningServer, headers: dict[str, str]) -> None:
    params = {"system": CPT, "code": "71250"}
    assert server.get(LOOKUP, params=params, headers={"X-A": "a" * 15_000}).status_code == 200
    assert_outcome(server.get(LOOKUP, params=params, headers=headers), 431, "too-long")


@pytest.mark.parametrize("path", ["//ValueSet/$expand", "//metadata", "/CodeSystem//$lookup"])
def test_doubled_slashes_are_a_fhir_404_not_a_redirect(server: RunningServer, path: str) -> None:
    assert_outcome(server.get(path, allow_redirects=False), 404, "not-found")
    # nor does a trailing slash redirect
    for trailing in ("/metadata/", "/CodeSystem/", "/ValueSet/$expand/"):
        assert_outcome(server.get(trailing, allow_redirects=False), 404, "not-found")


@pytest.mark.parametrize(
    ("path", "methods"),
    [("/ValueSet/$expand", {"GET", "HEAD", "POST", "OPTIONS"}), ("/metadata", {"GET", "HEAD"})],
)
def test_options_is_204_with_the_allowed_methods(
    server: RunningServer, path: str, methods: set[str]
) -> None:
    r = requests.options(f"{server.base}{path}", headers={"Accept": "text/html"}, timeout=10)
    assert r.status_code == 204
    assert r.content == b""
    assert "Content-Type" not in r.headers
    assert methods <= {m.strip() for m in r.headers["Allow"].split(",")}
    assert_outcome(requests.options(f"{server.base}/Patient", timeout=10), 404, "not-found")


@pytest.mark.parametrize("fmt", ["application/fhir+json", "application/json+fhir"])
def test_format_with_an_unencoded_plus_is_understood(server: RunningServer, fmt: str) -> None:
    # Sent as typed: the '+' is not encoded, so the server reads it as a space.
    r = requests.get(f"{server.base}{LOOKUP}?system={CPT}&code=71250&_format={fmt}", timeout=10)
    assert r.status_code == 200, r.text[:300]
    assert r.headers["Content-Type"].startswith(FHIR_JSON)
    # XML read the same way is XML
    r = requests.get(f"{server.base}/metadata?_format=application/fhir+xml", timeout=10)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/fhir+xml")
    assert parse_xml(r.content)["resourceType"] == "CapabilityStatement"
