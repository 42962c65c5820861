"""FHIR XML over real HTTP: every operation answers in XML what it answers in JSON, XML bodies
are read like JSON ones, errors come in the format asked for, and hostile XML fetches nothing."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from terminology.codec.fhir_xml import to_xml
from terminology.codec.fhir_xml_read import parse_xml
from terminology.uris import CPT, ICD10CM, LOINC
from tests.api.test_validate_resources import claim, line, order
from tests.codec.test_fhir_xml import BILLION_LAUGHS, pruned
from tests.conftest import RunningServer
from tests.helpers import single_issue

XML = "application/fhir+xml"
JSON = "application/fhir+json"
ACCEPT_XML = {"Accept": XML}
SEND_XML = {"Content-Type": XML, "Accept": XML}
SEND_JSON = {"Content-Type": JSON, "Accept": JSON}
INDICATIONS = "https://chest-imaging-terminology.org/fhir/ValueSet/chest-imaging-indications"


def comparable(value: Any) -> Any:
    """``value`` without what differs between two identical requests (an expansion's identifier
    and timestamp, a Bundle's id and time, the request id an error quotes in its diagnostics)
    and with what XML cannot carry (empty arrays)."""
    if isinstance(value, list):
        return [comparable(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {k: comparable(v) for k, v in value.items()}
    if isinstance(out.get("diagnostics"), str):
        out["diagnostics"] = re.sub(r"(; )?request-id: \S+", "", out["diagnostics"])
        if not out["diagnostics"]:
            del out["diagnostics"]
    if "contains" in out or "total" in out or "timestamp" in out:
        out.pop("identifier", None)
        out.pop("timestamp", None)
    if out.get("resourceType") == "Bundle":
        out.pop("id", None)
        out.pop("meta", None)
    return pruned(out)


def xml_body(response: requests.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text[:500]
    assert response.headers["Content-Type"].startswith(XML)
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return parse_xml(response.content)


def same_in_both(server: RunningServer, path: str, params: dict[str, str] | None = None) -> dict:
    as_json = server.get(path, params=params, headers={"Accept": JSON})
    as_xml = server.get(path, params=params, headers=ACCEPT_XML)
    assert as_json.headers["Content-Type"].startswith(JSON)
    body = xml_body(as_xml, as_json.status_code)
    assert comparable(body) == comparable(as_json.json())
    return body


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/CodeSystem/$lookup", {"system": CPT, "code": "71250"}),
        ("/CodeSystem/$lookup", {"system": CPT, "code": "71020", "date": "2024-05-01"}),
        ("/CodeSystem/$validate-code", {"url": ICD10CM, "code": "I50.9", "date": "2025-06-01"}),
        ("/CodeSystem/$validate-code", {"url": ICD10CM, "code": "J18", "display": "x"}),
        ("/ValueSet/$validate-code", {"url": INDICATIONS, "system": ICD10CM, "code": "R91.1"}),
        ("/ValueSet/$validate-code", {"url": INDICATIONS, "system": CPT, "code": "71250"}),
        ("/ValueSet/$expand", {"url": f"{ICD10CM}?fhir_vs", "filter": "pneumonia", "count": "5"}),
        ("/ValueSet/$expand", {"url": INDICATIONS, "count": "3", "includeDesignations": "true"}),
        ("/metadata", None),
        ("/metadata", {"mode": "terminology"}),
        ("/$versions", None),
        ("/CodeSystem", {"_count": "2"}),
        ("/ValueSet", {"url": INDICATIONS}),
        ("/ConceptMap", {"_summary": "true", "_count": "3"}),
        ("/CodeSystem/$lookup", {"system": CPT, "code": "99999"}),
        ("/ValueSet/$expand", {"url": "http://example.org/none"}),
        ("/ConceptMap/$translate", {"system": CPT, "code": "71250", "targetsystem": LOINC}),
        ("/ConceptMap/$translate", {"sourceSystem": LOINC, "sourceCode": "29252-4"}),
        ("/CodeSystem/$subsumes", {"system": ICD10CM, "codeA": "J18", "codeB": "J18.9"}),
        ("/CodeSystem/$subsumes", {"system": ICD10CM, "codeA": "J18", "codeB": "J99.99"}),
    ],
)
def test_every_get_answers_the_same_in_xml_and_json(
    server: RunningServer, path: str, params: dict[str, str] | None
) -> None:
    same_in_both(server, path, params)


def test_read_in_xml(server: RunningServer) -> None:
    for rtype in ("CodeSystem", "ValueSet", "ConceptMap"):
        first = server.get(f"/{rtype}", params={"_count": "1"}).json()["entry"][0]["resource"]
        body = same_in_both(server, f"/{rtype}/{first['id']}")
        assert body["resourceType"] == rtype
        same_in_both(server, f"/{rtype}/{first['id']}", {"_elements": "url,version"})


def parameters(*items: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Parameters", "parameter": list(items)}


POSTS = [
    (
        "/ValueSet/$validate-code",
        parameters(
            {"name": "url", "valueUri": INDICATIONS},
            {"name": "coding", "valueCoding": {"system": ICD10CM, "code": "R91.1"}},
            {"name": "date", "valueDate": "2026-01-15"},
        ),
    ),
    (
        "/ValueSet/$validate-code",
        parameters(
            {"name": "url", "valueUri": INDICATIONS},
            {
                "name": "codeableConcept",
                "valueCodeableConcept": {
                    "coding": [
                        {"system": ICD10CM, "code": "J18"},
                        {"system": CPT, "code": "71250", "display": "wrong"},
                    ]
                },
            },
        ),
    ),
    (
        "/CodeSystem/$lookup",
        parameters(
            {"name": "coding", "valueCoding": {"system": CPT, "code": "71250"}},
            {"name": "property", "valueCode": "modality"},
        ),
    ),
    (
        "/ValueSet/$expand",
        parameters(
            {"name": "url", "valueUri": f"{ICD10CM}?fhir_vs"},
            {"name": "filter", "valueString": "pleural effusion"},
            {"name": "count", "valueInteger": 4},
            {"name": "activeOnly", "valueBoolean": True},
        ),
    ),
    ("/Claim/$validate", claim()),
    ("/Claim/$validate", claim(line(1, "71020", day="2026-02-01", pointers=(4,)))),
    ("/ServiceRequest/$validate", parameters({"name": "resource", "resource": order()})),
    ("/ServiceRequest/$validate", order(bogus=True, reasonCode=[{"coding": [{"code": "R05"}]}])),
    (
        "/Bundle/$validate",
        {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": claim()}]},
    ),
    (
        "",
        {
            "resourceType": "Bundle",
            "type": "batch",
            "entry": [
                {"request": {"method": "POST", "url": "Claim/$validate"}, "resource": claim()},
                {
                    "request": {
                        "method": "GET",
                        "url": f"CodeSystem/$lookup?system={CPT}&code=71250",
                    }
                },
                {"request": {"method": "GET", "url": "CodeSystem/$lookup?code=1"}},
                {"request": {"method": "GET", "url": "Nope"}},
            ],
        },
    ),
]


@pytest.mark.parametrize(("path", "resource"), POSTS, ids=lambda x: x if isinstance(x, str) else "")
def test_xml_bodies_get_what_json_bodies_get(
    server: RunningServer, path: str, resource: dict[str, Any]
) -> None:
    as_json = server.post(path, json=resource, headers=SEND_JSON)
    as_xml = server.post(path, data=to_xml(resource), headers=SEND_XML)
    assert comparable(xml_body(as_xml, as_json.status_code)) == comparable(as_json.json())
    # Either way in, either way out.
    xml_in_json_out = server.post(path, data=to_xml(resource), headers={**SEND_XML, "Accept": JSON})
    assert comparable(xml_in_json_out.json()) == comparable(as_json.json())
    json_in_xml_out = server.post(path, json=resource, headers={**SEND_JSON, "Accept": XML})
    assert comparable(xml_body(json_in_xml_out, as_json.status_code)) == comparable(as_json.json())


def test_an_xml_body_without_accept_is_answered_in_xml(server: RunningServer) -> None:
    path, resource = POSTS[0]
    r = server.post(path, data=to_xml(resource), headers={"Content-Type": "application/xml"})
    assert xml_body(r)["resourceType"] == "Parameters"
    r = server.post(
        path, data=to_xml(resource), headers={"Content-Type": "text/xml", "Accept": "*/*"}
    )
    assert xml_body(r)["resourceType"] == "Parameters"


LOOKUP = "/CodeSystem/$lookup"
Q = {"system": CPT, "code": "71250"}


@pytest.mark.parametrize(
    ("accept", "fmt", "media"),
    [
        ("application/fhir+xml", None, XML),
        ("application/xml", None, "application/xml"),
        ("text/xml", None, "text/xml"),
        ("application/fhir+xml; fhirVersion=4.0", None, XML),
        ("application/fhir+json;q=0.5, application/fhir+xml", None, XML),
        ("application/fhir+xml;q=0.5, application/fhir+json", None, JSON),
        ("application/fhir+xml;q=0.9, */*", None, JSON),
        ("*/*;q=0.1, application/fhir+xml;q=0.2", None, XML),
        (
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            None,
            "application/xml",
        ),
        ("application/fhir+xml;q=0, */*", None, JSON),
        (None, "xml", XML),
        (JSON, "xml", XML),
        (XML, "json", JSON),
        (None, "application/fhir+xml", XML),
        (None, "text/xml", "text/xml"),
        (None, "application/xml+fhir", XML),
    ],
)
def test_format_negotiation(
    server: RunningServer, accept: str | None, fmt: str | None, media: str
) -> None:
    params = {**Q, "_format": fmt} if fmt else Q
    r = server.get(LOOKUP, params=params, headers={"Accept": accept} if accept else {})
    assert r.status_code == 200
    assert r.headers["Content-Type"].split(";")[0] == media
    body = parse_xml(r.content) if "xml" in media else r.json()
    assert body["resourceType"] == "Parameters"


def test_cached_answers_keep_their_format(server: RunningServer) -> None:
    params = {"url": INDICATIONS, "system": ICD10CM, "code": "J18.9"}
    for _ in range(2):
        assert server.get("/ValueSet/$validate-code", params=params).json()["resourceType"]
        assert xml_body(server.get("/ValueSet/$validate-code", params=params, headers=ACCEPT_XML))


def xml_error(response: requests.Response, status: int) -> dict[str, Any]:
    issue = single_issue(xml_body(response, status))
    assert issue["severity"] == "error"
    assert issue["details"]["text"]
    assert "location" not in issue
    return issue


def test_errors_come_in_xml_when_xml_was_asked(server: RunningServer) -> None:
    base = server.base
    xml_error(server.get("/Nope", headers=ACCEPT_XML), 404)
    xml_error(requests.get(f"{base}/Nope?_format=xml", timeout=10), 404)
    xml_error(server.get(LOOKUP, params={**Q, "code": "99999"}, headers=ACCEPT_XML), 404)
    issue = xml_error(server.get(LOOKUP, params={"system": CPT}, headers=ACCEPT_XML), 400)
    assert issue["expression"] == ["code"]
    xml_error(requests.delete(f"{base}{LOOKUP}", headers=ACCEPT_XML, timeout=10), 405)
    r = server.post(LOOKUP, data=b"x", headers={"Content-Type": "text/plain", "Accept": XML})
    xml_error(r, 415)
    r = server.post(LOOKUP, data=b"<a/>" * (1_300_000), headers=SEND_XML)
    xml_error(r, 413)
    r = requests.get(f"{base}{LOOKUP}?_format=xml&code={'x' * 40_000}", timeout=10)
    xml_error(r, 414)
    # A reply format we do not write is refused in JSON, the default.
    r = server.get(LOOKUP, params=Q, headers={"Accept": "text/html"})
    assert r.status_code == 406
    assert r.headers["Content-Type"].startswith(JSON)


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"<Parameters xmlns='http://hl7.org/fhir'><parameter>", "not well-formed"),
        (b"<Parameters xmlns='http://example.org/'/>", "FHIR namespace"),
        (b"<OperationOutcome xmlns='http://hl7.org/fhir'/>", "Parameters"),
        (b"<Parameterz xmlns='http://hl7.org/fhir'/>", "resource type"),
    ],
)
def test_malformed_xml_bodies_are_400(server: RunningServer, body: bytes, words: str) -> None:
    issue = xml_error(server.post(LOOKUP, data=body, headers=SEND_XML), 400)
    assert words in issue["details"]["text"]


class Listener:
    """A local TCP listener that records every connection made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.stopped = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stopped:
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self.stopped = True
        self.thread.join()
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    found = Listener()
    yield found
    found.close()


def hostile_bodies(port: int) -> dict[str, bytes]:
    url = f"http://127.0.0.1:{port}/"
    fhir = b"<Parameters xmlns='http://hl7.org/fhir'>"
    return {
        "billion-laughs": BILLION_LAUGHS,
        "entity-file": b'<!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        + fhir
        + b"<parameter><name value='code'/><valueCode value='&x;'/></parameter></Parameters>",
        "entity-url": f'<!DOCTYPE p [<!ENTITY x SYSTEM "{url}e">]>'.encode()
        + fhir
        + b"<parameter><name value='code'/><valueCode value='&x;'/></parameter></Parameters>",
        "external-dtd": f'<!DOCTYPE Parameters SYSTEM "{url}x.dtd">'.encode()
        + fhir
        + b"</Parameters>",
        "parameter-entity": f'<!DOCTYPE p [<!ENTITY % x SYSTEM "{url}p"> %x;]>'.encode()
        + fhir
        + b"</Parameters>",
        "xinclude": fhir
        + f"<xi:include xmlns:xi='http://www.w3.org/2001/XInclude' href='{url}i'/>".encode()
        + b"</Parameters>",
    }


@pytest.mark.parametrize(
    "name",
    ["billion-laughs", "entity-file", "entity-url", "external-dtd", "parameter-entity", "xinclude"],
)
@pytest.mark.parametrize("path", ["/CodeSystem/$lookup", "/Claim/$validate", ""])
def test_hostile_xml_is_refused_quickly_and_fetches_nothing(
    server: RunningServer, listener: Listener, name: str, path: str
) -> None:
    body = hostile_bodies(listener.port)[name]
    started = time.monotonic()
    r = server.post(path, data=body, headers=SEND_XML)
    assert time.monotonic() - started < 2
    assert r.status_code == 400
    assert len(r.content) < 2000
    assert b"root:" not in r.content
    xml_error(r, 400)
    time.sleep(0.3)  # a fetch, had there been one, would have connected by now
    assert listener.connections == 0


def test_deep_xml_is_refused(server: RunningServer) -> None:
    depth = 100_000
    body = (
        b"<Parameters xmlns='http://hl7.org/fhir'>"
        + b"<parameter><part>" * depth
        + b"</part></parameter>" * depth
        + b"</Parameters>"
    )
    started = time.monotonic()
    issue = xml_error(server.post(LOOKUP, data=body, headers=SEND_XML), 400)
    assert time.monotonic() - started < 2
    assert "deep" in issue["details"]["text"]
    # Within the element bound, the Parameters' own bound on part nesting still applies.
    nested = (
        b"<parameter><name value='p'/><part><name value='q'/>" * 1 + b"<part><name value='x'/>" * 30
    )
    body = (
        b"<Parameters xmlns='http://hl7.org/fhir'>"
        + nested
        + b"</part>" * 31
        + b"</parameter></Parameters>"
    )
    issue = xml_error(server.post(LOOKUP, data=body, headers=SEND_XML), 400)
    assert "nested" in issue["details"]["text"]


lxml = pytest.importorskip("lxml")


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/metadata", None),
        ("/metadata", {"mode": "terminology"}),
        ("/ValueSet/$expand", {"url": INDICATIONS, "count": "5"}),
        ("/ValueSet/$validate-code", {"url": INDICATIONS, "system": CPT, "code": "71250"}),
        ("/ConceptMap", {"_count": "2"}),
    ],
)
def test_fhir_resources_reads_our_xml_answers(
    server: RunningServer, path: str, params: dict[str, str] | None
) -> None:
    from fhir.resources.R4B import get_fhir_model_class

    r = server.get(path, params=params, headers=ACCEPT_XML)
    body = xml_body(r)
    model = get_fhir_model_class(body["resourceType"]).model_validate_xml(r.content)
    assert model.get_resource_type() == body["resourceType"]
