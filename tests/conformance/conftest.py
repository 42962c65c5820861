"""Prints the HL7 runner's per-suite table after the run, whether the test passed or not."""

from __future__ import annotations

import pytest

#: The runner's per-suite table of each run in this session (``test_hl7_txtests`` adds it).
TABLES: list[str] = []


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for table in TABLES:
        terminalreporter.write_sep("-", "HL7 terminology-ecosystem cases (run_txtests.py --strict)")
        terminalreporter.write_line(table.rstrip())
