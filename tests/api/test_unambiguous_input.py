"""Input a real client sends by mistake, or an attacker on purpose: huge values, a parameter given
twice, another spelling of a system, dates outside the loaded versions. Each answer must be
small, unambiguous and true."""

from __future__ import annotations

import http.client
from typing import Any

import pytest

from terminology.uris import CPT, HCPCS, HCPCS_HTTPS, ICD10CM, PROJECT_BASE
from tests.conftest import RunningServer
from tests.helpers import issue_summary, issues, param, parameters, single_issue

PROCEDURES = f"{PROJECT_BASE}/ValueSet/chest-imaging-procedures"
SCREENING = f"{PROJECT_BASE}/ValueSet/lung-cancer-screening-ldct"


def post(server: RunningServer, path: str, *items: dict[str, Any]) -> Any:
    return server.post(path, json=parameters(*items))


@pytest.mark.parametrize("path", ["/CodeSystem/$validate-code", "/ValueSet/$validate-code"])
def test_a_huge_display_is_not_echoed(server: RunningServer, path: str) -> None:
    display = "x" * 100_000
    target = (
        {"name": "url", "valueUri": PROCEDURES}
        if path.startswith("/ValueSet")
        else {"name": "url", "valueUri": CPT}
    )
    r = post(
        server,
        path,
        target,
        {"name": "coding", "valueCoding": {"system": CPT, "code": "71250", "display": display}},
    )
    assert r.status_code == 200, r.text[:500]
    assert len(r.content) < 5_000, len(r.content)
    body = r.json()
    assert "(100,000 characters)" in param(body, "message")
    assert all(len(i["details"]["text"]) < 1_000 for i in issues(body))


def test_a_huge_code_system_url_is_not_echoed(server: RunningServer) -> None:
    system = "http://example.org/" + "s" * 50_000
    r = post(
        server,
        "/CodeSystem/$lookup",
        {"name": "system", "valueUri": system},
        {"name": "code", "valueCode": "1"},
    )
    assert r.status_code == 404
    assert len(r.content) < 2_000
    assert "(50,019 characters)" in single_issue(r.json())["details"]["text"]


@pytest.mark.parametrize(
    ("query", "name"),
    [
        (f"system={CPT}&system={HCPCS}&code=71250", "system"),
        (f"system={CPT}&code=71250&code=71046", "code"),
        (f"url={PROCEDURES}&url={PROCEDURES}-2&system={CPT}&code=71250", "url"),
        (f"system={CPT}&code=71250&date=2024-01-01&date=2025-01-01", "date"),
    ],
)
def test_a_single_parameter_given_twice_differently_is_a_400(
    server: RunningServer, query: str, name: str
) -> None:
    op = "/ValueSet/$validate-code" if "url=" in query else "/CodeSystem/$lookup"
    r = server.get(f"{op}?{query}")
    assert r.status_code == 400, r.text
    issue = single_issue(r.json())
    assert f"'{name}' may be given once" in issue["details"]["text"]
    assert issue["expression"] == [name]


def test_the_same_value_twice_is_accepted(server: RunningServer) -> None:
    r = server.get(f"/CodeSystem/$lookup?system={CPT}&system={CPT}&code=71250")
    assert r.status_code == 200, r.text


def test_query_and_body_disagreeing_is_a_400(server: RunningServer) -> None:
    r = server.post(
        "/CodeSystem/$lookup?code=71046",
        json={
            "resourceType": "Parameters",
            "parameter": [
                {"name": "system", "valueUri": CPT},
                {"name": "code", "valueCode": "71250"},
            ],
        },
    )
    assert r.status_code == 400, r.text


@pytest.mark.parametrize("system", [HCPCS, HCPCS_HTTPS])
def test_hcpcs_answers_the_same_under_both_spellings(server: RunningServer, system: str) -> None:
    r = server.get("/CodeSystem/$validate-code", params={"url": system, "code": "G0296"})
    assert r.status_code == 200
    body = r.json()
    assert param(body, "result") is True, body
    assert param(body, "system") == HCPCS
    r = server.get("/CodeSystem/$validate-code", params={"system": system, "code": "G0296"})
    assert param(r.json(), "result") is True
    r = server.get("/CodeSystem/$lookup", params={"system": system, "code": "G0296"})
    assert r.status_code == 200
    r = server.get(
        "/ValueSet/$validate-code",
        params={"url": SCREENING, "system": system, "code": "G0297", "date": "2020-06-01"},
    )
    assert param(r.json(), "result") is True


