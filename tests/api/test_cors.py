"""CORS for browser apps: simple requests and preflights, with any origin and with a list."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from terminology.config import Settings
from terminology.uris import CPT
from tests.conftest import CONTENT_DIR, RunningServer, start_server, stop_server

ALLOWED = "https://app.example.org"
LOOKUP = "/CodeSystem/$lookup"


def preflight(server: RunningServer, origin: str, path: str = LOOKUP) -> requests.Response:
    return requests.options(
        f"{server.base}{path}",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
        timeout=10,
    )


def test_any_origin_may_read_by_default(server: RunningServer) -> None:
    r = server.get(LOOKUP, params={"system": CPT, "code": "71250"}, headers={"Origin": ALLOWED})
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in r.headers
    exposed = {h.strip() for h in r.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"ETag", "Location", "Content-Location", "Last-Modified"} <= exposed
    assert {"X-Request-Id", "WWW-Authenticate"} <= exposed
    assert "Origin" not in r.headers["Vary"]  # the same reply for every origin


def test_errors_carry_cors_headers_too(server: RunningServer) -> None:
    r = server.get(LOOKUP, params={"system": CPT, "code": "00000"}, headers={"Origin": ALLOWED})
    assert r.status_code == 404
    assert r.headers["Access-Control-Allow-Origin"] == "*"


def test_a_preflight_is_answered(server: RunningServer) -> None:
    r = preflight(server, ALLOWED)
    assert r.status_code == 204
    assert r.content == b""
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    methods = {m.strip() for m in r.headers["Access-Control-Allow-Methods"].split(",")}
    assert {"GET", "POST"} <= methods
    allowed = {h.strip().lower() for h in r.headers["Access-Control-Allow-Headers"].split(",")}
    assert {
        "authorization",
        "content-type",
        "accept",
        "accept-language",
        "prefer",
        "if-none-match",
        "if-match",
        "x-request-id",
    } <= allowed
    assert int(r.headers["Access-Control-Max-Age"]) > 0
    assert r.headers["Allow"]  # the plain-HTTP answer is still there


def test_requests_without_origin_get_no_cors_headers(server: RunningServer) -> None:
    r = server.get(LOOKUP, params={"system": CPT, "code": "71250"})
    assert "Access-Control-Allow-Origin" not in r.headers


def test_the_capability_statement_says_cors(server: RunningServer) -> None:
    assert server.get("/metadata").json()["rest"][0]["security"]["cors"] is True


@pytest.fixture(scope="module")
def listed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    tmp = tmp_path_factory.mktemp("cors")
    content = tmp / "content"
    content.mkdir()
    shutil.copy(CONTENT_DIR / "CodeSystem-cpt-2026.json", content)
    running = start_server(
        tmp,
        env={
            "TERMINOLOGY_CONTENT_DIR": str(content),
            "TERMINOLOGY_STORE": str(tmp / "store.sqlite"),
            "TERMINOLOGY_CORS_ORIGINS": f"{ALLOWED}, https://other.example.org",
            "TERMINOLOGY_CORS_CREDENTIALS": "1",
        },
    )
    yield running
    stop_server(running)


def test_a_listed_origin_is_echoed_with_credentials(listed_server: RunningServer) -> None:
    r = listed_server.get(
        LOOKUP, params={"system": CPT, "code": "71250"}, headers={"Origin": ALLOWED}
    )
    assert r.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert r.headers["Access-Control-Allow-Credentials"] == "true"
    assert "Origin" in r.headers["Vary"]
    p = preflight(listed_server, ALLOWED)
    assert p.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert p.headers["Access-Control-Allow-Credentials"] == "true"


def test_an_origin_not_listed_gets_no_cors_headers(listed_server: RunningServer) -> None:
    r = listed_server.get(
        LOOKUP, params={"system": CPT, "code": "71250"}, headers={"Origin": "https://evil.example"}
    )
    assert r.status_code == 200  # answered; the browser keeps the page from reading it
    assert "Access-Control-Allow-Origin" not in r.headers
    assert "Origin" in r.headers["Vary"]
    p = preflight(listed_server, "https://evil.example")
    assert p.status_code == 204
    assert not [h for h in p.headers if h.lower().startswith("access-control-")]


def test_credentials_are_never_allowed_with_any_origin() -> None:
    with pytest.raises(ValueError, match="CORS"):
        Settings.from_env({"TERMINOLOGY_CORS_CREDENTIALS": "true"})
    listed = Settings.from_env(
        {"TERMINOLOGY_CORS_CREDENTIALS": "true", "TERMINOLOGY_CORS_ORIGINS": ALLOWED}
    )
    assert listed.cors_credentials


def test_cors_can_be_turned_off(tmp_path: Path) -> None:
    from terminology.app import create_app

    content = tmp_path / "content"
    content.mkdir()
    shutil.copy(CONTENT_DIR / "CodeSystem-cpt-2026.json", content)
    app = create_app(
        Settings(content_dir=content, store=tmp_path / "store.sqlite", cors_origins="none")
    )
    client = app.test_client()
    r = client.get("/fhir/metadata", headers={"Origin": ALLOWED})
    assert "Access-Control-Allow-Origin" not in r.headers
    assert r.get_json()["rest"][0]["security"]["cors"] is False
