"""After loading an RF2 release that holds our chest-imaging SNOMED CT codes (the fixture
releases, with our own descriptions), every chest-imaging test that uses SNOMED CT still
passes: those test files run again, in a pytest of their own, against a server whose store has
both fixture releases loaded (the newest then answers for SNOMED CT instead of our fragment)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, SNOMED_RELEASES_ENV

FIXTURES = ROOT / "tests" / "loaders" / "fixtures" / "snomed"
#: The API tests that ask about SNOMED CT codes (orders, crosswalk, look-ups, syntax, maps).
SNOMED_TESTS = [
    "tests/api/test_lookup.py",
    "tests/api/test_crosswalk.py",
    "tests/api/test_translate.py",
    "tests/api/test_validate_resources.py",
    "tests/api/test_code_syntax.py",
    "tests/api/test_metadata.py",
]


def test_chest_imaging_tests_pass_with_a_loaded_snomed_release(tmp_path: Path) -> None:
    releases = os.pathsep.join(
        str(FIXTURES / name) for name in ("SnomedCT_Fixture_20250301", "SnomedCT_Fixture_20250901")
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *SNOMED_TESTS],
        cwd=ROOT,
        env={**os.environ, SNOMED_RELEASES_ENV: releases},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " passed" in done.stdout.splitlines()[-1]
