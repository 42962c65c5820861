"""``CodeSystem/$subsumes`` over real HTTP against the built-in content."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from terminology.uris import CPT, HCPCS, HCPCS_HTTPS, ICD10CM
from tests.conftest import RunningServer
from tests.fixtures import TOY, toy_code_system
from tests.helpers import message_id, param, parameters, single_issue, tx_type

SUBSUMES = "/CodeSystem/$subsumes"


def get(server: RunningServer, path: str = SUBSUMES, **params: str) -> requests.Response:
    return server.get(path, params=params)


def post(server: RunningServer, *items: dict[str, Any], path: str = SUBSUMES) -> requests.Response:
    return server.post(path, json=parameters(*items))


def outcome(response: requests.Response) -> str:
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/fhir+json")
    body = response.json()
    assert body == {"resourceType": "Parameters", "parameter": [body["parameter"][0]]}
    value = param(body, "outcome")
    assert isinstance(value, str)
    return value


def error(response: requests.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return single_issue(response.json())


def coding(system: str | None, code: str, version: str | None = None) -> dict[str, str]:
    out = {"system": system, "code": code, "version": version}
    return {k: v for k, v in out.items() if v is not None}


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("J18.9", "J18.9", "equivalent"),
        ("J18", "J18.9", "subsumes"),
        ("J00-J99", "J18.9", "subsumes"),  # chapter above code
        ("J18.9", "J18", "subsumed-by"),
        ("J18", "J09-J18", "subsumed-by"),  # category under block
        ("J18.9", "I10", "not-subsumed"),
        ("J18.9", "J18.1", "not-subsumed"),
    ],
)
def test_each_outcome_by_get(server: RunningServer, a: str, b: str, expected: str) -> None:
    assert outcome(get(server, system=ICD10CM, codeA=a, codeB=b)) == expected


def test_codes_and_codings_by_post(server: RunningServer) -> None:
    codes = post(
        server,
        {"name": "system", "valueUri": ICD10CM},
        {"name": "codeA", "valueCode": "J09-J18"},
        {"name": "codeB", "valueCode": "J18.9"},
    )
    assert outcome(codes) == "subsumes"
    codings = post(
        server,
        {"name": "codingA", "valueCoding": coding(ICD10CM, "J18.9")},
        {"name": "codingB", "valueCoding": coding(ICD10CM, "J00-J99")},
    )
    assert outcome(codings) == "subsumed-by"
    form = server.post(SUBSUMES, data={"system": ICD10CM, "codeA": "J18.9", "codeB": "I10"})
    assert outcome(form) == "not-subsumed"


def test_cpt_is_flat(server: RunningServer) -> None:
    assert outcome(get(server, system=CPT, codeA="71250", codeB="71250")) == "equivalent"
    assert outcome(get(server, system=CPT, codeA="71250", codeB="71270")) == "not-subsumed"
    assert outcome(get(server, system=CPT, codeA="71250", codeB="71250:26")) == "not-subsumed"


def test_instance_level_uses_that_version(server: RunningServer) -> None:
    """I27.840 came into force with FY2026 (2025-10-01)."""
    newer = get(server, "/CodeSystem/icd10cm-2026/$subsumes", codeA="I27", codeB="I27.840")
    assert outcome(newer) == "subsumes"
    older = get(server, "/CodeSystem/icd10cm-2025/$subsumes", codeA="I27", codeB="I27.840")
    issue = error(older, 404)
    assert tx_type(issue) == "invalid-code"
    assert "2025-10-01" in issue["details"]["text"]
    by_post = post(
        server,
        {"name": "codingA", "valueCoding": coding(CPT, "71010")},
        {"name": "codingB", "valueCoding": coding(CPT, "71010")},
        path="/CodeSystem/cpt-2017/$subsumes",
    )
    assert outcome(by_post) == "equivalent"
    # 71010 was deleted in 2018: not a code of the latest version.
    assert get(server, system=CPT, codeA="71010", codeB="71010").status_code == 404


def test_instance_level_refuses_another_system(server: RunningServer) -> None:
    issue = error(
        get(server, "/CodeSystem/cpt-2026/$subsumes", system=ICD10CM, codeA="J18", codeB="J18"),
        400,
    )
    assert message_id(issue) == "chest-imaging:LOOKUP_CONFLICT"  # as $lookup says it
    assert f"'{ICD10CM}' vs '{CPT}'" in issue["details"]["text"]
    mismatch = post(
        server,
        {"name": "codingA", "valueCoding": coding(ICD10CM, "J18")},
        {"name": "codingB", "valueCoding": coding(ICD10CM, "J18")},
        path="/CodeSystem/cpt-2026/$subsumes",
    )
    assert error(mismatch, 400)["expression"] == ["codingA.system"]
    unknown = get(server, "/CodeSystem/nope/$subsumes", codeA="J18", codeB="J18")
    assert error(unknown, 404)["code"] == "not-found"


def test_version_choice(server: RunningServer) -> None:
    params = {"system": ICD10CM, "codeA": "I27", "codeB": "I27.840"}
    assert outcome(get(server, **params, version="2026")) == "subsumes"
    assert outcome(get(server, **params, date="2026-01-15")) == "subsumes"
    assert outcome(get(server, **params)) == "subsumes"  # the latest
    for older in ({"version": "2025"}, {"date": "2025-01-15"}):
        assert get(server, **params, **older).status_code == 404
    unknown = error(get(server, **params, version="1999"), 404)
    assert tx_type(unknown) == "not-found"
    assert message_id(unknown) == "UNKNOWN_CODESYSTEM_VERSION"
    # A version in each Coding: both the same, else the request is contradictory.
    pinned = post(
        server,
        {"name": "codingA", "valueCoding": coding(ICD10CM, "I27", "2026")},
        {"name": "codingB", "valueCoding": coding(ICD10CM, "I27.840", "2026")},
    )
    assert outcome(pinned) == "subsumes"
    torn = post(
        server,
        {"name": "codingA", "valueCoding": coding(ICD10CM, "I27", "2025")},
        {"name": "codingB", "valueCoding": coding(ICD10CM, "I27.840", "2026")},
    )
    assert message_id(error(torn, 400)) == "SUBSUMPTION_VERSION_MISMATCH"


def test_an_unknown_code_is_a_404(server: RunningServer) -> None:
    issue = error(get(server, system=ICD10CM, codeA="J18.9", codeB="J18.99"), 404)
    assert issue["severity"] == "error"
    assert issue["code"] == "code-invalid"
    assert tx_type(issue) == "invalid-code"
    assert message_id(issue) == "Unknown_Code_in_Version"
    assert issue["expression"] == ["codeB"]
    assert issue["details"]["text"] == (
        f"Unknown code 'J18.99' in the CodeSystem '{ICD10CM}' version '2026'"
    )
    by_coding = post(
        server,
        {"name": "codingA", "valueCoding": coding(ICD10CM, "nope")},
        {"name": "codingB", "valueCoding": coding(ICD10CM, "J18")},
    )
    assert error(by_coding, 404)["expression"] == ["codingA.code"]


def test_an_unknown_system_is_a_404(server: RunningServer) -> None:
    issue = error(get(server, system="http://example.org/nope", codeA="a", codeB="b"), 404)
    assert tx_type(issue) == "not-found"
    assert message_id(issue) == "UNKNOWN_CODESYSTEM"


def test_codings_of_another_system_are_a_400(server: RunningServer) -> None:
    two_systems = post(
        server,
        {"name": "codingA", "valueCoding": coding(ICD10CM, "J18")},
        {"name": "codingB", "valueCoding": coding(CPT, "71250")},
    )
    issue = error(two_systems, 400)
    assert (issue["code"], tx_type(issue)) == ("invalid", "invalid-data")
    assert message_id(issue) == "SUBSUMPTION_SYSTEM_MISMATCH"
    assert issue["expression"] == ["codingB.system"]
    not_the_system = post(
        server,
        {"name": "system", "valueUri": CPT},
        {"name": "codingA", "valueCoding": coding(CPT, "71250")},
        {"name": "codingB", "valueCoding": coding(ICD10CM, "J18")},
    )
    assert error(not_the_system, 400)["expression"] == ["codingB.system"]
    # Another spelling of the same system is that system.
    aliased = post(
        server,
        {"name": "system", "valueUri": HCPCS},
        {"name": "codingA", "valueCoding": coding(HCPCS_HTTPS, "G0296")},
        {"name": "codingB", "valueCoding": coding(HCPCS, "G0296")},
    )
    assert outcome(aliased) == "equivalent"


@pytest.mark.parametrize(
    ("params", "expression", "expected_id"),
    [
        ({"codeA": "J18", "codeB": "J18.9"}, "system", "SUBSUMES_SYSTEM_REQUIRED"),
        ({"system": ICD10CM, "codeA": "J18"}, "codeB", "chest-imaging:SUBSUMES_NO_CODE"),
        ({"system": ICD10CM, "codeB": "J18"}, "codeA", "chest-imaging:SUBSUMES_NO_CODE"),
    ],
)
def test_missing_input_is_a_400(
    server: RunningServer, params: dict[str, str], expression: str, expected_id: str
) -> None:
    issue = error(get(server, **params), 400)
    assert issue["expression"] == [expression]
    assert message_id(issue) == expected_id


def test_a_coding_without_a_system_and_two_forms_of_one_side_are_400s(
    server: RunningServer,
) -> None:
    no_system = post(
        server,
        {"name": "codingA", "valueCoding": {"code": "J18"}},
        {"name": "codingB", "valueCoding": coding(ICD10CM, "J18")},
    )
    issue = error(no_system, 400)
    assert (tx_type(issue), message_id(issue)) == ("invalid-data", "SUBSUMES_SYSTEM_REQUIRED")
    both = post(
        server,
        {"name": "system", "valueUri": ICD10CM},
        {"name": "codeA", "valueCode": "J18"},
        {"name": "codingA", "valueCoding": coding(ICD10CM, "J18")},
        {"name": "codeB", "valueCode": "J18"},
    )
    assert message_id(error(both, 400)) == "chest-imaging:SUBSUMES_TWO_FORMS"


def test_tx_resource_code_systems(server: RunningServer) -> None:
    insensitive = {**toy_code_system("7", "2020-01-01", "2020-12-31"), "caseSensitive": False}

    def ask(a: str, b: str, resource: dict[str, Any]) -> requests.Response:
        return post(
            server,
            {"name": "system", "valueUri": TOY},
            {"name": "codeA", "valueCode": a},
            {"name": "codeB", "valueCode": b},
            {"name": "tx-resource", "resource": resource},
        )

    assert outcome(ask("a2", "A2", insensitive)) == "equivalent"
    assert outcome(ask("A", "b", insensitive)) == "subsumes"  # B's parent property
    grouped = {**insensitive, "hierarchyMeaning": "grouped-by"}
    issue = error(ask("A", "A2", grouped), 422)
    assert tx_type(issue) == "cannot-determine"


def test_a_repeated_question_gets_the_same_answer(server: RunningServer) -> None:
    first = get(server, system=ICD10CM, codeA="J18", codeB="J18.9")
    again = get(server, system=ICD10CM, codeA="J18", codeB="J18.9")
    assert first.content == again.content
    assert outcome(again) == "subsumes"


def test_subsumes_in_a_batch(server: RunningServer) -> None:
    entries = [
        {"request": {"method": "GET", "url": f"CodeSystem/$subsumes?system={ICD10CM}&{q}"}}
        for q in ("codeA=J18&codeB=J18.9", "codeA=J18&codeB=J18.99")
    ]
    bundle = {"resourceType": "Bundle", "type": "batch", "entry": entries}
    r = server.post("", json=bundle, headers={"Content-Type": "application/fhir+json"})
    assert r.status_code == 200, r.text
    first, second = r.json()["entry"]
    assert first["response"]["status"] == "200 OK"
    assert first["resource"]["parameter"] == [{"name": "outcome", "valueCode": "subsumes"}]
    assert second["response"]["status"] == "404 Not Found"
    assert tx_type(second["response"]["outcome"]["issue"][0]) == "invalid-code"
