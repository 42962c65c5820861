"""The serve command: settings precedence, content checks before serving, the packaged content."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest
import requests

from terminology.cli import check_content
from terminology.config import Settings, default_content_dir
from terminology.serving import SHUTDOWN_GRACE_SECONDS
from tests.conftest import (
    CONTENT_DIR,
    ROOT,
    free_port,
    start_server,
    stop_server,
    terminology_command,
)


def test_flags_win_over_environment() -> None:
    env = {
        "TERMINOLOGY_PORT": "9000",
        "TERMINOLOGY_HOST": "0.0.0.0",
        "TERMINOLOGY_WORKERS": "4",
        "TERMINOLOGY_CONTENT_DIR": "/tmp",
    }
    settings = Settings.from_env(env, port=9100, host=None, workers=None, content_dir=None)
    assert settings.port == 9100
    assert settings.host == "0.0.0.0"
    assert settings.workers == 4
    assert settings.content_dir == Path("/tmp").resolve()


def test_request_limits_and_response_cache_are_settings() -> None:
    env = {
        "TERMINOLOGY_MAX_BODY_BYTES": "1024",
        "TERMINOLOGY_MAX_QUERY_BYTES": "2048",
        "TERMINOLOGY_MAX_HEADER_BYTES": "4096",
        "TERMINOLOGY_RESPONSE_CACHE_ENTRIES": "0",
    }
    settings = Settings.from_env(env)
    assert (settings.max_body_bytes, settings.response_cache_entries) == (1024, 0)
    assert (settings.max_query_bytes, settings.max_header_bytes) == (2048, 4096)


def test_defaults_without_environment() -> None:
    settings = Settings.from_env({})
    assert (settings.host, settings.port, settings.workers) == ("127.0.0.1", 8080, 2)
    assert settings.content_dir == default_content_dir()
    assert (settings.content_dir / "CodeSystem-cpt-2026.json").exists()


def test_bad_environment_value_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="TERMINOLOGY_PORT"):
        Settings.from_env({"TERMINOLOGY_PORT": "eighty"})


def test_built_in_content_is_valid() -> None:
    assert check_content(CONTENT_DIR) == []


def test_serve_refuses_invalid_content(tmp_path: Path) -> None:
    shutil.copytree(CONTENT_DIR, tmp_path / "content")
    broken = tmp_path / "content" / "ValueSet-chest-ct-procedures.json"
    resource = json.loads(broken.read_text())
    resource["status"] = ["not", "a", "code"]
    broken.write_text(json.dumps(resource))
    result = subprocess.run(
        [
            *terminology_command(),
            "serve",
            "--port",
            str(free_port()),
            "--content-dir",
            str(tmp_path / "content"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "ValueSet-chest-ct-procedures.json" in result.stderr
    assert "not serving it" in result.stderr


def test_serve_a_content_dir_given_by_environment(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    shutil.copy(CONTENT_DIR / "CodeSystem-cpt-2026.json", content)
    server = start_server(tmp_path, env={"TERMINOLOGY_CONTENT_DIR": str(content)})
    try:
        bundle = server.get("/CodeSystem").json()
        assert [e["resource"]["id"] for e in bundle["entry"]] == ["cpt-2026"]
    finally:
        stop_server(server)


def test_wheel_ships_the_content(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in CONTENT_DIR.glob("*.json"):
        assert f"terminology/_content/valuesets/{path.name}" in names
    for path in (CONTENT_DIR / "sources").rglob("*.*"):
        relative = path.relative_to(CONTENT_DIR).as_posix()
        assert f"terminology/_content/valuesets/{relative}" in names
    assert "terminology/wsgi.py" in names


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize(
    ("sig", "whole_group"),
    [(signal.SIGTERM, False), (signal.SIGINT, True)],
    ids=["SIGTERM to the server", "Ctrl-C (SIGINT to the process group)"],
)
def test_server_stops_within_seconds_while_a_worker_computes_in_c(
    tmp_path: Path, sig: signal.Signals, whole_group: bool
) -> None:
    """A worker busy in C code cannot run a signal handler: the serving layer must kill it after
    a grace period instead of waiting for its request to end."""
    port = free_port()
    log_path = tmp_path / "spinning.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.spinning_wsgi", "--port", str(port)],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            try:
                if requests.get(f"{base}/", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)

        def spin() -> None:
            try:
                requests.get(f"{base}/spin", timeout=60)
            except requests.RequestException:
                pass  # the connection dies with the worker

        client = threading.Thread(target=spin, daemon=True)
        client.start()
        while "spinning" not in log_path.read_text():
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.05)

        signalled = time.monotonic()
        if whole_group:
            os.killpg(process.pid, sig)
        else:
            process.send_signal(sig)
        limit = SHUTDOWN_GRACE_SECONDS + 2
        try:
            process.wait(timeout=limit + 5)
        except subprocess.TimeoutExpired:
            pytest.fail(f"still running {limit + 5} s after {sig.name}\n{log_path.read_text()}")
        while _group_alive(process.pid) and time.monotonic() - signalled < limit + 5:
            time.sleep(0.05)
        took = time.monotonic() - signalled
        assert not _group_alive(process.pid)
        assert took < limit, f"stopped after {took:.1f} s\n{log_path.read_text()}"
        client.join(timeout=5)
    finally:
        if _group_alive(process.pid):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def test_second_server_on_a_busy_port_refuses_to_start(tmp_path: Path) -> None:
    first = start_server(tmp_path)
    try:
        port = first.base.split(":")[-1].split("/")[0]
        second = subprocess.Popen(
            [*terminology_command(), "serve", "--port", port, "--workers", "1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            out, err = second.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(second.pid, signal.SIGKILL)
            out, err = second.communicate()
            pytest.fail(f"a second server started on the busy port:\n{out}{err}")
        assert second.returncode != 0
        assert f"127.0.0.1:{port}" in err
        assert "already listening" in err
        assert "serving" not in out
        for _ in range(20):  # a second listener would take some of these connections
            assert first.get("/metadata").status_code == 200
        assert first.process.poll() is None
    finally:
        stop_server(first)
