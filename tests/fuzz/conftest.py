"""The fuzz campaign's own server, its collector, and the summary printed after the run."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis.configuration import set_hypothesis_home_dir

from tests.fuzz.harness import Collector, FuzzServer

# Hypothesis keeps caches in .hypothesis/ even without an example database; keep them out of
# the repository (CI runs in a clean clone, so they would only ever be litter there).
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "terminology-fuzz-hypothesis")

#: The collectors of the campaigns that ran in this session, for the terminal summary.
COLLECTORS: list[Collector] = []


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzServer]:
    """A server of the campaign's own: a crash or a hang there breaks no other test."""
    collector = Collector()
    server = FuzzServer(tmp_path_factory.mktemp("fuzz-server"), collector)
    collector.rss_before = server.rss()
    COLLECTORS.append(collector)
    yield server
    server.stop()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for collector in COLLECTORS:
        terminalreporter.write_sep("-", "fuzz campaign")
        terminalreporter.write_line(collector.text())
        report = os.environ.get("TERMINOLOGY_FUZZ_REPORT")
        if report:
            with open(report, "w") as out:
                json.dump(collector.summary(), out, indent=2)
            terminalreporter.write_line(f"report written to {report}")
