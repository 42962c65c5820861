"""Smoke test of ``terminology bench``: one second per row, the table's shape, no timing asserts."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from terminology.bench import wrk
from terminology.bench.rows import ROWS
from terminology.bench.runner import failures
from terminology.bench.wrk import parse_wrk
from tests.conftest import terminology_command

WRK_OUTPUT = """Running 1s test @ http://127.0.0.1:1/fhir/metadata
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.78ms    2.10ms  45.25ms   91.51%
  Latency Distribution
     50%  850.00us
     75%    1.50ms
     90%    3.10ms
     99%    1.20s
  10920 requests in 1.00s, 13.83MB read
  Non-2xx or 3xx responses: 3
  Socket errors: connect 0, read 1, write 0, timeout 2
Requests/sec:  10914.28
"""


def test_wrk_output_is_read_with_units_and_errors() -> None:
    load = parse_wrk(WRK_OUTPUT)
    assert load.requests_per_second == 10914.28
    assert load.p50_ms == 0.85
    assert load.p99_ms == 1200.0
    assert load.errors == 6
    assert load.requests == 10920


def test_bench_runs_and_prints_its_table(tmp_path: Path) -> None:
    report = tmp_path / "bench.json"
    completed = subprocess.run(
        [*terminology_command(), "bench", "--duration", "1", "--json", str(report)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    lines = completed.stdout.splitlines()
    header = next(line for line in lines if line.startswith("operation"))
    for column in ("req/s", "p50 ms", "p99 ms", "errors", "ceil req/s", "x req/s", "1c p99"):
        assert column in header
    for row in ROWS:
        assert any(line.startswith(row.name) and line.endswith("ok") for line in lines), row.name
    assert "server memory after the run" in completed.stdout
    figures = json.loads(report.read_text())
    assert [r["name"] for r in figures["rows"]] == [row.name for row in ROWS]
    for r in figures["rows"]:
        assert r["load"]["requests"] > 0 and r["ceiling"]["requests"] > 0
        assert r["load"]["errors"] == 0 and r["wrong_answer"] is None
    assert figures["server_memory_bytes"] > 0


def _figures(errors: int, wrong: str | None) -> dict:
    load = {
        "requests_per_second": 1.0,
        "p50_ms": 1.0,
        "p99_ms": 1.0,
        "errors": errors,
        "requests": 10,
    }
    ok = {**load, "errors": 0}
    return {
        "rows": [
            {
                "name": "row",
                "load": load,
                "ceiling": ok,
                "single": ok,
                "wrong_answer": wrong,
                "ratios": {},
            }
        ]
    }


def test_failed_requests_and_wrong_answers_fail_the_run() -> None:
    assert failures(_figures(0, None)) == []
    assert failures(_figures(3, None)) == ["row: 3 requests failed"]
    assert failures(_figures(0, "result is False")) == ["row: wrong answer: result is False"]


def test_missing_wrk_that_cannot_be_installed_is_a_clear_error(monkeypatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(wrk.BenchError, match="wrk"):
        wrk.find_wrk()
