"""Each thread of a worker that reads the PostgreSQL store keeps a connection of its own, so
``TERMINOLOGY_THREADS`` is what keeps replicas x workers within PostgreSQL's max_connections."""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

import requests

from tests.conftest import (
    CONTENT_DIR,
    RunningServer,
    start_server,
    stop_server,
    terminology_command,
)

POSTGRES_PORT = 5432
#: An answer that reads the store (a search of all of ICD-10-CM), slow enough to overlap.
EXPAND = "/ValueSet/$expand?url=http://hl7.org/fhir/sid/icd-10-cm?fhir_vs&filter=pneumonia&count=20"


def descendants(pid: int) -> list[int]:
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            queue += [int(p) for p in task.read_text().split()]
    return found


def postgres_connections(pid: int) -> int:
    """TCP connections to port 5432 held by ``pid`` and its descendants (read from /proc)."""
    inodes: set[str] = set()
    for p in descendants(pid):
        for fd in Path(f"/proc/{p}/fd").iterdir():
            try:
                target = fd.readlink().as_posix()
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            remote_port = int(fields[2].rsplit(":", 1)[1], 16)
            if remote_port == POSTGRES_PORT and fields[9] in inodes:
                count += 1
    return count


def connections_under_load(server: RunningServer) -> int:
    def client() -> None:
        session = requests.Session()
        for i in range(6):
            r = session.get(f"{server.base}{EXPAND}&n={i}", timeout=60)
            assert r.status_code == 200

    clients = [threading.Thread(target=client) for _ in range(12)]
    for c in clients:
        c.start()
    for c in clients:
        c.join(timeout=120)
    return postgres_connections(server.process.pid)


def test_threads_cap_a_workers_postgresql_connections(
    tmp_path: Path, postgres_url: str, postgres_schema: str
) -> None:
    env = {
        "TERMINOLOGY_DATABASE_URL": postgres_url,
        "TERMINOLOGY_DATABASE_SCHEMA": postgres_schema,
        "TERMINOLOGY_CONTENT_DIR": str(CONTENT_DIR),
        "TERMINOLOGY_RESPONSE_CACHE_ENTRIES": "0",
    }
    uncapped = start_server(tmp_path, env=env)
    try:
        # granian's default: a thread, and a connection, for each request in flight.
        assert connections_under_load(uncapped) > 4
    finally:
        stop_server(uncapped)
    capped = start_server(tmp_path, env={**env, "TERMINOLOGY_THREADS": "3"})
    try:
        # Three request threads, the worker's start-up thread (it built the first snapshot)
        # and the master's one connection (it opened the store).
        assert connections_under_load(capped) <= 3 + 1 + 1
    finally:
        stop_server(capped)


def test_a_negative_thread_count_is_refused_clearly() -> None:
    completed = subprocess.run(
        [*terminology_command(), "serve", "--port", "1"],
        env={"TERMINOLOGY_THREADS": "-1", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode != 0
    assert "TERMINOLOGY_THREADS=-1: must be 0 (the default) or more" in completed.stderr
    assert "Traceback" not in completed.stderr
