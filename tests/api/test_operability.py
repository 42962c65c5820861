"""Operability over real connections: /healthz, /readyz, X-Request-Id, JSON access lines and
/metrics, against a server of its own with 2 workers and access logging on."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from terminology.api import metrics, request_id
from terminology.app import create_app
from terminology.config import Settings
from terminology.logs import JsonFormatter
from terminology.uris import CPT, ICD10CM
from tests.conftest import CONTENT_DIR, RunningServer, start_server, stop_server

HEX32 = re.compile(r"[0-9a-f]{32}")
#: Someone's name, in a claim's contained Patient: it must never reach the log.
PATIENT_NAME = "Zebulon Quackenbush-Okonkwo"
CLAIM_TYPE = "http://terminology.hl7.org/CodeSystem/claim-type"


@pytest.fixture(scope="module")
def ops_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(
        tmp_path_factory.mktemp("ops"),
        "--workers",
        "2",
        env={"TERMINOLOGY_ACCESS_LOG": "1", "TERMINOLOGY_MAX_BODY_BYTES": "65536"},
    )
    yield running
    stop_server(running)


def root(server: RunningServer) -> str:
    return server.base.removesuffix("/fhir")


def access_lines(server: RunningServer) -> list[dict[str, Any]]:
    lines = []
    for line in server.log().splitlines():
        if line.startswith("{") and '"terminology.access"' in line:
            lines.append(json.loads(line))
    return lines


def line_of(server: RunningServer, rid: str) -> dict[str, Any]:
    found = [line for line in access_lines(server) if line["request_id"] == rid]
    assert len(found) == 1, f"{len(found)} access lines for {rid}"
    return found[0]


def diagnostics(outcome: dict[str, Any]) -> list[str]:
    return [issue.get("diagnostics", "") for issue in outcome["issue"]]


# -- health ------------------------------------------------------------------------------------


def test_healthz_and_readyz_are_plain_json_at_the_root(ops_server: RunningServer) -> None:
    alive = requests.get(f"{root(ops_server)}/healthz", headers={"Accept": "text/plain"}, timeout=5)
    assert alive.status_code == 200
    assert alive.headers["Content-Type"] == "application/json"
    assert alive.json() == {"status": "ok"}
    ready = requests.get(f"{root(ops_server)}/readyz", timeout=5)
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ready"
    assert body["generation"] >= 1 and body["store_generation"] == body["generation"]
    assert body["store"].endswith(".sqlite")
    assert requests.head(f"{root(ops_server)}/readyz", timeout=5).status_code == 200
    refused = requests.post(f"{root(ops_server)}/healthz", timeout=5)
    assert refused.status_code == 405 and refused.headers["Allow"] == "GET, HEAD"
    # Probes are not access-logged.
    assert not [line for line in access_lines(ops_server) if line["path"].endswith("z")]


# -- request ids -------------------------------------------------------------------------------


def test_a_sane_request_id_is_echoed_and_quoted_by_an_error(ops_server: RunningServer) -> None:
    rid = "txTests:suite/case-1.2_x"
    params = {"system": CPT, "code": "99999"}
    r = ops_server.get("/CodeSystem/$lookup", params=params, headers={"X-Request-Id": rid})
    assert r.status_code == 404
    assert r.headers["X-Request-Id"] == rid
    assert diagnostics(r.json()) == [f"request-id: {rid}"]


@pytest.mark.parametrize(
    "sent",
    ["has space", 'quote"d', "x" * 129, "semi;colon", "é"],
)
def test_an_insane_request_id_is_replaced(ops_server: RunningServer, sent: str) -> None:
    r = ops_server.get("/nowhere", headers={"X-Request-Id": sent.encode()})
    assert r.status_code == 404
    rid = r.headers["X-Request-Id"]
    assert HEX32.fullmatch(rid)
    assert diagnostics(r.json()) == [f"request-id: {rid}"]


def test_every_reply_has_a_request_id(ops_server: RunningServer) -> None:
    replies = {
        "ok": ops_server.get("/metadata"),
        "unknown route": ops_server.get("/NoSuchType/x/y"),
        "405": ops_server.post("/metadata"),
        "414": ops_server.get("/metadata", params={"x": "a" * 40_000}),
        "431": ops_server.get("/metadata", headers={"X-Big": "b" * 20_000}),
        "413": ops_server.post(
            "/CodeSystem/$lookup",
            data=b"{" + b" " * 70_000 + b"}",
            headers={"Content-Type": "application/fhir+json"},
        ),
        "xml error": ops_server.get("/nowhere", params={"_format": "xml"}),
    }
    for name, reply in replies.items():
        rid = reply.headers.get("X-Request-Id")
        assert rid and HEX32.fullmatch(rid), name
        if reply.status_code >= 400:
            assert f"request-id: {rid}".encode() in reply.content, name
    assert replies["414"].status_code == 414 and replies["431"].status_code == 431
    assert replies["413"].status_code == 413


def test_batch_entries_quote_the_batch_request_id(ops_server: RunningServer) -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "batch",
        "entry": [
            {"request": {"method": "GET", "url": "CodeSystem/$lookup?system=urn:x&code=1"}},
            {"request": {"method": "GET", "url": "metadata"}},
        ],
    }
    r = ops_server.post("/", json=bundle, headers={"X-Request-Id": "batch-7"})
    assert r.status_code == 200
    failed = r.json()["entry"][0]["response"]["outcome"]
    assert diagnostics(failed) == ["request-id: batch-7"]
    # One access line for the batch, none for its entries.
    assert line_of(ops_server, "batch-7")["route"] == "/fhir/"


# -- access log --------------------------------------------------------------------------------


def test_one_json_access_line_per_request_and_never_the_body(ops_server: RunningServer) -> None:
    claim = {
        "resourceType": "Claim",
        "status": "active",
        "type": {"coding": [{"system": CLAIM_TYPE, "code": "professional"}]},
        "use": "claim",
        "contained": [
            {
                "resourceType": "Patient",
                "id": "p",
                "name": [{"text": PATIENT_NAME}],
                "birthDate": "1955-02-03",
            }
        ],
        "patient": {"reference": "#p"},
        "created": "2026-03-02",
        "provider": {"display": "Radiology group"},
        "priority": {"coding": [{"code": "normal"}]},
        "insurance": [{"sequence": 1, "focal": True, "coverage": {"display": "x"}}],
        "diagnosis": [
            {
                "sequence": 1,
                "diagnosisCodeableConcept": {"coding": [{"system": ICD10CM, "code": "R05.1"}]},
            }
        ],
        "item": [
            {
                "sequence": 1,
                "diagnosisSequence": [1],
                "productOrService": {"coding": [{"system": CPT, "code": "71046"}]},
                "servicedDate": "2026-03-02",
            }
        ],
    }
    rid = "claim-log-1"
    r = ops_server.post("/Claim/$validate", json=claim, headers={"X-Request-Id": rid})
    assert r.status_code == 200, r.text
    code_query = {"system": CPT, "code": "71250", "display": PATIENT_NAME}
    q = ops_server.get(
        "/CodeSystem/$validate-code", params=code_query, headers={"X-Request-Id": "q-1"}
    )
    assert q.status_code == 200
    line = line_of(ops_server, rid)
    assert line["method"] == "POST"
    assert line["route"] == "/fhir/Claim/$validate"
    assert line["path"] == "/fhir/Claim/$validate"
    assert line["status"] == 200
    assert line["bytes_out"] == len(r.content)
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] > 0
    assert line["generation"] >= 1 and line["pid"] > 0 and line["level"] == "info"
    assert line["time"].endswith("+00:00")
    query_line = line_of(ops_server, "q-1")
    assert query_line["path"] == "/fhir/CodeSystem/$validate-code"  # no query string
    log = ops_server.log()
    assert PATIENT_NAME not in log
    assert "Quackenbush" not in log and "1955-02-03" not in log


# -- metrics -----------------------------------------------------------------------------------


def sample(text: str, name: str, **labels: str) -> float | None:
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        series, _, value = line.rpartition(" ")
        head, _, rest = series.partition("{")
        if head != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', rest))
        if found == labels:
            return float(value)
    return None


def test_metrics_add_up_both_workers(ops_server: RunningServer) -> None:
    pairs = {"system": ICD10CM, "codeA": "J18", "codeB": "J18.9"}
    rids = [f"sub-{n}" for n in range(40)]
    for rid in rids:
        # A new connection each time: the kernel spreads connections over the two workers.
        r = requests.get(
            f"{ops_server.base}/CodeSystem/$subsumes",
            params=pairs,
            headers={"X-Request-Id": rid, "Connection": "close"},
            timeout=10,
        )
        assert r.status_code == 200
    pids = {line_of(ops_server, rid)["pid"] for rid in rids}
    assert len(pids) == 2, "every request went to one worker"
    for _ in range(4):  # each scrape lands on either worker; each sees both workers' counts
        scrape = requests.get(f"{root(ops_server)}/metrics", headers={"Connection": "close"})
        assert scrape.status_code == 200
        assert scrape.headers["Content-Type"].startswith("text/plain")
        text = scrape.text
        assert sample(text, "terminology_requests_total", operation="subsumes", status="200") == 40
        count = sample(text, "terminology_request_duration_seconds_count", operation="subsumes")
        assert count == 40
        generation = requests.get(f"{root(ops_server)}/readyz").json()["generation"]
        assert sample(text, "terminology_content_generation") == generation
        loads = sample(text, "terminology_content_loads_total", result="ok")
        assert loads is not None and loads >= 2  # each worker built its snapshot
        hits = sample(text, "terminology_response_cache_total", result="hit")
        misses = sample(text, "terminology_response_cache_total", result="miss")
        assert hits is not None and misses is not None and hits + misses >= 40
    # Paths never become labels: an unknown route is "other".
    ops_server.get("/CodeSystem/some-id-that-is-no-label/$nothing")
    text = requests.get(f"{root(ops_server)}/metrics").text
    assert "some-id-that-is-no-label" not in text
    assert sample(text, "terminology_requests_total", operation="other", status="404")


# -- units -------------------------------------------------------------------------------------


def test_every_fhir_endpoint_has_an_operation_label() -> None:
    app = create_app(Settings(content_dir=CONTENT_DIR))
    for rule in app.url_map.iter_rules():
        assert metrics.operation_of(rule.endpoint) != metrics.OTHER, rule.rule
    assert metrics.operation_of(None) == metrics.OTHER


def test_request_id_rules() -> None:
    assert request_id.accept_or_generate("abc-DEF_1.2:3/4@5+6=7~8") == "abc-DEF_1.2:3/4@5+6=7~8"
    assert request_id.accept_or_generate("a" * 128) == "a" * 128
    for insane in (None, "", "a" * 129, "a b", "a\nb", "ä", "<script>"):
        assert HEX32.fullmatch(request_id.accept_or_generate(insane))


def test_the_json_formatter_writes_one_line_with_fields_and_traceback() -> None:
    import logging

    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.LogRecord("t", logging.ERROR, __file__, 1, "m %s", ("x",), sys.exc_info())
    record.fields = {"status": 500}
    line = JsonFormatter().format(record)
    assert "\n" not in line
    parsed = json.loads(line)
    assert parsed["message"] == "m x" and parsed["status"] == 500 and parsed["level"] == "error"
    assert "ValueError: boom" in parsed["exception"]


def test_an_unreadable_log_format_is_refused(tmp_path: Path) -> None:
    from terminology.logs import log_format

    assert log_format({"TERMINOLOGY_LOG_FORMAT": "JSON"}) == "json"
    assert log_format({}) == "text"
    with pytest.raises(ValueError):
        log_format({"TERMINOLOGY_LOG_FORMAT": "xml"})


def test_a_get_with_a_body_leaves_the_kept_alive_connection_usable(
    ops_server: RunningServer,
) -> None:
    """The body of a GET no view reads is drained: left unread, granian cut a large reply or
    dropped the connection in about one exchange in ten (found by the fuzz campaign)."""
    session = requests.Session()
    body = b'[false, [-1.15e+16, "x", {"a": -2.95e+16}], [false, null]]'
    for _ in range(60):
        r = session.get(f"{ops_server.base}/CodeSystem", data=body, timeout=10)
        assert r.status_code == 200 and len(r.content) > 100_000
        assert session.get(f"{ops_server.base}/metadata", timeout=10).status_code == 200


def test_generated_ids_differ_in_a_forked_worker() -> None:
    """granian forks its workers: a child must not repeat its parent's ids."""
    parent = [request_id.accept_or_generate(None) for _ in range(3)]
    assert len(set(parent)) == 3
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: send one id and leave at once
        os.write(write, request_id.accept_or_generate(None).encode())
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    child = os.read(read, 64).decode()
    os.close(read)
    assert HEX32.fullmatch(child)
    assert child[:16] != parent[0][:16]
    assert child not in parent
