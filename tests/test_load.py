"""``terminology load``: a vendor file goes into the store whole or not at all, and a running
server serves it without a restart."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from terminology.storage.sqlite_store import SqliteStore
from terminology.uris import ICD10CM
from tests.conftest import CONTENT_DIR, start_server, stop_server, terminology_command

FY2025 = CONTENT_DIR / "sources" / "icd10cm" / "icd10cm-tabular-April-2025.xml.gz"


@pytest.fixture
def small_content(tmp_path: Path) -> Path:
    """A content directory without vendor files, so its store starts without ICD-10-CM."""
    content = tmp_path / "content"
    content.mkdir()
    shutil.copy(CONTENT_DIR / "CodeSystem-cpt-2026.json", content)
    return content


def load(content: Path, store: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*terminology_command(), "load", *args, "--content-dir", str(content), "--store",
         str(store)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_load_reports_what_it_stored(small_content: Path, tmp_path: Path) -> None:
    store = tmp_path / "store.sqlite"
    done = load(small_content, store, "icd10cm-tabular", str(FY2025), "--release", "April 2025")
    assert done.returncode == 0, done.stderr
    assert f"loaded {ICD10CM}|2025: 97,619 concepts" in done.stdout
    assert "no earlier version of this code system is stored" in done.stdout
    assert "storing concepts: 97,619/97,619 (100%)" in done.stderr  # the progress, not a tty
    again = load(small_content, store, "icd10cm-tabular", str(FY2025))
    assert "against the previous load of 2025: 0 added, 0 changed" in again.stdout
    (cs,) = SqliteStore(store).code_systems()
    assert (cs.url, cs.version, cs.concept_count) == (ICD10CM, "2025", 97_619)


def test_a_file_that_cannot_be_read_changes_nothing(small_content: Path, tmp_path: Path) -> None:
    store = tmp_path / "store.sqlite"
    bad = tmp_path / "bad.xml"
    bad.write_text("<ICD10CM.tabular><version>2027</version><chapter>")
    done = load(small_content, store, "icd10cm-tabular", str(bad))
    assert done.returncode == 1
    assert "not an ICD-10-CM tabular XML file" in done.stderr
    assert "Traceback" not in done.stderr
    assert SqliteStore(store).code_systems() == []


def test_a_load_killed_midway_leaves_the_previous_content(
    small_content: Path, tmp_path: Path
) -> None:
    store = tmp_path / "store.sqlite"
    assert load(small_content, store, "icd10cm-tabular", str(FY2025)).returncode == 0
    generation = SqliteStore(store).generation()
    with subprocess.Popen(
        [*terminology_command(), "load", "icd10cm-tabular", str(FY2025), "--content-dir",
         str(small_content), "--store", str(store)],
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stderr is not None
        line = process.stderr.readline()  # the first progress line: the write is under way
        assert line.startswith("storing concepts"), line
        process.send_signal(signal.SIGKILL)
        process.wait()
    reopened = SqliteStore(store)
    assert reopened.generation() == generation
    (cs,) = reopened.code_systems()
    assert cs.concept_count == 97_619
    assert reopened.concept(cs.key, "I50.9") is not None


def test_a_running_server_serves_a_load_without_restarting(
    small_content: Path, tmp_path: Path
) -> None:
    store = tmp_path / "store.sqlite"
    server = start_server(
        tmp_path,
        env={"TERMINOLOGY_CONTENT_DIR": str(small_content), "TERMINOLOGY_STORE": str(store)},
    )
    params = {"url": ICD10CM, "code": "I50.9", "date": "2025-06-01"}

    def result() -> bool:
        body = server.get("/CodeSystem/$validate-code", params=params).json()
        return next(p["valueBoolean"] for p in body["parameter"] if p["name"] == "result")

    try:
        assert result() is False  # no ICD-10-CM yet
        assert load(small_content, store, "icd10cm-tabular", str(FY2025)).returncode == 0
        deadline = time.monotonic() + 10
        while not result():
            assert time.monotonic() < deadline, "the server did not serve the loaded content"
            time.sleep(0.1)
    finally:
        stop_server(server)
    assert os.path.exists(store)


HCPCS_FIXTURES = Path(__file__).resolve().parent / "loaders" / "fixtures"


def test_an_hcpcs_file_loads_as_that_year(small_content: Path, tmp_path: Path) -> None:
    store = tmp_path / "store.sqlite"
    fixture = HCPCS_FIXTURES / "HCPC2026_JAN_ANWEB_fixture.txt"
    done = load(small_content, store, "hcpcs", str(fixture))
    assert done.returncode == 0, done.stderr
    assert "loaded http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets|2026" in done.stdout
    (cs,) = SqliteStore(store).code_systems()
    assert cs.version == "2026"
    assert SqliteStore(store).concept(cs.key, "G0296") is not None
    bad = load(small_content, store, "hcpcs", str(HCPCS_FIXTURES / "HCPC2026_JAN_ANWEB_bad.txt"))
    assert bad.returncode == 1 and "line 4" in bad.stderr
    assert SqliteStore(store).code_systems() == [cs]


def test_our_package_loads_into_another_store(small_content: Path, tmp_path: Path) -> None:
    package = tmp_path / "ours.tgz"
    written = subprocess.run(
        [*terminology_command(), "package", str(package), "--content-dir", str(CONTENT_DIR)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert written.returncode == 0, written.stderr
    store = tmp_path / "store.sqlite"
    done = load(small_content, store, "fhir", str(package))
    assert done.returncode == 0, done.stderr
    assert "ValueSet" in done.stdout
    urls = {r.body["url"] for r in SqliteStore(store).resources() if r.origin == "loaded"}
    assert "https://chest-imaging-terminology.org/fhir/ValueSet/chest-ct-procedures" in urls
