"""After loading LOINC fixture releases that hold our chest-imaging LOINC terms (with Playbook
attributes), every chest-imaging test that uses LOINC still passes: those test files run again,
in a pytest of their own, against a server whose store has both fixture releases loaded (the
newest, 2.85, then answers for LOINC instead of our 2.83 fragment)."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import LOINC_RELEASES_ENV, ROOT

FIXTURES = ROOT / "tests" / "loaders" / "fixtures" / "loinc"
#: The API tests that ask about LOINC codes (orders, crosswalk, look-ups, maps, value sets).
LOINC_TESTS = [
    "tests/api/test_lookup.py",
    "tests/api/test_crosswalk.py",
    "tests/api/test_translate.py",
    "tests/api/test_validate_resources.py",
    "tests/api/test_validate_code.py",
    "tests/api/test_expand.py",
]


def test_chest_imaging_tests_pass_with_a_loaded_loinc_release() -> None:
    releases = os.pathsep.join(
        [f"{FIXTURES / 'Loinc_2.84'}@2026-02-01", f"{FIXTURES / 'Loinc_2.85'}@2026-08-01"]
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *LOINC_TESTS],
        cwd=ROOT,
        env={**os.environ, LOINC_RELEASES_ENV: releases},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " passed" in done.stdout.splitlines()[-1]
