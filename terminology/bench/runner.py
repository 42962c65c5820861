"""Drive load at the real server and at the bare-Flask ceiling in one run, and report both.

Every figure is measured in the same run on the same machine, so the ratios to the ceiling are
meaningful even where absolute numbers are not. Load goes to 127.0.0.1 only and every row is
bounded in time. A row whose sample answer is wrong, or any request with an error status,
makes the run fail: a fast wrong server must not look good.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import requests

CPT = "http://www.ama-assn.org/go/cpt"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
CT_VS = "https://chest-imaging-terminology.org/fhir/ValueSet/chest-ct-procedures"


@dataclass(frozen=True)
class Row:
    name: str
    method: str
    path: str
    body: dict[str, Any] | None = None
    #: Checks one response of the real server; returns why it is wrong, or None.
    check: Callable[[dict[str, Any]], str | None] | None = None


def _param(body: dict[str, Any], name: str) -> Any:
    for p in body.get("parameter", []):
        if p.get("name") == name:
            return next((v for k, v in p.items() if k.startswith("value")), None)
    return None


def _expect(**wanted: Any) -> Callable[[dict[str, Any]], str | None]:
    def check(body: dict[str, Any]) -> str | None:
        for name, value in wanted.items():
            actual = _param(body, name)
            if actual != value:
                return f"{name} is {actual!r}, expected {value!r}"
        return None

    return check


def _expect_type(resource_type: str) -> Callable[[dict[str, Any]], str | None]:
    def check(body: dict[str, Any]) -> str | None:
        kind = body.get("resourceType")
        return None if kind == resource_type else f"got {kind}, expected {resource_type}"

    return check


ROWS = [
    Row(
        "CodeSystem/$lookup GET",
        "GET",
        f"/fhir/CodeSystem/$lookup?system={CPT}&code=71250",
        check=_expect(display="Diagnostic chest CT, no IV contrast"),
    ),
    Row(
        "CodeSystem/$validate-code GET",
        "GET",
        f"/fhir/CodeSystem/$validate-code?url={CPT}&code=71250&display=Diagnostic%20chest%20CT,%20no%20IV%20contrast",
        check=_expect(result=True),
    ),
    Row(
        "ValueSet/$validate-code GET",
        "GET",
        f"/fhir/ValueSet/$validate-code?url={CT_VS}&system={CPT}&code=71260",
        check=_expect(result=True),
    ),
    Row(
        "ValueSet/$validate-code POST (3 codings)",
        "POST",
        "/fhir/ValueSet/$validate-code",
        body={
            "resourceType": "Parameters",
            "parameter": [
                {"name": "url", "valueUri": CT_VS},
                {
                    "name": "codeableConcept",
                    "valueCodeableConcept": {
                        "coding": [
                            {"system": CPT, "code": "71250"},
                            {"system": LOINC, "code": "29252-4"},
                            {"system": SNOMED, "code": "395081000119108"},
                        ]
                    },
                },
            ],
        },
        check=_expect(result=True),
    ),
    Row("/metadata", "GET", "/fhir/metadata", check=_expect_type("CapabilityStatement")),
    Row(
        "/metadata?mode=terminology",
        "GET",
        "/fhir/metadata?mode=terminology",
        check=_expect_type("TerminologyCapabilities"),
    ),
]


@dataclass
class Load:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int


@dataclass
class RowResult:
    name: str
    load: Load
    ceiling: Load
    single: Load
    wrong_answer: str | None = None
    ratios: dict[str, float] = field(default_factory=dict)


class BenchError(Exception):
    pass


def find_wrk() -> str:
    """The wrk binary, installing Debian's package when that is possible here."""
    found = shutil.which("wrk")
    if found:
        return found
    apt = shutil.which("apt-get")
    if apt and os.geteuid() == 0:
        print("wrk is missing; installing it with apt-get", file=sys.stderr, flush=True)
        subprocess.run([apt, "install", "-y", "-q", "wrk"], capture_output=True, timeout=600)
        found = shutil.which("wrk")
        if found:
            return found
    raise BenchError(
        "wrk (the load generator) is not installed and could not be installed here; "
        "install it (Debian: apt-get install wrk) and run again"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running(
    command: list[str], port: int, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(
        command,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, **(env or {})},
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                log.seek(0)
                raise BenchError(
                    f"{command[0]} exited: {log.read().decode(errors='replace')[-2000:]}"
                )
            try:
                requests.get(f"http://127.0.0.1:{port}/fhir/metadata", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        else:
            raise BenchError(f"{' '.join(command)} did not start within 60 s")
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()


_LATENCY = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)
_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def parse_wrk(output: str) -> Load:
    latencies = {
        m.group(1): float(m.group(2)) * _UNIT_MS[m.group(3)] for m in _LATENCY.finditer(output)
    }
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if not rps or not total or "50" not in latencies or "99" not in latencies:
        raise BenchError(f"could not read wrk's output:\n{output}")
    errors = int(non2xx.group(1)) if non2xx else 0
    if socket_errors:
        errors += sum(int(g) for g in socket_errors.groups())
    return Load(float(rps.group(1)), latencies["50"], latencies["99"], errors, int(total.group(1)))


def run_wrk(
    wrk: str, url: str, row: Row, *, duration: float, connections: int, threads: int
) -> Load:
    with tempfile.TemporaryDirectory() as tmp:
        command = [
            wrk,
            f"-t{threads}",
            f"-c{connections}",
            f"-d{max(1, round(duration))}s",
            "--latency",
            "--timeout",
            "10s",
        ]
        if row.method == "POST":
            script = Path(tmp) / "post.lua"
            body = json.dumps(row.body)
            script.write_text(
                'wrk.method = "POST"\n'
                f"wrk.body = {json.dumps(body)}\n"
                'wrk.headers["Content-Type"] = "application/fhir+json"\n'
            )
            command += ["-s", str(script)]
        command.append(url)
        completed = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
        return parse_wrk(completed.stdout)


def sample(base: str, row: Row) -> str | None:
    """Why one answer of the real server is wrong, or None."""
    url = base + row.path
    response = (
        requests.post(url, json=row.body, timeout=10)
        if row.method == "POST"
        else requests.get(url, timeout=10)
    )
    if response.status_code != 200:
        return f"HTTP {response.status_code}: {response.text[:200]}"
    return row.check(response.json()) if row.check else None


def memory_of(pid: int) -> tuple[int, str]:
    """Summed PSS of ``pid`` and its descendants in bytes (RSS where PSS is unavailable)."""
    pids, queue = [], [pid]
    while queue:
        current = queue.pop()
        pids.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                queue += [int(p) for p in task.read_text().split()]
            except OSError:
                continue
    total, kind = 0, "PSS"
    for p in pids:
        rollup = Path(f"/proc/{p}/smaps_rollup")
        try:
            text = rollup.read_text()
            match = re.search(r"^Pss:\s+(\d+) kB", text, re.M)
            if match:
                total += int(match.group(1)) * 1024
                continue
        except OSError:
            pass
        kind = "RSS"
        status = Path(f"/proc/{p}/status").read_text()
        rss = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
        total += int(rss.group(1)) * 1024 if rss else 0
    return total, kind


def terminology_command() -> list[str]:
    script = Path(sys.executable).parent / "terminology"
    return [str(script)] if script.exists() else [sys.executable, "-m", "terminology.cli"]


def bench(
    *,
    duration: float,
    connections: int,
    workers: int,
    threads: int = 2,
    response_cache: bool = True,
) -> dict[str, Any]:
    """Run every row against the server and the ceiling; the figures as a plain dict."""
    wrk = find_wrk()
    server_port, ceiling_port = free_port(), free_port()
    server_cmd = [
        *terminology_command(),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(server_port),
        "--workers",
        str(workers),
    ]
    ceiling_cmd = [
        sys.executable,
        "-m",
        "terminology.bench.ceiling",
        "--port",
        str(ceiling_port),
        "--workers",
        str(workers),
    ]
    server_base = f"http://127.0.0.1:{server_port}"
    ceiling_base = f"http://127.0.0.1:{ceiling_port}"
    results: list[RowResult] = []
    server_env = {} if response_cache else {"TERMINOLOGY_RESPONSE_CACHE_ENTRIES": "0"}
    with (
        running(server_cmd, server_port, server_env) as server,
        running(ceiling_cmd, ceiling_port),
    ):
        for row in ROWS:
            wrong = sample(server_base, row)
            load = run_wrk(
                wrk,
                server_base + row.path,
                row,
                duration=duration,
                connections=connections,
                threads=threads,
            )
            ceiling = run_wrk(
                wrk,
                ceiling_base + row.path,
                row,
                duration=duration,
                connections=connections,
                threads=threads,
            )
            single = run_wrk(
                wrk,
                server_base + row.path,
                row,
                duration=max(1.0, duration / 3),
                connections=1,
                threads=1,
            )
            ratios = {
                "rps_vs_ceiling": load.requests_per_second / ceiling.requests_per_second,
                "p99_vs_ceiling": load.p99_ms / ceiling.p99_ms if ceiling.p99_ms else float("inf"),
            }
            results.append(RowResult(row.name, load, ceiling, single, wrong, ratios))
        memory, memory_kind = memory_of(server.pid)
    return {
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "settings": {
            "duration_s": duration,
            "connections": connections,
            "threads": threads,
            "workers": workers,
            "wsgi_server": "granian",
            "response_cache": response_cache,
        },
        "rows": [asdict(r) for r in results],
        "server_memory_bytes": memory,
        "server_memory_kind": memory_kind,
    }


def render(figures: dict[str, Any]) -> str:
    s = figures["settings"]
    lines = [
        f"terminology bench: {s['workers']} workers under {s['wsgi_server']}, wrk -t{s['threads']} "
        f"-c{s['connections']} -d{s['duration_s']:g}s per row, {figures['machine']['cpus']} CPUs, "
        f"response cache {'on' if s['response_cache'] else 'off'}",
        "",
        f"{'operation':<42}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"
        f"{'ceil req/s':>12}{'ceil p99':>10}{'x req/s':>9}{'x p99':>8}{'1c p50':>9}"
        f"{'1c p99':>9}  answer",
    ]
    for r in figures["rows"]:
        load, ceiling, single, ratios = r["load"], r["ceiling"], r["single"], r["ratios"]
        lines.append(
            f"{r['name']:<42}{load['requests_per_second']:>9.0f}{load['p50_ms']:>9.2f}"
            f"{load['p99_ms']:>9.2f}{load['errors'] + single['errors']:>8}"
            f"{ceiling['requests_per_second']:>12.0f}{ceiling['p99_ms']:>10.2f}"
            f"{ratios['rps_vs_ceiling']:>9.2f}{ratios['p99_vs_ceiling']:>8.2f}"
            f"{single['p50_ms']:>9.2f}{single['p99_ms']:>9.2f}  {r['wrong_answer'] or 'ok'}"
        )
    memory = figures["server_memory_bytes"] / (1024 * 1024)
    lines += [
        "",
        f"server memory after the run: {memory:.1f} MiB "
        f"({figures['server_memory_kind']}, summed over all server processes)",
    ]
    return "\n".join(lines)


def failures(figures: dict[str, Any]) -> list[str]:
    out = []
    for r in figures["rows"]:
        errors = r["load"]["errors"] + r["single"]["errors"]
        if errors:
            out.append(f"{r['name']}: {errors} requests failed")
        if r["wrong_answer"]:
            out.append(f"{r['name']}: wrong answer: {r['wrong_answer']}")
    return out
