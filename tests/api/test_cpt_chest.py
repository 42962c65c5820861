"""After loading AMA CPT releases that hold our chest-imaging codes (the fixture releases of
tests/loaders/fixtures/cpt: invented descriptors, our properties), the chest-imaging tests of
CPT look-ups, code and value-set validation, expansion, subsumption, orders and claims still
pass: those test files run again, in a pytest of their own, against a server whose store has
both fixture releases loaded (CPT 2025 and 2026 then answer from the loaded releases; 2017-2024
stay our fragments).

Six tests are left out because loading the AMA's files changes exactly what they check, on
purpose; tests/api/test_cpt_loaded.py checks the new behaviour instead:
- our display of 71250 (the loaded long descriptor replaces it);
- a CPT display that differs from ours being information only, in $validate-code and in an
  order (it is now an error, and a warning in an order, like any code system's);
- 99213 being a warning "outside our fragment" (twice: the loaded release is complete, and
  holds 99213, so it is simply valid).
"""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import CPT_RELEASES_ENV, ROOT

FIXTURES = ROOT / "tests" / "loaders" / "fixtures" / "cpt"
CHEST_TESTS = [
    "tests/api/test_validate_code.py",
    "tests/api/test_expand.py",
    "tests/api/test_lookup.py",
    "tests/api/test_batch_validate_code.py",
    "tests/api/test_code_syntax.py",
    "tests/api/test_crosswalk.py",
    "tests/api/test_translate.py",
    "tests/api/test_validate_resources.py",
    "tests/api/test_subsumes.py",
    "tests/api/test_several_versions.py",
]
CHANGED_ON_PURPOSE = [
    "tests/api/test_lookup.py::test_71250_is_a_ct_of_the_thorax_without_contrast",
    "tests/api/test_validate_code.py::test_cpt_display_that_differs_from_ours_is_information_only",
    "tests/api/test_validate_code.py::test_cpt_code_outside_our_fragment_is_a_warning_not_an_error",
    "tests/api/test_code_syntax.py::test_well_formed_unknown_code_keeps_the_fragment_warning["
    "http://www.ama-assn.org/go/cpt-https://chest-imaging-terminology.org/fhir/ValueSet/"
    "chest-imaging-procedures-99213]",
    "tests/api/test_code_syntax.py::test_unknown_code_outside_the_range_keeps_the_fragment_warning",
    "tests/api/test_validate_resources.py::test_a_wrong_display_is_a_warning_and_information_for_cpt",
]


def test_chest_imaging_tests_pass_with_loaded_cpt_releases() -> None:
    releases = os.pathsep.join(str(FIXTURES / name) for name in ("CPT_2025_DATA", "CPT_2026_DATA"))
    deselect = [arg for test in CHANGED_ON_PURPOSE for arg in ("--deselect", test)]
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *deselect, *CHEST_TESTS],
        cwd=ROOT,
        env={**os.environ, CPT_RELEASES_ENV: releases},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    last = done.stdout.splitlines()[-1]
    assert " passed" in last and "failed" not in last and "6 deselected" in last, last
