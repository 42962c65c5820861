"""Smoke test of ``terminology bench``: one second per row, the table's shape, no timing asserts."""

from __future__ import annotations

import http.server
import json
import shutil
import socketserver
import subprocess
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from terminology.bench import wrk
from terminology.bench.report import failures
from terminology.bench.rotation import (
    ABSENT_CODE,
    Question,
    check_answer,
    code_system_questions,
    read_content,
    spread,
    value_set_questions,
)
from terminology.bench.rows import Row, Target, rotating, rows
from terminology.bench.verdict import render_verdicts, verdict
from terminology.bench.wrk import BenchError, parse_wrk
from terminology.operations.context import Services
from tests.conftest import CONTENT_DIR, RunningServer, terminology_command

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
    table = rows(CONTENT_DIR)
    for row in table:
        assert any(line.startswith(row.name) and line.endswith("ok") for line in lines), row.name
    assert "server memory after the run" in completed.stdout
    assert "verdict against the targets" in completed.stdout
    figures = json.loads(report.read_text())
    assert [r["name"] for r in figures["rows"]] == [row.name for row in table]
    for r in figures["rows"]:
        assert r["load"]["requests"] > 0 and r["ceiling"]["requests"] > 0
        assert r["load"]["errors"] == 0 and r["wrong_answer"] is None
        assert r["verdict"]["met"] in (True, False, None)
    assert any(r["distinct"] > 300 for r in figures["rows"])
    assert figures["server_memory_bytes"] > 0
    payer = figures["payer_rules"]
    assert payer["claims_per_s_with"] > 0 and payer["claims_per_s_without"] > 0
    assert "payer rules (NCD 210.14, NCCI pairs and units), claims/s" in completed.stdout


def _figures(errors: int, wrong: str | None) -> dict[str, Any]:
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


# The rotating rows: many distinct, well-formed questions generated from the content.


def _query(path: str) -> dict[str, str]:
    parts = urlsplit(path)
    query = parse_qs(parts.query, strict_parsing=True)
    assert all(len(values) == 1 for values in query.values()), path
    return {name: values[0] for name, values in query.items()}


@pytest.fixture(scope="module")
def vs_questions() -> list[Question]:
    return value_set_questions(read_content(CONTENT_DIR))


@pytest.fixture(scope="module")
def cs_questions() -> list[Question]:
    return code_system_questions(read_content(CONTENT_DIR))


def test_value_set_questions_are_many_distinct_well_formed_urls(
    vs_questions: list[Question],
) -> None:
    paths = [q.path for q in vs_questions]
    assert len(paths) >= 300 and len(set(paths)) == len(paths)
    dates: set[str] = set()
    for path in paths:
        assert urlsplit(path).path == "/fhir/ValueSet/$validate-code", path
        query = _query(path)
        assert set(query) == {"url", "system", "code", "date"}, path
        dates.add(date.fromisoformat(query["date"]).isoformat())
    assert len(dates) >= 5
    assert {q.expected for q in vs_questions} == {True, False}


def test_every_listed_code_of_every_value_set_is_asked_on_several_dates(
    vs_questions: list[Question],
) -> None:
    asked: dict[tuple[str, str, str], set[str]] = {}
    for q in vs_questions:
        query = _query(q.path)
        asked.setdefault((query["url"], query["system"], query["code"]), set()).add(query["date"])
    content = read_content(CONTENT_DIR)
    for url, includes in content.value_sets.items():
        for include in includes:
            for code in include.codes:
                assert len(asked[(url, include.system, code)]) >= 2, (url, code)
            assert (url, include.system, ABSENT_CODE) in asked
    icd = "http://hl7.org/fhir/sid/icd-10-cm"
    icd_dates = {d for (_, system, _), days in asked.items() if system == icd for d in days}
    assert "2026-04-01" in icd_dates  # the middle of ICD-10-CM FY2026 (2025-10-01..2026-09-30)


def test_code_system_questions_cover_every_loaded_system(cs_questions: list[Question]) -> None:
    paths = [q.path for q in cs_questions]
    assert len(paths) >= 300 and len(set(paths)) == len(paths)
    systems = {_query(p)["url"] for p in paths}
    assert systems == set(read_content(CONTENT_DIR).versions)
    assert all(urlsplit(p).path == "/fhir/CodeSystem/$validate-code" for p in paths)


def test_a_spread_of_questions_is_answered_right_by_the_real_server(
    server: RunningServer, vs_questions: list[Question], cs_questions: list[Question]
) -> None:
    base = server.base.removesuffix("/fhir")
    for question in [*spread(vs_questions, 12), *spread(cs_questions, 12)]:
        response = server.get(question.path.removeprefix("/fhir"))
        assert response.status_code == 200, (question.path, response.text[:300])
        assert check_answer(question, response.json()) is None
        assert base + question.path == response.url


