"""Definitions a client sends that would once hold a worker for minutes or more: catastrophic
regexes, value sets that import one value set along exponentially many paths, and work past the
per-request budget. Each must be answered quickly, and the server must keep answering."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
import requests

from tests.conftest import RunningServer, start_server, stop_server
from tests.helpers import param, parameters, single_issue, tx_type

TOY = "http://example.org/fhir/CodeSystem/hostile"
CATASTROPHIC = "((a+)+)+$"
# A backtracking engine needs about 2^30 steps to reject this code against CATASTROPHIC.
VICTIM = "a" * 30 + "!"


def toy_code_system(*codes: str) -> dict[str, Any]:
    return {
        "resourceType": "CodeSystem",
        "url": TOY,
        "version": "1",
        "status": "active",
        "content": "complete",
        "concept": [{"code": c, "display": f"code {c}"} for c in codes],
    }


def regex_value_set(pattern: str) -> dict[str, Any]:
    return {
        "resourceType": "ValueSet",
        "url": "http://example.org/fhir/ValueSet/regex",
        "status": "active",
        "compose": {
            "include": [
                {
                    "system": TOY,
                    "filter": [{"property": "code", "op": "regex", "value": pattern}],
                }
            ]
        },
    }



def post(
    server: RunningServer, path: str, body: dict[str, Any], timeout: float = 10
) -> tuple[requests.Response, float]:
    started = time.monotonic()
    r = requests.post(f"{server.base}{path}", json=body, timeout=timeout)
    return r, time.monotonic() - started


def test_catastrophic_regex_expand_is_answered_at_once(server: RunningServer) -> None:
    body = parameters(
        {"name": "valueSet", "resource": regex_value_set(CATASTROPHIC)},
        {"name": "tx-resource", "resource": toy_code_system(VICTIM, "aaa")},
    )
    r, took = post(server, "/ValueSet/$expand", body)
    assert took < 2, took
    assert r.status_code == 200, r.text
    codes = [c["code"] for c in r.json()["expansion"].get("contains", [])]
    assert codes == ["aaa"]


def test_catastrophic_regex_validate_code_is_answered_at_once(server: RunningServer) -> None:
    body = parameters(
        {"name": "valueSet", "resource": regex_value_set(CATASTROPHIC)},
        {"name": "tx-resource", "resource": toy_code_system(VICTIM)},
        {"name": "coding", "valueCoding": {"system": TOY, "code": VICTIM}},
    )
    r, took = post(server, "/ValueSet/$validate-code", body)
    assert took < 2, took
    assert r.status_code == 200, r.text
    assert param(r.json(), "result") is False


def test_server_keeps_answering_while_hostile_requests_run(tmp_path: Any) -> None:
    running = start_server(tmp_path, env={"TERMINOLOGY_RESPONSE_CACHE_ENTRIES": "0"})
    try:
        body = parameters(
            {"name": "valueSet", "resource": regex_value_set(CATASTROPHIC)},
            {
                "name": "tx-resource",
                "resource": toy_code_system(*(VICTIM + str(i) for i in range(50))),
            },
        )
        errors: list[str] = []

        def attack() -> None:
            for _ in range(5):
                r, _took = post(running, "/ValueSet/$expand", body)
                if r.status_code != 200:
                    errors.append(r.text[:200])

        threads = [threading.Thread(target=attack) for _ in range(3)]
        for thread in threads:
            thread.start()
        started = time.monotonic()
        r = running.get("/CodeSystem/$lookup?system=http://www.ama-assn.org/go/cpt&code=71250")
        assert r.status_code == 200
        assert time.monotonic() - started < 2
        for thread in threads:
            thread.join(timeout=20)
        assert not errors
    finally:
        stop_server(running)


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        ("71[25", "not a valid regular expression"),
        (r"(7)\1", "back-reference or look-around"),
        ("(?=7)71250", "back-reference or look-around"),
        ("7" * 1001, "the limit is 1000"),
    ],
)
def test_unusable_regex_says_why(server: RunningServer, pattern: str, words: str) -> None:
    for path, extra in (
        ("/ValueSet/$expand", []),
        (
            "/ValueSet/$validate-code",
            [{"name": "coding", "valueCoding": {"system": TOY, "code": "71250"}}],
        ),
    ):
        body = parameters(
            {"name": "valueSet", "resource": regex_value_set(pattern)},
            {"name": "tx-resource", "resource": toy_code_system("71250")},
            *extra,
        )
        r, _took = post(server, path, body)
        assert r.status_code == 400, (path, r.text)
        issue = single_issue(r.json())
        assert words in issue["details"]["text"], issue
        assert "not understood" not in issue["details"]["text"]
        assert issue["expression"] == ["ValueSet.compose.include[0].filter[0]"]
        assert tx_type(issue) == "vs-invalid"
        # The pattern is quoted, shortened when long.
        assert len(issue["details"]["text"]) < 600


def diamond(depth: int, copies: int = 2) -> list[dict[str, Any]]:
    """Value sets d0 ... d<depth>, each importing the next ``copies`` times; the last includes
    CPT 71250. Naively, d0 reaches the last one along copies^depth paths."""
    base = "http://example.org/fhir/ValueSet/diamond"
    sets = []
    for i in range(depth):
        sets.append(
            {
                "resourceType": "ValueSet",
                "url": f"{base}{i}",
                "status": "active",
                "compose": {"include": [{"valueSet": [f"{base}{i + 1}"]}] * copies},
            }
        )
    sets.append(
        {
            "resourceType": "ValueSet",
            "url": f"{base}{depth}",
            "status": "active",
            "compose": {
                "include": [
                    {"system": "http://www.ama-assn.org/go/cpt", "concept": [{"code": "71250"}]}
                ]
            },
        }
    )
    return sets


@pytest.mark.parametrize(("depth", "copies"), [(24, 2), (20, 5)])
def test_diamond_imports_are_evaluated_once(server: RunningServer, depth: int, copies: int) -> None:
    resources = [{"name": "tx-resource", "resource": vs} for vs in diamond(depth, copies)]
    url = {"name": "url", "valueUri": "http://example.org/fhir/ValueSet/diamond0"}
    r, took = post(server, "/ValueSet/$expand", parameters(url, *resources))
    assert took < 2, took
    assert r.status_code == 200, r.text
    assert [c["code"] for c in r.json()["expansion"]["contains"]] == ["71250"]
    for code, expected in (("71250", True), ("71046", False)):
        coding = {
            "name": "coding",
            "valueCoding": {"system": "http://www.ama-assn.org/go/cpt", "code": code},
        }
        r, took = post(server, "/ValueSet/$validate-code", parameters(url, coding, *resources))
        assert took < 2, took
        assert r.status_code == 200, r.text
        assert param(r.json(), "result") is expected, r.text


def test_work_over_the_budget_is_too_costly(tmp_path: Any) -> None:
    running = start_server(tmp_path, env={"TERMINOLOGY_REQUEST_BUDGET": "500"})
    try:
        body = parameters(
            {"name": "valueSet", "resource": regex_value_set("a.*")},
            {"name": "tx-resource", "resource": toy_code_system(*(f"a{i}" for i in range(600)))},
        )
        r, took = post(running, "/ValueSet/$expand", body)
        assert took < 2
        assert r.status_code == 422, r.text
        issue = single_issue(r.json())
        assert issue["code"] == "too-costly"
        assert "budget of 500 steps" in issue["details"]["text"]
        # The worker is free again: the next request is answered.
        small = parameters(
            {"name": "valueSet", "resource": regex_value_set("a1.")},
            {"name": "tx-resource", "resource": toy_code_system(*(f"a{i}" for i in range(20)))},
        )
        r, _took = post(running, "/ValueSet/$expand", small)
        assert r.status_code == 200, r.text
        assert len(r.json()["expansion"]["contains"]) == 10
    finally:
        stop_server(running)
