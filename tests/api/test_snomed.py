"""SNOMED CT loaded from RF2 with ``terminology load snomed``, served over real HTTP: two
fixture releases in a row (tests/loaders/fixtures/snomed), the second inactivating a concept,
changing a preferred term and adding a concept."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from terminology.uris import SNOMED
from tests.conftest import (
    CONTENT_DIR,
    RunningServer,
    start_server,
    stop_server,
    terminology_command,
)
from tests.helpers import param, properties
from tests.loaders.fixtures.snomed import make_fixture as fx

FIXTURES = Path(__file__).parent.parent / "loaders" / "fixtures" / "snomed"
FIRST = "http://snomed.info/sct/731000124108/version/20250301"
SECOND = "http://snomed.info/sct/731000124108/version/20250901"


def load_releases(store: Path, *releases: str) -> list[str]:
    """Load fixture releases with the real command; their summaries."""
    out = []
    for name in releases:
        done = subprocess.run(
            [
                *terminology_command(),
                "load",
                "snomed",
                str(FIXTURES / name),
                "--content-dir",
                str(CONTENT_DIR),
                "--store",
                str(store),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        out.append(done.stdout)
    return out


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningServer, list[str]]]:
    tmp = tmp_path_factory.mktemp("snomed")
    store = tmp / "store.sqlite"
    summaries = load_releases(store, "SnomedCT_Fixture_20250301", "SnomedCT_Fixture_20250901")
    running = start_server(tmp, "--store", str(store))
    yield running, summaries
    stop_server(running)


@pytest.fixture(scope="module")
def server(loaded: tuple[RunningServer, list[str]]) -> RunningServer:
    return loaded[0]


def lookup(server: RunningServer, code: str, **params: str) -> requests.Response:
    return server.get("/CodeSystem/$lookup", params={"system": SNOMED, "code": code, **params})


def validate(server: RunningServer, code: str, **params: str) -> dict[str, Any]:
    r = server.get("/CodeSystem/$validate-code", params={"url": SNOMED, "code": code, **params})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def expand(server: RunningServer, *filters: dict[str, str], **params: str) -> list[str]:
    value_set = {
        "resourceType": "ValueSet",
        "status": "active",
        "compose": {"include": [{"system": SNOMED, "filter": list(filters)}]},
    }
    body = {
        "resourceType": "Parameters",
        "parameter": [{"name": "valueSet", "resource": value_set}]
        + [{"name": k, "valueString": v} for k, v in params.items()],
    }
    r = server.post("/ValueSet/$expand", json=body)
    assert r.status_code == 200, r.text
    expansion = r.json()["expansion"]
    codes = []
    pending = list(expansion.get("contains", []))
    while pending:
        item = pending.pop(0)
        codes.append(item["code"])
        pending[:0] = item.get("contains", [])
    assert expansion["total"] == len(codes)
    return codes


def test_the_load_summaries_say_what_changed(loaded: tuple[RunningServer, list[str]]) -> None:
    first, second = loaded[1]
    assert f"loaded {SNOMED}|{FIRST}: 29 concepts" in first
    assert f"loaded {SNOMED}|{SECOND}: 30 concepts" in second
    assert f"against version {FIRST}: 1 added, 1 changed" in second
    assert "1 retired (removed or made inactive)" in second


def test_lookup_answers_from_the_newest_release(server: RunningServer) -> None:
    r = lookup(server, "169069000")
    assert r.status_code == 200, r.text
    body = r.json()
    assert param(body, "version") == SECOND
    assert param(body, "display") == "CT of chest"
    props = properties(body)
    assert sorted(props["parent"]) == sorted([fx.CT, fx.CHEST])
    assert props["inactive"] == [False]
    designations = [d for d in body["parameter"] if d["name"] == "designation"]
    assert any(
        p.get("valueString") == "CT of chest (procedure)" for d in designations for p in d["part"]
    )


def test_lookup_by_version_uri_or_date(server: RunningServer) -> None:
    assert lookup(server, fx.PHOTON, version=SECOND).status_code == 200
    assert lookup(server, fx.PHOTON, version=FIRST).status_code == 404
    assert param(lookup(server, fx.CT, date="2025-05-01").json(), "display") == (
        "Computed tomography imaging"
    )
    assert param(lookup(server, fx.CT, date="2025-10-01").json(), "display") == (
        "Computed tomography"
    )


def test_a_concept_inactivated_in_the_second_release_is_valid_before(
    server: RunningServer,
) -> None:
    before = validate(server, fx.RETIRED, date="2025-06-01")
    assert param(before, "result") is True
    assert param(before, "version") == FIRST
    assert "issues" not in {p["name"] for p in before["parameter"]}
    after = validate(server, fx.RETIRED, date="2025-10-01")
    assert param(after, "result") is True  # inactive, not gone: a warning, as elsewhere
    assert param(after, "inactive") is True
    assert param(after, "version") == SECOND
    assert "status of inactive" in param(after, "message")
    pinned = validate(server, fx.RETIRED, version=FIRST)
    assert param(pinned, "result") is True and param(pinned, "version") == FIRST


def test_is_a_and_descendent_of_follow_every_parent(server: RunningServer) -> None:
    chest = expand(server, {"property": "concept", "op": "is-a", "value": fx.CHEST})
    assert set(chest) == {
        fx.CHEST,
        fx.DOPPLER,
        "399208008",
        "1251531008",
        "1295209004",
        "1290587001",
        "169069000",
        "395081000119108",
        "75385009",
        "16334891000119106",
        "16335031000119103",
        "411251000119104",
        "16332841000119106",
        "444970007",
        "6007000",
        "16334561000119101",
        "432815006",
        "702682005",
        "711498001",
        fx.PHOTON,
    }  # not the retired concept, which lost its links in the second release
    angio = expand(server, {"property": "concept", "op": "descendent-of", "value": fx.ANGIO})
    assert set(angio) == {
        "411251000119104",
        "16332841000119106",
        "444970007",
        "702682005",
        "711498001",
    }
    first = expand(
        server, {"property": "concept", "op": "is-a", "value": fx.CHEST}, date="2025-06-01"
    )
    assert fx.RETIRED in first and fx.PHOTON not in first


def test_membership_of_an_is_a_value_set_without_expanding(server: RunningServer) -> None:
    url = f"{SNOMED}?fhir_vs=isa/{fx.ANGIO}"
    for code, member in [("711498001", True), ("444970007", True), ("6007000", False)]:
        r = server.get(
            "/ValueSet/$validate-code", params={"url": url, "system": SNOMED, "code": code}
        )
        assert r.status_code == 200, r.text
        assert param(r.json(), "result") is member, code


@pytest.mark.parametrize(
    ("a", "b", "outcome"),
    [
        ("6007000", "711498001", "subsumes"),
        ("711498001", fx.ANGIO, "subsumed-by"),
        (fx.CT, "6007000", "not-subsumed"),
        ("169069000", "169069000", "equivalent"),
    ],
)
def test_subsumes_reads_the_polyhierarchy(
    server: RunningServer, a: str, b: str, outcome: str
) -> None:
    r = server.get("/CodeSystem/$subsumes", params={"system": SNOMED, "codeA": a, "codeB": b})
    assert r.status_code == 200, r.text
    assert param(r.json(), "outcome") == outcome


def test_a_running_server_serves_a_new_release_without_a_restart(
    tmp_path: Path,
) -> None:
    store = tmp_path / "store.sqlite"
    load_releases(store, "SnomedCT_Fixture_20250301")
    running = start_server(tmp_path, "--store", str(store))
    try:
        assert lookup(running, fx.PHOTON).status_code == 404
        load_releases(store, "SnomedCT_Fixture_20250901")
        for _ in range(50):
            if lookup(running, fx.PHOTON).status_code == 200:
                break
            time.sleep(0.2)
        assert param(lookup(running, fx.PHOTON).json(), "version") == SECOND
    finally:
        stop_server(running)
