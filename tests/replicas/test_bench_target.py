"""``terminology bench --target``: load driven through nginx at replicas the bench did not
start, measured against its own ceiling; and targets it must refuse."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import free_port, terminology_command
from tests.replicas.topology import replica_env, topology


def bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*terminology_command(), "bench", *args], capture_output=True, text=True, timeout=300
    )


def test_bench_measures_replicas_behind_nginx(
    tmp_path: Path, postgres_url: str, postgres_schema: str
) -> None:
    report = tmp_path / "bench.json"
    with topology(tmp_path, replica_env(postgres_url, postgres_schema)) as cluster:
        completed = bench(
            "--target",
            f"{cluster.base}/fhir",
            "--only",
            "/metadata",
            "--duration",
            "1",
            "--rounds",
            "1",
            "--json",
            str(report),
        )
        log = [json.loads(line) for line in cluster.access_log()]
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert f"target {cluster.base} against a ceiling of 2 workers" in completed.stdout
    assert "server memory" not in completed.stdout
    figures = json.loads(report.read_text())
    assert figures["settings"]["target"] == cluster.base
    assert [r["name"] for r in figures["rows"]] == ["/metadata", "/metadata?mode=terminology"]
    for row in figures["rows"]:
        assert row["load"]["requests"] > 100 and row["load"]["errors"] == 0
        assert row["wrong_answer"] is None
    # The load went through nginx, to both replicas.
    through = [e for e in log if e["path"] == "/fhir/metadata" and e["status"] == 200]
    assert len(through) >= sum(r["load"]["requests"] for r in figures["rows"])
    assert len({e["upstream"] for e in through}) == 2


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("http://192.0.2.10:8080", "drives load at this machine only"),
        ("https://127.0.0.1:8080", "give an http:// URL"),
        (f"http://127.0.0.1:{free_port()}", "does not answer"),
    ],
)
def test_bench_refuses_a_target_it_cannot_or_must_not_load(target: str, message: str) -> None:
    completed = bench("--target", target, "--duration", "1")
    assert completed.returncode == 2
    assert message in completed.stderr
    assert "Traceback" not in completed.stderr


def test_bench_names_the_rows_when_only_matches_none() -> None:
    completed = bench("--only", "no such row", "--duration", "1")
    assert completed.returncode == 2
    assert "names no row; the rows are: CodeSystem/$lookup GET" in completed.stderr