@pytest.mark.parametrize("path", ["/CodeSystem/$validate-code", "/ValueSet/$validate-code"])
def test_a_date_after_the_newest_version_answers_from_it_with_a_warning(
    server: RunningServer, path: str
) -> None:
    params = {"system": ICD10CM, "code": "J18.9", "date": "2026-12-01"}
    params["url"] = (
        f"{PROJECT_BASE}/ValueSet/chest-imaging-indications" if "ValueSet" in path else ICD10CM
    )
    r = server.get(path, params=params)
    assert r.status_code == 200, r.text
    body = r.json()
    assert param(body, "result") is True, body
    assert param(body, "version") == "2026"
    warning = next(i for i in issues(body) if i["severity"] == "warning")
    text = warning["details"]["text"]
    assert (
        "No version of CodeSystem 'http://hl7.org/fhir/sid/icd-10-cm' in force on 2026-12-01"
        in text
    )
    assert "2026-09-30" in text
    assert "could not be found" not in (param(body, "message") or "")
    assert param(body, "x-caused-by-unknown-system") is None


def test_a_date_before_the_oldest_version_is_false_and_says_why(server: RunningServer) -> None:
    r = server.get(
        "/CodeSystem/$validate-code", params={"url": CPT, "code": "71250", "date": "2016-05-01"}
    )
    body = r.json()
    assert param(body, "result") is False
    assert issue_summary(body) == {("error", "not-found", "system")}
    text = param(body, "message")
    assert "is known, but no version of it in force on 2016-05-01 is loaded" in text
    assert "2017 (2017-01-01 to 2017-12-31)" in text
    assert param(body, "x-caused-by-unknown-system") is None
    assert param(body, "x-unknown-system") is None


def test_lookup_after_the_newest_version_answers_and_before_the_oldest_is_404(
    server: RunningServer,
) -> None:
    r = server.get(
        "/CodeSystem/$lookup", params={"system": ICD10CM, "code": "J18.9", "date": "2027-01-15"}
    )
    assert r.status_code == 200, r.text
    assert param(r.json(), "version") == "2026"
    r = server.get(
        "/CodeSystem/$lookup", params={"system": CPT, "code": "71250", "date": "2010-01-01"}
    )
    assert r.status_code == 404
    assert "2017 (2017-01-01 to 2017-12-31)" in single_issue(r.json())["details"]["text"]


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("POST", "/ValueSet/$validate-code", {"Accept": "text/html"}),
        ("PATCH", "/CodeSystem/$lookup", {}),
        ("POST", "/CodeSystem/$lookup", {"Content-Type": "text/plain"}),
    ],
)
def test_an_error_before_the_body_is_read_keeps_the_connection_usable(
    server: RunningServer, method: str, path: str, headers: dict[str, str]
) -> None:
    """The unread body of a refused request must not be taken for the next request on the same
    keep-alive connection (the fuzz campaign saw such connections fail)."""
    host, port = server.base.split("//")[1].split("/")[0].split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        body = b'{"resourceType": "Parameters", "parameter": []}' * 40_000
        connection.request(
            method,
            f"/fhir{path}",
            body=body,
            headers={"Content-Type": "application/fhir+json", **headers},
        )
        first = connection.getresponse()
        first.read()
        assert first.status >= 400
        connection.request("GET", "/fhir/metadata")
        second = connection.getresponse()
        assert second.status == 200
        assert second.read().startswith(b'{"resourceType":"CapabilityStatement"')
    finally:
        connection.close()


def test_expand_after_the_newest_version_uses_it_and_before_the_oldest_is_404(
    server: RunningServer,
) -> None:
    url = f"{PROJECT_BASE}/ValueSet/chest-imaging-indications"
    r = server.get("/ValueSet/$expand", params={"url": url, "date": "2026-12-01"})
    assert r.status_code == 200, r.text
    codes = {c["code"] for c in r.json()["expansion"]["contains"]}
    assert "J18.9" in codes
    r = server.get(
        "/ValueSet/$expand",
        params={"url": f"{PROJECT_BASE}/ValueSet/chest-ct-procedures", "date": "2016-05-01"},
    )
    assert r.status_code == 404, r.text
    assert "2016-05-01" in single_issue(r.json())["details"]["text"]
