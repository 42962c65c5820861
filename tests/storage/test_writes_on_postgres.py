"""REST writes through two replicas sharing one PostgreSQL schema: concurrent writers on both
lose nothing, each write is served at once by the replica that took it and by the other
within its reload interval, and built-in content stays read-only."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import requests

from tests.conftest import CONTENT_DIR, start_server, stop_server

TOKEN = "postgres-write-token-4f1d2c"
WRITE = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/fhir+json"}


def value_set(rid: str, title: str = "") -> dict:
    return {
        "resourceType": "ValueSet",
        "id": rid,
        "url": f"http://example.org/vs/{rid}",
        "version": "1",
        "status": "active",
        "title": title or rid,
        "compose": {"include": [{"system": "http://loinc.org", "concept": [{"code": "1-8"}]}]},
    }


def test_writes_through_two_replicas_on_postgresql(
    tmp_path: Path, postgres_url: str, postgres_schema: str
) -> None:
    env = {
        "TERMINOLOGY_DATABASE_URL": postgres_url,
        "TERMINOLOGY_DATABASE_SCHEMA": postgres_schema,
        "TERMINOLOGY_CONTENT_DIR": str(CONTENT_DIR),
        "TERMINOLOGY_WRITE_TOKEN": TOKEN,
        "TERMINOLOGY_RELOAD_INTERVAL": "0.5",
    }
    first = start_server(tmp_path, env=env)
    second = None
    try:
        second = start_server(tmp_path, env=env)
        replicas = [first, second]
        acknowledged: dict[str, dict] = {}
        shared_updates: list[str] = []
        failures: list[str] = []
        lock = threading.Lock()

        def writer(n: int) -> None:
            session = requests.Session()
            for i in range(10):
                server = replicas[(n + i) % 2]
                rid = f"pg-{n}-{i}"
                r = session.put(
                    f"{server.base}/ValueSet/{rid}", json=value_set(rid), headers=WRITE, timeout=60
                )
                # Served at once by the replica that took it.
                read = session.get(f"{server.base}/ValueSet/{rid}", timeout=10)
                s = session.put(
                    f"{server.base}/ValueSet/shared",
                    json=value_set("shared", rid),
                    headers=WRITE,
                    timeout=60,
                )
                with lock:
                    if r.status_code == 201 and read.json() == r.json():
                        acknowledged[rid] = r.json()
                    else:
                        failures.append(f"{rid}: {r.status_code} {read.status_code}")
                    if s.status_code in (200, 201):
                        shared_updates.append(rid)
                    else:
                        failures.append(f"shared: {s.status_code} {s.text[:200]}")

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not failures, failures[:5]
        for server in replicas:
            deadline = time.monotonic() + 5
            while True:
                shared = server.get("/ValueSet/shared").json()
                if shared["meta"]["versionId"] == str(len(shared_updates)):
                    break
                assert time.monotonic() < deadline, "an update of the shared resource was lost"
                time.sleep(0.1)
            for rid, stored in acknowledged.items():
                assert server.get(f"/ValueSet/{rid}").json() == stored
        builtin = first.get("/CodeSystem/icd10cm-2026")
        assert builtin.status_code == 200
        r = requests.delete(f"{second.base}/CodeSystem/icd10cm-2026", headers=WRITE, timeout=10)
        assert r.status_code == 403
    finally:
        stop_server(first)
        if second is not None:
            stop_server(second)
