"""Content loaded into the store while the app serves is served without a restart, whole."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from flask.testing import FlaskClient

from terminology.app import create_app
from terminology.config import Settings
from terminology.storage.sqlite_store import SqliteStore
from terminology.uris import CPT
from tests.conftest import CONTENT_DIR

DEMO = "http://example.org/fhir/CodeSystem/demo"


def demo_code_system(version: str, codes: list[str]) -> dict:
    return {
        "resourceType": "CodeSystem",
        "id": f"demo-{version}",
        "url": DEMO,
        "version": version,
        "status": "active",
        "content": "complete",
        "concept": [{"code": c, "display": f"Demo {c}"} for c in codes],
    }


def client_for(tmp_path: Path, interval: float = 0.05) -> tuple[FlaskClient, SqliteStore]:
    content = tmp_path / "content"
    content.mkdir()
    shutil.copy(CONTENT_DIR / "CodeSystem-cpt-2026.json", content)
    path = tmp_path / "store.sqlite"
    app = create_app(Settings(content_dir=content, store=path, reload_interval=interval))
    return app.test_client(), SqliteStore(path)


def validate(client: FlaskClient, code: str) -> bool:
    body = client.get(
        "/fhir/CodeSystem/$validate-code", query_string={"url": DEMO, "code": code}
    ).get_json()
    return next(p["valueBoolean"] for p in body["parameter"] if p["name"] == "result")


def wait_for(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the app did not serve the new content"
        time.sleep(0.02)


def test_a_loaded_code_system_is_served_and_listed(tmp_path: Path) -> None:
    client, store = client_for(tmp_path)
    assert client.get("/fhir/CodeSystem", query_string={"url": DEMO}).get_json()["total"] == 0
    with store.writer() as writer:
        writer.put_resource(demo_code_system("1", ["a", "b"]), "loaded")
    wait_for(lambda: validate(client, "a"))
    tc = client.get("/fhir/metadata", query_string={"mode": "terminology"}).get_json()
    assert DEMO in {c["uri"] for c in tc["codeSystem"]}
    assert client.get("/fhir/CodeSystem/demo-1").status_code == 200


def test_replaced_content_is_never_answered_from_the_response_cache(tmp_path: Path) -> None:
    client, store = client_for(tmp_path)
    with store.writer() as writer:
        writer.put_resource(demo_code_system("1", ["a", "b"]), "loaded")
    wait_for(lambda: validate(client, "a"))
    assert validate(client, "a")  # now cached
    with store.writer() as writer:
        writer.put_resource(demo_code_system("1", ["b"]), "loaded")
    wait_for(lambda: not validate(client, "a"))
    assert validate(client, "b")


def test_without_reloading_the_start_up_content_stays(tmp_path: Path) -> None:
    client, store = client_for(tmp_path, interval=0)
    with store.writer() as writer:
        writer.put_resource(demo_code_system("1", ["a"]), "loaded")
    time.sleep(0.1)
    assert validate(client, "a") is False  # an unknown code system still
    ok = client.get(
        "/fhir/CodeSystem/$validate-code", query_string={"url": CPT, "code": "71250"}
    ).get_json()
    assert ok["parameter"][0] == {"name": "result", "valueBoolean": True}
