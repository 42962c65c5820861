"""docker/compose.yaml's topology as plain processes: replicas of ``terminology serve`` on one
PostgreSQL schema, and nginx in front of them with docker/nginx/nginx.conf rendered for local
ports. The tests use it; so do the README's benchmark commands:

    .venv/bin/python -m tests.replicas.topology --replicas 2 --port 8088 [--no-cache]

serves on http://127.0.0.1:8088/fhir (a fresh schema in the local PostgreSQL, dropped at exit)
until interrupted.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import requests
from psycopg import sql

from tests.conftest import CONTENT_DIR, ROOT, RunningServer, free_port, start_server, stop_server

NGINX_DIR = ROOT / "docker" / "nginx"
CACHE_INCLUDE = "terminology-operation-cache.conf"
#: The lines of nginx.conf that name Docker's hosts and paths, and what a local run needs.
_UPSTREAM_LINES = (
    "        server terminology-1:8080 max_fails=1 fail_timeout=10s;\n"
    "        server terminology-2:8080 max_fails=1 fail_timeout=10s;\n"
)


def nginx_binary() -> str:
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None
    )
    if found is None:
        raise RuntimeError(
            "nginx is not installed (Debian: apt-get install nginx-light); "
            "python3 dev.py test installs it where apt-get can"
        )
    return found


def _replace_once(text: str, old: str, new: str) -> str:
    # Each rendered line must be found exactly once, so a change to nginx.conf that the
    # rendering no longer matches fails the tests instead of testing a different file.
    if text.count(old) != 1:
        raise AssertionError(f"docker/nginx/nginx.conf: expected {old!r} exactly once")
    return text.replace(old, new)


def render_nginx(directory: Path, port: int, replicas: list[int], *, cache: bool = True) -> Path:
    """Write nginx.conf (and its include) into ``directory`` for nginx on 127.0.0.1:``port``
    in front of replicas on 127.0.0.1:``replicas``; the path of the main file."""
    directory.mkdir(parents=True, exist_ok=True)
    text = (NGINX_DIR / "nginx.conf").read_text()
    servers = "".join(
        f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;\n" for p in replicas
    )
    for old, new in [
        ("user nginx;", f"user {getpass.getuser()};"),
        ("/var/log/nginx/error.log", str(directory / "error.log")),
        ("/var/run/nginx.pid", str(directory / "nginx.pid")),
        ("/var/log/nginx/access.log", str(directory / "access.log")),
        ("/var/cache/nginx/terminology", str(directory / "cache")),
        ("        listen 8080;\n", f"        listen 127.0.0.1:{port};\n"),
        (_UPSTREAM_LINES, servers),
        (
            "http {\n",
            f"http {{\n    client_body_temp_path {directory / 'body'};\n"
            f"    proxy_temp_path {directory / 'proxy'};\n",
        ),
    ]:
        text = _replace_once(text, old, new)
    main = directory / "nginx.conf"
    main.write_text(text)
    include = (NGINX_DIR / CACHE_INCLUDE).read_text() if cache else "# cache off\n"
    (directory / CACHE_INCLUDE).write_text(include)
    return main


def check_config(main: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [nginx_binary(), "-t", "-p", str(main.parent), "-c", str(main)],
        capture_output=True,
        text=True,
        timeout=30,
    )


@dataclass
class Topology:
    base: str
    replicas: list[RunningServer]
    nginx: subprocess.Popen[bytes]
    directory: Path
    stopped: list[RunningServer] = field(default_factory=list)

    def kill_replica(self, index: int) -> None:
        """SIGKILL a replica and its workers: no chance to finish what it was doing."""
        server = self.replicas[index]
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=10)

    def access_log(self) -> list[str]:
        path = self.directory / "nginx" / "access.log"
        return path.read_text().splitlines() if path.exists() else []

    def error_log(self) -> str:
        path = self.directory / "nginx" / "error.log"
        return path.read_text() if path.exists() else ""


def replica_env(postgres_url: str, schema: str, **extra: str) -> dict[str, str]:
    return {
        "TERMINOLOGY_DATABASE_URL": postgres_url,
        "TERMINOLOGY_DATABASE_SCHEMA": schema,
        "TERMINOLOGY_CONTENT_DIR": str(CONTENT_DIR),
        **extra,
    }


def _wait_for(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited with {process.returncode}:\n{log.read_text()}")
        try:
            if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"nginx did not answer within 30 s:\n{log.read_text()}")


@contextmanager
def topology(
    tmp: Path,
    env: dict[str, str],
    *,
    replicas: int = 2,
    workers: int = 1,
    cache: bool = True,
    port: int | None = None,
) -> Iterator[Topology]:
    """Start ``replicas`` servers (one after the other: the first seeds a fresh store) and
    nginx in front; stop them all afterwards."""
    started: list[RunningServer] = []
    nginx: subprocess.Popen[bytes] | None = None
    try:
        for index in range(replicas):
            # A data directory of its own, as each container has: replicas on one host share
            # a file that signals writes at once (terminology.app.write_signal), which would
            # hide the reload interval that bounds propagation between hosts.
            home = tmp / f"replica-{index + 1}"
            home.mkdir(exist_ok=True)
            started.append(
                start_server(
                    tmp, "--workers", str(workers), env={**env, "XDG_DATA_HOME": str(home)}
                )
            )
        port = port or free_port()
        main = render_nginx(
            tmp / "nginx",
            port,
            [int(s.base.split(":")[2].split("/")[0]) for s in started],
            cache=cache,
        )
        log = tmp / "nginx" / "stderr.log"
        with log.open("wb") as out:
            nginx = subprocess.Popen(
                [nginx_binary(), "-p", str(main.parent), "-c", str(main), "-g", "daemon off;"],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        base = f"http://127.0.0.1:{port}"
        _wait_for(base, nginx, log)
        yield Topology(base, started, nginx, tmp)
    finally:
        if nginx is not None and nginx.poll() is None:
            nginx.send_signal(signal.SIGQUIT)  # graceful: workers finish their requests
            try:
                nginx.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(nginx.pid, signal.SIGKILL)
                nginx.wait()
        for server in started:
            stop_server(server)


@contextmanager
def fresh_schema(postgres_url: str) -> Iterator[str]:
    schema = f"t_{uuid.uuid4().hex}"
    try:
        yield schema
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="workers per replica")
    parser.add_argument("--port", type=int, default=8088, help="nginx's port on 127.0.0.1")
    parser.add_argument("--no-cache", action="store_true", help="empty the operation cache include")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "TERMINOLOGY_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
        ),
    )
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="topology-") as tmp,
        fresh_schema(args.database_url) as schema,
        topology(
            Path(tmp),
            replica_env(args.database_url, schema),
            replicas=args.replicas,
            workers=args.workers,
            cache=not args.no_cache,
            port=args.port,
        ) as running,
    ):
        print(f"serving on {running.base}/fhir (Ctrl-C stops); nginx log: {tmp}/nginx", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        print(cache_summary(running.access_log()), flush=True)
    return 0


def cache_summary(access_log: list[str]) -> str:
    """nginx's cache statuses over a run, and the hit ratio of the requests it looked up."""
    counts: dict[str, int] = {}
    for line in access_log:
        status = json.loads(line)["cache"] or "-"
        counts[status] = counts.get(status, 0) + 1
    looked_up = sum(n for status, n in counts.items() if status not in ("-", "BYPASS"))
    hits = counts.get("HIT", 0)
    ratio = f"{hits / looked_up:.3f}" if looked_up else "n/a"
    listed = ", ".join(f"{status} {n}" for status, n in sorted(counts.items()))
    return f"nginx requests by cache status ('-': not cacheable): {listed}; hit ratio {ratio}"


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    # SIGTERM stops it as Ctrl-C does, with every process it started.
    signal.signal(signal.SIGTERM, _interrupt)
    raise SystemExit(main())
