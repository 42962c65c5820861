"""Delegation end to end over real HTTP: our server (A) delegates a code system it does not
hold to a second real instance of our server (B) that holds it, and a third system to a socket
that never answers."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from terminology.client import Coding, TerminologyClient
from terminology.uris import CPT
from tests.conftest import RunningServer, start_server, stop_server
from tests.fixtures import TOY, toy_code_system

SILENT = "http://example.org/fhir/CodeSystem/silent"


class Recorder:
    """A pass-through in front of the upstream server that records every request it forwards,
    query strings included (the server's access log has paths only)."""

    def __init__(self, target: str) -> None:
        self.seen: list[str] = []
        recorder = self

        class Forward(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                recorder.seen.append(self.path)
                reply = requests.get(target.rsplit("/fhir", 1)[0] + self.path, timeout=10)
                self.send_response(reply.status_code)
                self.send_header("Content-Type", reply.headers.get("Content-Type", ""))
                self.send_header("Content-Length", str(len(reply.content)))
                self.end_headers()
                self.wfile.write(reply.content)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Forward)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/fhir"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def servers(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[RunningServer, Recorder]]:
    tmp = tmp_path_factory.mktemp("delegation")
    content = tmp / "upstream-content"
    content.mkdir()
    (content / "CodeSystem-toy.json").write_text(
        json.dumps(toy_code_system("1", "2000-01-01", "2099-12-31"))
    )
    # A socket that accepts connections (the kernel's backlog) and never answers.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    upstream = start_server(tmp, env={"TERMINOLOGY_CONTENT_DIR": str(content)})
    recorder = Recorder(upstream.base)
    try:
        ours = start_server(
            tmp,
            env={
                "TERMINOLOGY_UPSTREAMS": f"{TOY}={recorder.base};"
                f"{SILENT}=http://127.0.0.1:{silent.getsockname()[1]}/fhir",
                "TERMINOLOGY_UPSTREAM_TIMEOUT": "1",
                "TERMINOLOGY_UPSTREAM_BREAKER_FAILURES": "2",
                "TERMINOLOGY_UPSTREAM_BREAKER_RESET": "60",
            },
        )
    except Exception:
        stop_server(upstream)
        recorder.close()
        raise
    yield ours, recorder
    stop_server(ours)
    recorder.close()
    stop_server(upstream)
    silent.close()


def test_a_system_we_do_not_hold_is_answered_by_the_upstream(servers) -> None:
    ours, upstream = servers
    with TerminologyClient(ours.base) as tx:
        found = tx.lookup(system=TOY, code="A1")
        assert found.display == "Cat"
        assert found.issues[-1].message_id == "chest-imaging:UPSTREAM_ANSWERED"
        assert upstream.base in (found.issues[-1].text or "")
        assert tx.validate_code(system=TOY, code="A2a").result is True
        assert tx.validate_code(system=TOY, code="ZZ").result is False
        assert [c.code for c in tx.expand(f"{TOY}?fhir_vs", filter="cat")] == ["A1"]
        # A value set of ours mixing our codes and the upstream's, answered per coding.
        mixed = {
            "resourceType": "ValueSet",
            "status": "active",
            "compose": {
                "include": [{"system": CPT, "concept": [{"code": "71250"}]}, {"system": TOY}]
            },
        }
        assert tx.validate_code(valueSet=mixed, coding=Coding(TOY, "B")).result is True
        assert tx.validate_code(valueSet=mixed, coding=Coding(TOY, "nope")).result is False
        assert tx.validate_code(valueSet=mixed, coding=Coding(CPT, "71250")).result is True
        assert tx.lookup(system=CPT, code="71250").display
    reply = ours.get(f"/CodeSystem/$lookup?system={TOY}&code=A1")
    assert reply.headers["X-Upstream"] == upstream.base
    assert "X-Upstream" not in ours.get(f"/CodeSystem/$lookup?system={CPT}&code=71250").headers
    # Only the delegated system's questions reached the upstream: never our codes or systems.
    seen = "\n".join(upstream.seen)
    assert "CodeSystem/$lookup?system=http%3A%2F%2Fexample.org%2Ffhir%2FCodeSystem%2Ftoy" in seen
    assert "ama-assn" not in seen and "71250" not in seen
    assert all("toy" in path for path in upstream.seen)


def test_a_silent_upstream_is_bounded_by_the_timeout_then_the_breaker(servers) -> None:
    ours, _ = servers
    for _ in range(2):
        started = time.monotonic()
        reply = ours.get(f"/CodeSystem/$lookup?system={SILENT}&code=x")
        took = time.monotonic() - started
        assert reply.status_code == 503 and "no answer within the timeout" in reply.text
        assert 0.9 <= took < 3
    # Open now: answered at once, without waiting for the timeout.
    started = time.monotonic()
    lookup = ours.get(f"/CodeSystem/$lookup?system={SILENT}&code=x")
    validate = ours.get(f"/CodeSystem/$validate-code?url={SILENT}&code=x")
    assert time.monotonic() - started < 0.5
    assert lookup.status_code == 503 and 50 <= int(lookup.headers["Retry-After"]) <= 60
    params = {p["name"]: p for p in validate.json()["parameter"]}
    assert validate.status_code == 200 and params["result"]["valueBoolean"] is False
    assert params["x-caused-by-unknown-system"]["valueCanonical"] == SILENT
    assert "circuit breaker open" in json.dumps(params["issues"])
    # The other upstream's breaker is its own.
    assert ours.get(f"/CodeSystem/$lookup?system={TOY}&code=B").status_code == 200
