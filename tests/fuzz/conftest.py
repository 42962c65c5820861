"""The fuzz campaign's own server, its collector, and the summary printed after the run."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import pytest

from tests.fuzz.harness import Collector, FuzzServer

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
