"""Fixtures: the real server, started the way the README starts it, on a free port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from terminology.config import Settings
from terminology.operations.context import Services

ROOT = Path(__file__).resolve().parent.parent
CONTENT_DIR = ROOT / "valuesets"

# Every store the tests create (the default one of each content directory, in the servers the
# tests start too) goes to a directory of this run, not the user's ~/.local/share.
_DATA_HOME = tempfile.TemporaryDirectory(prefix="terminology-tests-")
os.environ["XDG_DATA_HOME"] = _DATA_HOME.name
os.environ.pop("TERMINOLOGY_STORE", None)


#: Seconds a starting server may take to answer. It needs about 5 s (content check, store
#: build), but the 2-core machine is shared: under a load average of 15-20 from other test runs
#: and benchmarks, 30 s was exceeded and the session's server fixture failed every API test.
START_TIMEOUT = 120


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class RunningServer:
    base: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def get(self, path: str, **kwargs: object) -> requests.Response:
        return requests.get(f"{self.base}{path}", timeout=10, **kwargs)  # type: ignore[arg-type]

    def post(self, path: str, **kwargs: object) -> requests.Response:
        return requests.post(f"{self.base}{path}", timeout=10, **kwargs)  # type: ignore[arg-type]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def terminology_command() -> list[str]:
    script = Path(sys.executable).parent / "terminology"
    return [str(script)] if script.exists() else [sys.executable, "-m", "terminology.cli"]


def start_server(
    tmp: Path, *args: str, env: dict[str, str] | None = None, timeout: float = START_TIMEOUT
) -> RunningServer:
    port = free_port()
    log_path = tmp / f"server-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*terminology_command(), "serve", "--port", str(port), "--workers", "1", *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )
    server = RunningServer(f"http://127.0.0.1:{port}/fhir", process, log_path)
    # A server that fails exits and is reported at once; the wait is long because seeding a
    # fresh PostgreSQL schema (both ICD-10-CM years) on a shared 2-core machine whose database
    # is busy with other runs has taken over 30 s.
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"server exited with {process.returncode}:\n{server.log()}")
            try:
                if requests.get(f"{server.base}/metadata", timeout=1).status_code == 200:
                    return server
            except requests.RequestException:  # not listening yet, or too busy to answer in 1 s
                pass
            time.sleep(0.1)
    except BaseException:
        # Interrupted while waiting (Ctrl-C): the caller never gets the server to stop.
        stop_server(server)
        raise
    stop_server(server)
    raise RuntimeError(f"server did not answer within {timeout:g} s:\n{server.log()}")


def stop_server(server: RunningServer) -> None:
    if server.process.poll() is None:
        os.killpg(server.process.pid, signal.SIGTERM)
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait()


#: RF2 release folders to load (with ``terminology load snomed``, in order) into the store of
#: the session's server before it starts: tests/api/test_snomed_chest.py runs the chest-imaging
#: tests that use SNOMED CT that way, against a loaded release holding our codes.
SNOMED_RELEASES_ENV = "TERMINOLOGY_TEST_SNOMED_RELEASES"
#: AMA CPT release folders to load likewise (``terminology load cpt``): tests/api/test_cpt_chest.py.
CPT_RELEASES_ENV = "TERMINOLOGY_TEST_CPT_RELEASES"
#: The same for LOINC (``terminology load loinc``): ``FOLDER@RELEASE-DATE`` entries, in order
#: (tests/api/test_loinc_chest.py).
LOINC_RELEASES_ENV = "TERMINOLOGY_TEST_LOINC_RELEASES"


def _releases_to_load() -> list[list[str]]:
    """The ``terminology load`` arguments the variables above ask for, in order."""
    loads = [
        [kind, r]
        for kind, env in (("snomed", SNOMED_RELEASES_ENV), ("cpt", CPT_RELEASES_ENV))
        for r in os.environ.get(env, "").split(os.pathsep)
        if r
    ]
    for entry in os.environ.get(LOINC_RELEASES_ENV, "").split(os.pathsep):
        if entry:
            folder, _, day = entry.rpartition("@")
            loads.append(["loinc", folder, "--release-date", day])
    return loads


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    tmp = tmp_path_factory.mktemp("server")
    args: list[str] = []
    releases = _releases_to_load()
    if releases:
        store = tmp / "store.sqlite"
        for release in releases:
            subprocess.run(
                [
                    *terminology_command(),
                    "load",
                    *release,
                    "--content-dir",
                    str(CONTENT_DIR),
                    "--store",
                    str(store),
                ],
                check=True,
                capture_output=True,
                timeout=300,
            )
        args = ["--store", str(store)]
    running = start_server(tmp, *args)
    yield running
    stop_server(running)


@pytest.fixture(scope="session")
def services() -> Services:
    from terminology.app import build_services

    return build_services(Settings(content_dir=CONTENT_DIR))
