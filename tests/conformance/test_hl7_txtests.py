"""The HL7 terminology-ecosystem conformance cases, run against the real server.

The suite lives outside this repository (``../shared/txtests`` by default, or the nearest
``shared/txtests`` above the checkout; set ``TERMINOLOGY_TXTESTS`` to point elsewhere): the
``tests`` folder of HL7's fhir-tx-ecosystem-ig repository beside ``run_txtests.py``. On a fresh
clone without it the test is skipped with a reason saying so; CI sets
``TERMINOLOGY_REQUIRE_TXTESTS=1``, which makes its absence a failure.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.conftest import ROOT, RunningServer

OPS = "lookup,validate-code,cs-validate-code,metadata,term-caps"


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
            "--ops",
            OPS,
            "--json",
            str(report),
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert report.exists(), completed.stdout[-3000:] + completed.stderr[-3000:]
    results = json.loads(report.read_text())["results"]
    failed = {f"{r['suite']}/{r['test']}": r["message"] for r in results if r["status"] == "fail"}
    ran = [r for r in results if r["status"] != "skip"]
    table = completed.stdout[completed.stdout.find("\nsuite") :]
    print(table)
    listing = "\n".join(f"{k}: {v}" for k, v in failed.items())
    assert not failed, f"conformance failures:\n{listing}"
    assert len(ran) == 325
