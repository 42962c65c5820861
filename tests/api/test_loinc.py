"""LOINC and the RadLex Playbook loaded with ``terminology load``, served over real HTTP: two
LOINC fixture releases in a row (tests/loaders/fixtures/loinc; 2.85 deprecates one term and
adds one), then the RadLex Playbook fixture, then a broken file that must change nothing."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from terminology.authoring.loinc import TERMS
from terminology.uris import LOINC, RADLEX
from tests.conftest import (
    CONTENT_DIR,
    RunningServer,
    start_server,
    stop_server,
    terminology_command,
)
from tests.helpers import param, properties
from tests.loaders.fixtures.loinc import make_fixture as fx

FIXTURES = Path(__file__).parent.parent / "loaders" / "fixtures" / "loinc"


def load(store: Path, kind: str, path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the real command against ``store``."""
    return subprocess.run(
        [
            *terminology_command(),
            "load",
            kind,
            str(path),
            *args,
            "--content-dir",
            str(CONTENT_DIR),
            "--store",
            str(store),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def loaded(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[RunningServer, Path, list[str]]]:
    tmp = tmp_path_factory.mktemp("loinc")
    store = tmp / "store.sqlite"
    summaries = []
    first = load(store, "loinc", FIXTURES / "Loinc_2.84", "--release-date", "2026-02-01")
    assert first.returncode == 0, first.stderr
    summaries.append(first.stdout)
    running = start_server(tmp, "--store", str(store))
    # Loaded while the server runs: it must pick them up without a restart.
    for kind, path, args in (
        ("loinc", FIXTURES / "Loinc_2.85", ("--release-date", "2026-08-01")),
        ("radlex", FIXTURES / "radlex" / "Playbook.csv", ("--version", "2.6")),
    ):
        done = load(store, kind, path, *args)
        assert done.returncode == 0, done.stderr
        summaries.append(done.stdout)
    yield running, store, summaries
    stop_server(running)


@pytest.fixture(scope="module")
def server(loaded: tuple[RunningServer, Path, list[str]]) -> RunningServer:
    running = loaded[0]
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:  # the reload interval is 1 s
        if param(lookup(running, "29252-4").json(), "version") == "2.85":
            break
        time.sleep(0.2)
    return running


def lookup(server: RunningServer, code: str, **params: str) -> requests.Response:
    return server.get("/CodeSystem/$lookup", params={"system": LOINC, "code": code, **params})


def validate(server: RunningServer, system: str, code: str, **params: str) -> dict[str, Any]:
    r = server.get("/CodeSystem/$validate-code", params={"url": system, "code": code, **params})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def expand(server: RunningServer, system: str, *filters: tuple[str, str, str]) -> list[str]:
    include = {
        "system": system,
        "filter": [{"property": p, "op": op, "value": v} for p, op, v in filters],
    }
    value_set = {"resourceType": "ValueSet", "status": "active", "compose": {"include": [include]}}
    body = {
        "resourceType": "Parameters",
        "parameter": [{"name": "valueSet", "resource": value_set}],
    }
    r = server.post("/ValueSet/$expand", json=body)
    assert r.status_code == 200, r.text
    expansion = r.json()["expansion"]
    codes = [item["code"] for item in expansion.get("contains", [])]
    assert expansion["total"] == len(codes)
    return codes


def test_the_summaries_say_what_each_load_changed(
    loaded: tuple[RunningServer, Path, list[str]],
) -> None:
    first, second, radlex = loaded[2]
    assert f"loaded {LOINC}|2.84: 31 concepts" in first
    assert f"loaded {LOINC}|2.85: 32 concepts" in second
    assert "against version 2.84: 1 added, 0 changed" in second
    assert "1 retired (removed or made inactive)" in second
    assert f"loaded {RADLEX}|2.6: 26 concepts" in radlex


def test_lookup_shows_the_parts_and_playbook_attributes(server: RunningServer) -> None:
    r = lookup(server, "29252-4")
    assert r.status_code == 200, r.text
    body = r.json()
    assert param(body, "version") == "2.85"
    assert param(body, "display") == "CT Chest WO contrast"
    props = properties(body)
    assert props["SYSTEM"] == ["Chest"] and props["METHOD_TYP"] == ["CT"]
    assert props["CLASS"] == ["RAD"] and props["SCALE_TYP"] == ["Doc"]
    assert props["STATUS"] == ["ACTIVE"] and props["inactive"] == [False]
    assert props["modality"] == ["CT"] and props["region-imaged"] == ["Chest"]
    assert props["timing"] == ["WO"] and props["contrast"] == ["none"]
    (coding,) = props["rad-modality-modality-type"]
    assert coding == {"system": LOINC, "code": fx.PARTS["CT"], "display": "CT"}
    designations = {
        d["use"]["code"]: d["value"]
        for p in body["parameter"]
        if p["name"] == "designation"
        for d in [{x["name"]: x.get("valueCoding") or x.get("valueString") for x in p["part"]}]
        if d.get("use")
    }
    assert designations["SHORTNAME"] == "CT Chest WO cont"


def test_modality_and_region_filters_find_every_chest_ct_term(server: RunningServer) -> None:
    chest_ct = expand(server, LOINC, ("modality", "=", "CT"), ("region-imaged", "=", "Chest"))
    ours = {code for code, _name, modality, _c in TERMS if modality == "CT"}
    # Inactive terms (the one 2.85 deprecates) stay unless the compose says inactive = false.
    assert set(chest_ct) == ours | {
        fx.CT_CHEST_FIXTURE,
        fx.CT_CHEST_DISCOURAGED,
        fx.CT_CHEST_AIRWAY,
    }
    assert len(chest_ct) == len(set(chest_ct))
    every_ct = expand(server, LOINC, ("modality", "=", "CT"))
    assert set(every_ct) == set(chest_ct) | {fx.CT_HEAD}
    angio = expand(server, LOINC, ("modality-subtype", "=", "Angio"), ("modality", "=", "MR"))
    assert set(angio) == {"36547-8", "24659-5"}
    by_part = expand(server, LOINC, ("rad-anatomic-location-region-imaged", "=", fx.PARTS["Head"]))
    assert by_part == [fx.CT_HEAD]


def test_a_term_deprecated_in_the_second_release_stays_valid_before_it(
    server: RunningServer,
) -> None:
    before = validate(server, LOINC, fx.CT_CHEST_FIXTURE, date="2026-03-15")
    assert param(before, "result") is True
    assert param(before, "version") == "2.84"
    assert param(before, "inactive") in (None, False)
    after = validate(server, LOINC, fx.CT_CHEST_FIXTURE, date="2026-09-01")
    assert param(after, "version") == "2.85"
    assert param(after, "inactive") is True
    r = lookup(server, fx.CT_CHEST_FIXTURE)
    assert properties(r.json())["STATUS"] == ["DEPRECATED"]
    added = validate(server, LOINC, fx.CT_CHEST_AIRWAY, date="2026-03-15")
    assert param(added, "result") is False  # not in 2.84
    # Before every loaded release, our 2.83 fragment answers.
    old = validate(server, LOINC, "29252-4", date="2025-06-01")
    assert param(old, "version") == "2.83"


def test_a_discouraged_term_is_valid_with_a_warning(server: RunningServer) -> None:
    body = validate(server, LOINC, fx.CT_CHEST_DISCOURAGED)
    assert param(body, "result") is True
    issues = param(body, "issues")
    assert issues is not None
    texts = [i["details"]["text"] for i in issues["issue"]]
    assert any("deprecated" in t for t in texts), texts


def test_radlex_playbook_attributes_answer_filters(server: RunningServer) -> None:
    r = server.get("/CodeSystem/$lookup", params={"system": RADLEX, "code": "RPID16"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert param(body, "version") == "2.6"
    assert param(body, "display") == "CT Chest wo IV Contrast"
    props = properties(body)
    assert props["modality"] == ["CT"] and props["body-region"] == ["CHEST"]
    assert props["contrast"] == ["none"]
    chest_ct = expand(server, RADLEX, ("modality", "=", "CT"), ("body-region", "=", "CHEST"))
    assert set(chest_ct) == {"RPID16", "RPID18", "RPID17", "RPID6002", "RPID6", "RPID147"}


def test_a_broken_file_is_refused_and_the_loaded_release_keeps_serving(
    loaded: tuple[RunningServer, Path, list[str]], server: RunningServer, tmp_path: Path
) -> None:
    store = loaded[1]
    broken = tmp_path / "Loinc_2.86" / "LoincTable"
    broken.mkdir(parents=True)
    good = (FIXTURES / "Loinc_2.85" / "LoincTable" / "Loinc.csv").read_text(encoding="utf-8")
    lines = good.splitlines()
    # A term whose check digit is wrong (29252-4 written 29252-5) in version 2.86.
    row = next(i for i, line in enumerate(lines) if line.startswith('"29252-4"'))
    lines[row] = lines[row].replace('"29252-4"', '"29252-5"').replace('"2.84"', '"2.86"')
    (broken / "Loinc.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = load(store, "loinc", tmp_path / "Loinc_2.86")
    assert done.returncode == 1
    assert "fail the LOINC form or check digit" in done.stderr and "29252-5" in done.stderr
    assert "Traceback" not in done.stderr
    truncated = tmp_path / "Loinc.csv"
    truncated.write_text(lines[0] + "\n" + lines[row - 1][:40] + "\n", encoding="utf-8")
    done = load(store, "loinc", truncated)
    assert done.returncode == 1 and "fields, the header has 41" in done.stderr
    time.sleep(1.5)
    assert param(lookup(server, "29252-4").json(), "version") == "2.85"
