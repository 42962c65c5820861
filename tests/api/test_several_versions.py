"""Value sets that include one code system in several versions, and value sets pinned (directly
or through ``default-valueset-version``) to a version that does not exist."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import RunningServer
from tests.helpers import param, parameters

SYSTEM = "http://example.org/fhir/CodeSystem/versions"
VS_URL = "http://example.org/fhir/ValueSet/versions"
LIB_URL = "http://example.org/fhir/ValueSet/versions-library"


def code_system(version: str, *codes: str) -> dict[str, Any]:
    return {
        "resourceType": "CodeSystem",
        "url": SYSTEM,
        "version": version,
        "status": "active",
        "content": "complete",
        "concept": [{"code": c, "display": f"{c} in {version}"} for c in codes],
    }


def value_set(url: str, *include: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "ValueSet",
        "url": url,
        "version": "1",
        "status": "active",
        "compose": {"include": list(include)},
    }


BOTH = value_set(VS_URL, {"system": SYSTEM, "version": "1"}, {"system": SYSTEM, "version": "2"})


def validate(server: RunningServer, vs: dict[str, Any], coding: dict[str, Any], *extra: Any) -> Any:
    body = parameters(
        {"name": "url", "valueUri": VS_URL},
        {"name": "coding", "valueCoding": coding},
        {"name": "tx-resource", "resource": code_system("1", "a", "b")},
        {"name": "tx-resource", "resource": code_system("2", "b", "c")},
        {"name": "tx-resource", "resource": vs},
        *extra,
    )
    response = server.post(
        "/ValueSet/$validate-code", json=body, headers={"Content-Type": "application/fhir+json"}
    )
    assert response.status_code == 200, response.text
    return response.json()


def issue_texts(answer: Any) -> list[str]:
    outcome = param(answer, "issues")
    return [i["details"]["text"] for i in outcome["issue"]] if outcome else []


@pytest.mark.parametrize(
    ("code", "version", "display"),
    [("a", "1", "a in 1"), ("b", "2", "b in 2"), ("c", "2", "c in 2")],
)
def test_a_code_of_any_included_version_is_a_member_of_that_version(
    server: RunningServer, code: str, version: str, display: str
) -> None:
    answer = validate(server, BOTH, {"system": SYSTEM, "code": code})
    assert param(answer, "result") is True, answer
    assert param(answer, "version") == version
    assert param(answer, "display") == display
    assert issue_texts(answer) == []


def test_a_code_of_the_other_version_says_which_version_has_it(server: RunningServer) -> None:
    answer = validate(server, BOTH, {"system": SYSTEM, "version": "2", "code": "a"})
    assert param(answer, "result") is False
    assert param(answer, "version") == "2"
    assert issue_texts(answer)[0] == (
        f"Unknown code 'a' in the CodeSystem '{SYSTEM}' version '2'; the code is defined in "
        "version 1"
    )


def test_a_code_in_no_version_is_unknown_once(server: RunningServer) -> None:
    answer = validate(server, BOTH, {"system": SYSTEM, "code": "z"})
    assert param(answer, "result") is False
    unknown = [t for t in issue_texts(answer) if t.startswith("Unknown code 'z'")]
    assert unknown == [f"Unknown code 'z' in the CodeSystem '{SYSTEM}' version '2'"]


def test_an_include_pinned_to_a_missing_version_names_it(server: RunningServer) -> None:
    pinned = value_set(VS_URL, {"system": SYSTEM, "version": "9"})
    answer = validate(server, pinned, {"system": SYSTEM, "code": "a"})
    assert param(answer, "result") is False
    assert issue_texts(answer) == [
        f"A definition for CodeSystem '{SYSTEM}' version '9' could not be found, so the code "
        "cannot be validated. Valid versions: 1 or 2"
    ]


def test_an_import_pinned_by_default_valueset_version_names_the_version(
    server: RunningServer,
) -> None:
    importing = value_set(VS_URL, {"valueSet": [LIB_URL]})
    library = value_set(LIB_URL, {"system": SYSTEM})
    answer = validate(
        server,
        importing,
        {"system": SYSTEM, "code": "a"},
        {"name": "tx-resource", "resource": library},
        {"name": "default-valueset-version", "valueCanonical": f"{LIB_URL}|7"},
    )
    assert param(answer, "result") is False
    assert issue_texts(answer) == [
        f"A definition for the value Set '{LIB_URL}|7' could not be found"
    ]
    expand = server.post(
        "/ValueSet/$expand",
        json=parameters(
            {"name": "url", "valueUri": VS_URL},
            {"name": "tx-resource", "resource": code_system("1", "a")},
            {"name": "tx-resource", "resource": importing},
            {"name": "tx-resource", "resource": library},
            {"name": "default-valueset-version", "valueCanonical": f"{LIB_URL}|7"},
        ),
        headers={"Content-Type": "application/fhir+json"},
    )
    assert expand.status_code == 404
    assert f"'{LIB_URL}|7'" in expand.json()["issue"][0]["details"]["text"]
