"""The HL7 terminology-ecosystem conformance cases, run against the real server.

The suite lives outside this repository (``../shared/txtests`` by default, or the nearest
``shared/txtests`` above the checkout; set ``TERMINOLOGY_TXTESTS`` to point elsewhere): the
``tests`` folder of HL7's fhir-tx-ecosystem-ig repository beside ``run_txtests.py``. On a fresh
clone without it the test is skipped with a reason saying so; CI sets
``TERMINOLOGY_REQUIRE_TXTESTS=1``, which makes its absence a failure.

Every suite runs, with ``--strict`` (no string passes by the Java comparison's base64 quirk),
against a server of the session. Only cases of the operations in ``LATER_OPERATIONS`` may fail;
the number of cases that ran is pinned, and the runner's per-suite table is printed after the run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conformance.conftest import TABLES
from tests.conftest import ROOT, RunningServer

#: Operations of the suite that a later issue adds to the server (none now: every case must
#: pass). Their cases would be expected to fail until then, and only theirs: a case's operation
#: is the one its test definition in the suite names (``test-cases.json``; the runner's JSON
#: report carries it for each case), never a list of test names. The test fails if one of these
#: operations passes every case it has (so an entry cannot go stale) and on any failing case of
#: another operation.
LATER_OPERATIONS: dict[str, str] = {}

#: Cases the runner runs: the suite's 474 less the 3 marked for tx.fhir.org only.
CASES_RUN = 471


@dataclass(frozen=True)
class Verdict:
    """What a run's results mean against ``LATER_OPERATIONS``."""

    #: ``suite/test`` of each failing case of an operation the server has: why it failed.
    unexpected: dict[str, str]
    #: ``suite/test`` of each failing case of an operation a later issue adds: its operation.
    expected: dict[str, str]
    #: Operations listed in ``LATER_OPERATIONS`` with no failing case (remove them).
    stale: list[str]


def judge(results: list[dict[str, Any]], later: Mapping[str, str] = LATER_OPERATIONS) -> Verdict:
    """Sort the runner's results (its ``--json`` report's ``results``) into the failures allowed
    by operation and the others."""
    unexpected: dict[str, str] = {}
    expected: dict[str, str] = {}
    for result in results:
        if result["status"] != "fail":
            continue
        name = f"{result['suite']}/{result['test']}"
        operation = str(result.get("operation"))
        if operation in later:
            expected[name] = operation
        else:
            unexpected[name] = f"[{operation}] {result['message']}"
    stale = sorted(op for op in later if op not in expected.values())
    return Verdict(unexpected, expected, stale)


def test_judge_allows_failures_by_operation_only() -> None:
    def case(test: str, operation: str, status: str) -> dict[str, Any]:
        return {
            "suite": "s",
            "test": test,
            "operation": operation,
            "status": status,
            "message": "m",
        }

    results = [
        case("translate-1", "translate", "fail"),
        case("validate-1", "validate-code", "fail"),
        case("expand-1", "expand", "pass"),
        case("batch-1", "batch-validate", "pass"),
        {"suite": "s", "test": "skipped", "status": "skip", "message": "mode"},
    ]
    verdict = judge(results, {"translate": "later", "batch-validate": "later"})
    assert verdict.unexpected == {"s/validate-1": "[validate-code] m"}
    assert verdict.expected == {"s/translate-1": "translate"}
    assert verdict.stale == ["batch-validate"]
    # With nothing listed, every failing case is a failure.
    assert judge(results, {}).unexpected == {
        "s/translate-1": "[translate] m",
        "s/validate-1": "[validate-code] m",
    }


def txtests_dir() -> Path:
    """``TERMINOLOGY_TXTESTS``, else the nearest ``shared/txtests`` beside the repository or
    beside one of its parent folders (``../shared/txtests`` in the usual checkout)."""
    configured = os.environ.get("TERMINOLOGY_TXTESTS")
    if configured:
        return Path(configured)
    candidates = [parent / "shared" / "txtests" for parent in ROOT.parents]
    return next((c for c in candidates if (c / "run_txtests.py").exists()), candidates[0])


def missing_suite(suite: Path, env: Mapping[str, str]) -> tuple[bool, str] | None:
    """None when the suite is at ``suite``; else whether that is a failure (it is when
    ``TERMINOLOGY_REQUIRE_TXTESTS=1``; a skip otherwise) and a one-line reason."""
    if (suite / "run_txtests.py").exists() and (suite / "tests").is_dir():
        return None
    required = env.get("TERMINOLOGY_REQUIRE_TXTESTS", "") == "1"
    return required, (
        f"HL7 conformance suite not found at {suite}: put the 'tests' folder of "
        "https://github.com/HL7/fhir-tx-ecosystem-ig beside run_txtests.py there, or set "
        "TERMINOLOGY_TXTESTS to the folder holding both"
    )


def test_missing_suite_is_a_skip_unless_required(tmp_path: Path) -> None:
    empty = tmp_path / "txtests"
    empty.mkdir()
    skipped = missing_suite(empty, {})
    assert skipped is not None
    required, reason = skipped
    assert not required
    assert str(empty) in reason
    assert "fhir-tx-ecosystem-ig" in reason and "TERMINOLOGY_TXTESTS" in reason
    assert "\n" not in reason
    assert missing_suite(empty, {"TERMINOLOGY_REQUIRE_TXTESTS": "1"}) == (True, reason)
    assert missing_suite(empty, {"TERMINOLOGY_REQUIRE_TXTESTS": "0"}) == (False, reason)
    (empty / "run_txtests.py").write_text("")
    (empty / "tests").mkdir()
    assert missing_suite(empty, {"TERMINOLOGY_REQUIRE_TXTESTS": "1"}) is None


def test_hl7_terminology_ecosystem_cases(server: RunningServer, tmp_path: Path) -> None:
    suite = txtests_dir()
    runner = suite / "run_txtests.py"
    missing = missing_suite(suite, os.environ)
    if missing is not None:
        required, reason = missing
        if required:
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    report = tmp_path / "report.json"
    completed = subprocess.run(
        [
            sys.executable,
            str(runner),
            "--base",
            server.base,
            "--suite",
            str(suite / "tests"),
            "--strict",
            "--json",
            str(report),
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert report.exists(), completed.stdout[-3000:] + completed.stderr[-3000:]
    results = json.loads(report.read_text())["results"]
    ran = [r for r in results if r["status"] != "skip"]
    table = completed.stdout[completed.stdout.find("\nsuite") + 1 :]
    TABLES.append(table)
    print(table)
    verdict = judge(results)
    listing = "\n".join(f"{name}: {why}" for name, why in verdict.unexpected.items())
    assert not verdict.unexpected, f"conformance failures:\n{listing}"
    assert not verdict.stale, (
        f"operations listed as added later but passing every case, remove them: {verdict.stale}"
    )
    assert len(ran) == CASES_RUN