def _code_system(version: str, start: str, end: str, codes: list[str]) -> dict[str, Any]:
    return {
        "resourceType": "CodeSystem",
        "id": f"cs-{version}",
        "url": "http://example.org/cs",
        "version": version,
        "status": "active",
        "content": "fragment",
        "extension": [
            {
                "url": "http://hl7.org/fhir/5.0/StructureDefinition/"
                "extension-CodeSystem.effectivePeriod",
                "valuePeriod": {"start": start, "end": end},
            }
        ],
        "concept": [{"code": c, "display": c} for c in codes],
    }


def test_questions_follow_the_content_they_are_generated_from(tmp_path: Path) -> None:
    resources = [
        _code_system("2020", "2020-01-01", "2020-12-31", ["A", "B", "C"]),
        _code_system("2021", "2021-01-01", "2021-12-31", ["A", "C", "D"]),
        {
            "resourceType": "ValueSet",
            "id": "vs",
            "url": "http://example.org/vs",
            "status": "active",
            "compose": {
                "include": [{"system": "http://example.org/cs", "concept": [{"code": "A"}]}]
            },
        },
    ]
    for r in resources:
        (tmp_path / f"{r['id']}.json").write_text(json.dumps(r))
    content = read_content(tmp_path)
    asked = {
        (_query(q.path)["code"], _query(q.path)["date"]): q.expected
        for q in value_set_questions(content, "/base")
    }
    # A listed code, non-members of the same system and an absent code, on each version's middle.
    assert asked == {
        (code, day): code == "A"
        for code in ("A", "B", "C", "D", ABSENT_CODE)
        for day in ("2020-07-01", "2021-07-02")
    }
    by_cs = {
        (_query(q.path)["code"], _query(q.path)["date"]): q.expected
        for q in code_system_questions(content)
    }
    assert by_cs[("B", "2020-07-01")] is True
    assert by_cs[("B", "2021-07-02")] is False  # deleted: another version holds it
    assert by_cs[(ABSENT_CODE, "2021-07-02")] is None  # the fragment rules decide


def test_answers_are_checked_against_the_expected_result() -> None:
    def answer(result: dict[str, Any]) -> dict[str, Any]:
        return {"resourceType": "Parameters", "parameter": [{"name": "result", **result}]}

    member = Question("/fhir/ValueSet/$validate-code?code=A", True)
    assert check_answer(member, answer({"valueBoolean": True})) is None
    assert "expected True" in (check_answer(member, answer({"valueBoolean": False})) or "")
    assert "no boolean" in (check_answer(member, answer({"valueString": "x"})) or "")
    assert "OperationOutcome" in (check_answer(member, {"resourceType": "OperationOutcome"}) or "")
    unknown = Question("/fhir/CodeSystem/$validate-code?code=Z", None)
    assert check_answer(unknown, answer({"valueBoolean": False})) is None


def test_spread_keeps_the_ends_and_spaces_the_rest_evenly() -> None:
    assert spread(list(range(11)), 3) == [0, 5, 10]
    assert spread([1, 2], 5) == [1, 2]
    assert spread([1, 2, 3], 0) == []


