"""The load generator: finding (or installing) wrk, running it at one row, reading its output."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from terminology.bench.rotation import body_script, lua_script
from terminology.bench.rows import Row


@dataclass
class Load:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int


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


def write_script(row: Row, directory: Path) -> Path | None:
    """The wrk Lua script a row needs (a POST body, or the paths to cycle through), if any."""
    script = directory / "row.lua"
    if row.bodies:
        bodies = directory / "bodies.txt"
        bodies.write_text("".join(f"{b}\n" for b in row.bodies))
        script.write_text(body_script(bodies, row.path))
        return script
    if row.rotation:
        paths = directory / "paths.txt"
        paths.write_text("".join(f"{q.path}\n" for q in row.rotation))
        script.write_text(lua_script(paths))
        return script
    if row.method == "POST":
        body = json.dumps(row.body)
        script.write_text(
            'wrk.method = "POST"\n'
            f"wrk.body = {json.dumps(body)}\n"
            'wrk.headers["Content-Type"] = "application/fhir+json"\n'
        )
        return script
    return None


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
        script = write_script(row, Path(tmp))
        if script is not None:
            command += ["-s", str(script)]
        command.append(url)
        completed = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
        return parse_wrk(completed.stdout)
