"""Drive load at the real server and at the bare-Flask ceiling in one run, and report both.

Every figure is measured in the same run on the same machine, so the ratios to the ceiling are
meaningful even where absolute numbers are not. Load goes to 127.0.0.1 only and every row is
bounded in time. A row whose sample answer is wrong, or any request with an error status,
makes the run fail: a fast wrong server must not look good.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import requests

from terminology.bench.resources import measured_payer_rule_cost, measured_stage_costs
from terminology.bench.rotation import check_answer, spread
from terminology.bench.rows import Row, Target, rows
from terminology.bench.target import target_base
from terminology.bench.verdict import verdict
from terminology.bench.wrk import BenchError, Load, find_wrk, run_wrk
from terminology.codec.fhir_xml_read import parse_xml
from terminology.config import Settings

#: Questions of a rotating row whose answers are checked before its load runs.
ROTATION_SAMPLE = 60


@dataclass
class RowResult:
    name: str
    load: Load
    ceiling: Load
    single: Load
    wrong_answer: str | None = None
    ratios: dict[str, float] = field(default_factory=dict)
    target: Target | None = None
    #: Distinct requests wrk cycled through (0 for a row that repeats one request).
    distinct: int = 0
    #: Resources validated per second per worker ($validate rows), else 0.
    resources_per_worker: float = 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


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


def start_up_seconds(command: list[str], port: int, env: dict[str, str]) -> float:
    """Seconds from launching ``command`` to its first answer."""
    started = time.monotonic()
    with running(command, port, env):
        return time.monotonic() - started


def sample(base: str, row: Row) -> str | None:
    """Why one answer of the real server is wrong (for a rotating row, any answer of a spread
    of its questions), or None."""
    if row.rotation:
        with requests.Session() as session:
            for question in spread(row.rotation, ROTATION_SAMPLE):
                response = session.get(base + question.path, timeout=10)
                if response.status_code != 200:
                    return f"{question.path}: HTTP {response.status_code}: {response.text[:200]}"
                wrong = check_answer(question, response.json())
                if wrong:
                    return wrong
        return None
    url = base + row.path
    response = (
        requests.post(url, json=row.body, timeout=10)
        if row.method == "POST"
        else requests.get(url, timeout=10)
    )
    if response.status_code != 200:
        return f"HTTP {response.status_code}: {response.text[:200]}"
    if not row.check:
        return None
    xml = "xml" in response.headers.get("Content-Type", "")
    return row.check(parse_xml(response.content) if xml else response.json())


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
    rounds: int = 3,
    target: str | None = None,
    only: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Run every row against the server (or the running ``target``) and the ceiling; the
    figures as a plain dict."""
    target = target_base(target) if target is not None else None
    wrk = find_wrk()
    table = select(rows(Settings.from_env().content_dir), only)
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
    server_base = target or f"http://127.0.0.1:{server_port}"
    ceiling_base = f"http://127.0.0.1:{ceiling_port}"
    results: list[RowResult] = []
    server_env = {} if response_cache else {"TERMINOLOGY_RESPONSE_CACHE_ENTRIES": "0"}
    start_up: dict[str, float] | None = None
    if target is None:
        with tempfile.TemporaryDirectory(prefix="bench-store-") as scratch:
            # A new store is seeded (the built-in content and every shipped ICD-10-CM year)
            # before the first answer; a second start finds it built.
            fresh_env = {**server_env, "TERMINOLOGY_STORE": str(Path(scratch) / "store.sqlite")}
            start_up = {
                "new_store_s": start_up_seconds(server_cmd, server_port, fresh_env),
                "built_store_s": start_up_seconds(server_cmd, server_port, fresh_env),
            }
    served: AbstractContextManager[subprocess.Popen[bytes] | None] = (
        nullcontext() if target else running(server_cmd, server_port, server_env)
    )
    with (
        served as server,
        running(ceiling_cmd, ceiling_port),
    ):
        for row in table:
            wrong = sample(server_base, row)

            def measure(base: str, seconds: float, row: Row = row) -> Load:
                return run_wrk(
                    wrk,
                    base + row.path,
                    row,
                    duration=seconds,
                    connections=connections,
                    threads=threads,
                )

            load, ceiling, rps_ratio = paired(
                measure,
                server_base,
                ceiling_base,
                duration,
                rounds,
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
                "rps_vs_ceiling": rps_ratio,
                "p99_vs_ceiling": load.p99_ms / ceiling.p99_ms if ceiling.p99_ms else float("inf"),
            }
            per_worker = (
                load.requests_per_second * row.resources_per_request / workers
                if row.path.endswith("/$validate")
                else 0.0
            )
            results.append(
                RowResult(
                    row.name,
                    load,
                    ceiling,
                    single,
                    wrong,
                    ratios,
                    row.target,
                    len(row.rotation) or len(row.bodies),
                    per_worker,
                )
            )
        # A target's processes are not ours to find; its memory is not reported.
        memory, memory_kind = memory_of(server.pid) if server is not None else (0, "")
    validating = any(row.path.endswith("/$validate") for row in table)
    return {
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "settings": {
            "duration_s": duration,
            "connections": connections,
            "threads": threads,
            "workers": workers,
            "rounds": rounds,
            "wsgi_server": "granian",
            "response_cache": response_cache,
            "target": target,
        },
        "rows": [_with_verdict(asdict(r)) for r in results],
        "server_memory_bytes": memory,
        "server_memory_kind": memory_kind,
        "start_up": start_up,
        # In-process costs of $validate's stages: measured only when $validate rows ran.
        "validate_stages_us": measured_stage_costs() if validating else None,
        "payer_rules": measured_payer_rule_cost() if validating else None,
    }


def select(table: list[Row], only: tuple[str, ...]) -> list[Row]:
    """The rows whose names contain one of ``only`` (all when it is empty)."""
    if not only:
        return table
    chosen = [row for row in table if any(text in row.name for text in only)]
    if not chosen:
        names = "; ".join(row.name for row in table)
        raise BenchError(f"--only {' '.join(only)!r} names no row; the rows are: {names}")
    return chosen


def paired(
    measure: Callable[[str, float], Load],
    server_base: str,
    ceiling_base: str,
    duration: float,
    rounds: int,
) -> tuple[Load, Load, float]:
    """The server and the ceiling measured in alternating slices of one row's time.

    On a shared machine the capacity drifts by tens of percent within a minute, so a ceiling
    measured after the server (or before) is a different machine. Alternating short slices,
    in turn order swapped each round, and taking the median of the per-round ratios reads
    both against the same machine. Each side's figures are its slices combined: mean
    throughput, median latencies, summed counts."""
    seconds = max(1.0, duration / max(rounds, 1))
    ours: list[Load] = []
    theirs: list[Load] = []
    for index in range(max(rounds, 1)):
        order = [(server_base, ours), (ceiling_base, theirs)]
        for base, into in order if index % 2 == 0 else reversed(order):
            into.append(measure(base, seconds))
    ratios = [
        o.requests_per_second / c.requests_per_second if c.requests_per_second else 0.0
        for o, c in zip(ours, theirs, strict=True)
    ]
    return combine(ours), combine(theirs), statistics.median(ratios)


def combine(slices: list[Load]) -> Load:
    return Load(
        requests_per_second=statistics.fmean(s.requests_per_second for s in slices),
        p50_ms=statistics.median(s.p50_ms for s in slices),
        p99_ms=statistics.median(s.p99_ms for s in slices),
        errors=sum(s.errors for s in slices),
        requests=sum(s.requests for s in slices),
    )


def _with_verdict(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "verdict": asdict(verdict(row))}