class _Recorder(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    paths: list[str] = []

    def do_GET(self) -> None:
        self.paths.append(self.path)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


@pytest.fixture
def recorder() -> Iterator[tuple[str, list[str]]]:
    _Recorder.paths = []
    httpd = _Server(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", _Recorder.paths
    httpd.shutdown()
    httpd.server_close()


def test_wrk_cycles_through_the_rotating_rows_questions(
    recorder: tuple[str, list[str]],
) -> None:
    url, seen = recorder
    questions = [Question(f"/fhir/ValueSet/$validate-code?code=c{i}", None) for i in range(50)]
    row = rotating("rotating", questions, None)
    load = wrk.run_wrk(wrk.find_wrk(), url + row.path, row, duration=1, connections=2, threads=2)
    assert load.requests > 0 and load.errors == 0
    assert set(seen) <= {q.path for q in questions}
    # Each thread walks the list in order from its own start, so requests differ in a row.
    assert len(set(seen)) >= min(len(seen), len(questions)) // 2


# Latency percentiles and the verdict against the targets.


def test_a_wrk_report_without_latency_percentiles_is_a_clear_error() -> None:
    without = "\n".join(line for line in WRK_OUTPUT.splitlines() if "%" not in line)
    with pytest.raises(BenchError, match="could not read"):
        parse_wrk(without)


def _row(rps: float, p99: float, target: Target | None, **extra: Any) -> dict[str, Any]:
    load = {"requests_per_second": rps, "p50_ms": 1.0, "p99_ms": p99, "errors": 0, "requests": 9}
    ceiling = {**load, "requests_per_second": 1000.0, "p99_ms": 10.0}
    return {
        "name": extra.pop("name", "row"),
        "load": load,
        "ceiling": ceiling,
        "single": {**load},
        "wrong_answer": None,
        "ratios": {"rps_vs_ceiling": rps / 1000.0, "p99_vs_ceiling": p99 / 10.0},
        "target": None if target is None else {"rps_ratio": target.rps_ratio, "p99_ratio": 2.0},
        **extra,
    }


def test_verdict_reads_each_ratio_against_its_target() -> None:
    met = verdict(_row(800, 15, Target(0.7)))
    assert met.met is True and met.label == "met"
    assert met.text == "req/s 0.80x >= 0.70x, p99 1.50x <= 2.00x"
    slow = verdict(_row(600, 15, Target(0.7)))
    assert slow.met is False and slow.label == "MISSED"
    assert slow.text == "req/s 0.60x < 0.70x, p99 1.50x <= 2.00x"
    post = verdict(_row(600, 25, Target(0.5)))
    assert post.met is False and post.text == "req/s 0.60x >= 0.50x, p99 2.50x > 2.00x"
    wrong = verdict(_row(900, 5, Target(0.7), wrong_answer="result is False"))
    assert wrong.met is False and wrong.text.endswith("a wrong answer")
    none = verdict(_row(900, 5, None))
    assert none.met is None and none.label == "-" and none.text == "no target"


def test_verdicts_are_printed_one_line_per_row_with_a_summary() -> None:
    lines = render_verdicts(
        [
            _row(800, 15, Target(0.7), name="fast"),
            _row(400, 15, Target(0.5), name="slow POST"),
            _row(900, 5, None, name="/metadata"),
        ]
    )
    assert lines[0].startswith("verdict against the targets (")
    assert "0.7x" in lines[0] and "0.5x" in lines[0] and "2x" in lines[0]
    assert lines[1].split()[:2] == ["fast", "met"]
    assert lines[2].split()[:3] == ["slow", "POST", "MISSED"]
    assert lines[3].split()[:2] == ["/metadata", "-"]
    assert lines[4] == "targets met by 1 of 2 rows with targets"


def test_rows_carry_the_targets_of_issues_8_and_9() -> None:
    table: list[Row] = rows(CONTENT_DIR)
    targets = {row.name: row.target for row in table}
    assert targets["ValueSet/$validate-code POST (3 codings)"] == Target(0.5)
    # Issue 8's targets are for JSON; the XML row measures what the format costs beside it.
    validate = [row for row in table if "$validate-code" in row.name and "XML" not in row.name]
    assert all(row.target is not None for row in validate)
    assert any("XML" in row.name and "$validate-code" in row.name for row in table)
    assert sum(1 for row in validate if row.rotation) == 3
    assert targets["ICD-10-CM $lookup GET rotating"] == Target(0.7)
    icd = [row for row in table if row.name.startswith("ICD-10-CM") and row.rotation]
    assert all(len(row.rotation) == 4000 for row in icd)  # 2,000 codes of each fiscal year


def test_server_and_ceiling_alternate_and_the_ratio_is_the_median_of_the_slices() -> None:
    from terminology.bench.runner import paired
    from terminology.bench.wrk import Load

    calls: list[str] = []
    # The machine slows down slice by slice; each slice's ratio is still 0.5.
    speed = iter([100.0, 200.0, 160.0, 80.0, 60.0, 120.0])

    def measure(base: str, seconds: float) -> Load:
        calls.append(base)
        assert seconds == 2.0
        rps = next(speed)
        return Load(rps, 1.0 if base == "server" else 0.5, 10.0, 0, int(rps * seconds))

    load, ceiling, ratio = paired(measure, "server", "ceiling", 6, 3)
    assert calls == ["server", "ceiling", "ceiling", "server", "server", "ceiling"]
    assert ratio == 0.5
    assert load.requests_per_second == (100 + 80 + 60) / 3
    assert ceiling.requests == (200 + 160 + 120) * 2
    assert load.p50_ms == 1.0 and ceiling.p50_ms == 0.5


def test_generated_claims_and_orders_are_clean_except_the_planted_mistakes(
    services: Services,
) -> None:
    from terminology.bench.resources import claims, orders
    from terminology.checks.profiles import read_profiles
    from terminology.checks.validate import ResourceValidator
    from terminology.codec.resource_structure import structure_problems
    from terminology.config import default_conformance_dir

    validator = ResourceValidator(services, read_profiles(default_conformance_dir()))

    def structure(resource):
        return [(p.relative, p.text, p.code) for p in structure_problems(resource)]

    for index, resource in enumerate([*claims(60), *orders(60)]):
        errors = [f for f in validator.resource(resource, structure) if f.severity == "error"]
        planted = index % 60 % 6 == 5
        assert bool(errors) == planted, (index, errors)
        assert not [f for f in errors if f.reason == "structure"], errors


def test_the_post_rotation_script_cycles_bodies(tmp_path: Path) -> None:
    from terminology.bench.rotation import body_script

    script = body_script(tmp_path / "bodies.txt", "/fhir/Claim/$validate")
    assert 'wrk.format("POST", "/fhir/Claim/$validate", headers, items[index])' in script
