"""The real server on a PostgreSQL store (TERMINOLOGY_DATABASE_URL): built from the shipped
content on first start, answering as on SQLite, and serving a load without a restart."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from terminology.uris import HCPCS, ICD10CM
from tests.conftest import CONTENT_DIR, start_server, stop_server, terminology_command

FIXTURE = Path(__file__).resolve().parents[1] / "loaders" / "fixtures"


def result(server, url: str, code: str, date: str) -> bool:
    body = server.get(
        "/CodeSystem/$validate-code", params={"url": url, "code": code, "date": date}
    ).json()
    return next(p["valueBoolean"] for p in body["parameter"] if p["name"] == "result")


def test_a_server_on_postgresql(tmp_path: Path, postgres_url: str, postgres_schema: str) -> None:
    env = {
        "TERMINOLOGY_DATABASE_URL": postgres_url,
        "TERMINOLOGY_DATABASE_SCHEMA": postgres_schema,
        "TERMINOLOGY_CONTENT_DIR": str(CONTENT_DIR),
    }
    server = start_server(tmp_path, env=env)
    try:
        assert "(store postgresql://" in server.log()
        assert result(server, ICD10CM, "I50.9", "2026-06-01") is True
        assert result(server, ICD10CM, "I50.9", "2025-06-01") is True
        assert result(server, ICD10CM, "R05.7", "2026-06-01") is False
        chain = {"system": ICD10CM, "codeA": "J00-J99", "codeB": "J18.9"}
        subsumes = server.get("/CodeSystem/$subsumes", params=chain).json()
        assert subsumes["parameter"] == [{"name": "outcome", "valueCode": "subsumes"}]
        lookup = {"system": HCPCS, "code": "S8037", "date": "2026-06-01"}
        assert server.get("/CodeSystem/$lookup", params=lookup).status_code == 404
        loaded = subprocess.run(
            [
                *terminology_command(),
                "load",
                "hcpcs",
                str(FIXTURE / "HCPC2026_JAN_ANWEB_fixture.txt"),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, **env},
        )
        assert loaded.returncode == 0, loaded.stderr
        deadline = time.monotonic() + 10
        while server.get("/CodeSystem/$lookup", params=lookup).status_code != 200:
            assert time.monotonic() < deadline, "the load was not served"
            time.sleep(0.1)
    finally:
        stop_server(server)
