"""AMA CPT loaded from the data files with ``terminology load cpt``, served over real HTTP: the
fixture releases of tests/loaders/fixtures/cpt (invented descriptors in the AMA's layout), 2025
loaded before the server starts and 2026 while it runs. 2026 deletes 71901 (replaced by the new
71902), its history also records 0901T deleted on 2025-07-01, and 71250's descriptor changes."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from terminology.uris import CPT, PROJECT_BASE
from tests.api.test_validate_resources import order, reasons
from tests.api.test_validate_resources import validate as validate_resource
from tests.conftest import (
    CONTENT_DIR,
    RunningServer,
    start_server,
    stop_server,
    terminology_command,
)
from tests.helpers import param, properties
from tests.loaders.fixtures.cpt import make_fixture

FIXTURES = Path(__file__).parent.parent / "loaders" / "fixtures" / "cpt"
R2025, R2026 = FIXTURES / "CPT_2025_DATA", FIXTURES / "CPT_2026_DATA"
NEW_71250 = make_fixture.CHANGED_2026["71250"]
OURS_71250 = "Diagnostic chest CT, no IV contrast"


def load(store: Path, release: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            *terminology_command(),
            "load",
            "cpt",
            str(release),
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


def lookup(server: RunningServer, code: str, **params: str) -> requests.Response:
    return server.get("/CodeSystem/$lookup", params={"system": CPT, "code": code, **params})


def validate(server: RunningServer, code: str, **params: str) -> dict[str, Any]:
    r = server.get("/CodeSystem/$validate-code", params={"url": CPT, "code": code, **params})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def issues(body: dict[str, Any]) -> list[dict[str, Any]]:
    outcome = param(body, "issues")
    return list(outcome["issue"]) if outcome else []


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("cpt")
    store = tmp / "store.sqlite"
    first = load(store, R2025)
    assert first.returncode == 0, first.stderr
    running = start_server(tmp, "--store", str(store))
    try:
        # Before 2026 is loaded, 2026 is our fragment: our display, not official.
        before = param(lookup(running, "71250").json(), "display")
        before_check = validate(running, "71250", display="Anything else")
        second = load(store, R2026)
        assert second.returncode == 0, second.stderr
        deadline = time.monotonic() + 15
        while param(lookup(running, "71250").json(), "display") != NEW_71250:
            assert time.monotonic() < deadline, "the running server never served the load"
            time.sleep(0.2)
        yield {
            "server": running,
            "store": store,
            "tmp": tmp,
            "first": first,
            "second": second,
            "before": before,
            "before_check": before_check,
        }
    finally:
        stop_server(running)


@pytest.fixture(scope="module")
def server(loaded: dict[str, Any]) -> RunningServer:
    running: RunningServer = loaded["server"]
    return running


def test_each_load_says_what_it_stored_against_what(loaded: dict[str, Any]) -> None:
    first, second = loaded["first"].stdout, loaded["second"].stdout
    # 2025 against our fragment of 2025: 19 chest codes and 6 modifiers get the AMA's text.
    assert f"loaded {CPT}|2025: 32 concepts" in first
    assert "7 added, 25 changed (display or properties), 0 retired" in first
    assert "10 modifiers; 1 deleted codes in the history" in first
    # 2026 against our fragment of 2026; 71901 and 0901T are gone.
    assert f"loaded {CPT}|2026: 31 concepts" in second
    assert "recorded this release's deletions in CPT 2025" in second
    assert "storing concepts: 31/31 (100%)" in loaded["second"].stderr
    again = load(loaded["store"], R2026)
    assert again.returncode == 0, again.stderr
    assert "against the previous load of 2026: 0 added, 0 changed" in again.stdout
    assert "0 retired" in again.stdout


def test_the_server_served_the_second_load_without_a_restart(loaded: dict[str, Any]) -> None:
    assert loaded["before"] == OURS_71250
    (note,) = issues(loaded["before_check"])
    assert note["severity"] == "information"  # our fragment's displays are not official
    assert loaded["server"].process.poll() is None


def test_lookup_shows_the_loaded_descriptors_and_our_properties(server: RunningServer) -> None:
    r = lookup(server, "71250")
    assert r.status_code == 200, r.text
    body = r.json()
    assert param(body, "version") == "2026" and param(body, "display") == NEW_71250
    designations = [
        part["valueString"]
        for p in body["parameter"]
        if p["name"] == "designation"
        for part in p["part"]
        if part["name"] == "value"
    ]
    assert designations == ["Fixture medium descriptor 71250", "FIXTURE SHORT 71250"]
    props = properties(body)
    assert props["modality"] == ["CT"] and props["contrast"] == ["none"]
    assert props["purpose"] == ["diagnostic"] and props["modifier"] == [False]
    modifier = lookup(server, "26").json()
    assert param(modifier, "display") == make_fixture.MODIFIERS["26"]
    assert properties(modifier)["modifier"] == [True]


def test_a_wrong_cpt_display_is_now_an_error(server: RunningServer) -> None:
    body = validate(server, "71250", display=OURS_71250)
    assert param(body, "result") is False
    (issue,) = issues(body)
    assert issue["severity"] == "error" and issue["details"]["coding"][0]["code"] == (
        "invalid-display"
    )
    assert NEW_71250 in issue["details"]["text"]
    # The medium and short descriptors are displays too.
    assert param(validate(server, "71250", display="FIXTURE SHORT 71250"), "result") is True
    right = validate(server, "71250", display=NEW_71250)
    assert param(right, "result") is True and issues(right) == []


def test_the_loaded_release_is_complete_and_reads_expressions(server: RunningServer) -> None:
    office = validate(server, "99213")
    assert param(office, "result") is True and issues(office) == []  # no "fragment" warning
    unknown = validate(server, "99214")
    assert param(unknown, "result") is False
    assert param(validate(server, "71250:26"), "result") is True
    clash = validate(server, "71250:59:25")
    assert param(clash, "result") is False and "25 and 59" in param(clash, "message")


def test_a_code_deleted_in_the_second_release_stays_valid_before_it(server: RunningServer) -> None:
    before = validate(server, "71901", date="2025-06-01")
    assert param(before, "result") is True and param(before, "version") == "2025"
    after = validate(server, "71901", date="2026-03-01")
    assert param(after, "result") is False
    message = param(after, "message")
    assert "deleted after 2025-12-31 (last in force in version 2025)" in message
    assert "Replaced by: 71902" in message
    assert lookup(server, "71901", date="2026-03-01").status_code == 404
    assert lookup(server, "71901", date="2025-12-31").status_code == 200
    new = validate(server, "71902", date="2026-03-01")
    assert param(new, "result") is True
    assert param(validate(server, "71902", date="2025-06-01"), "result") is False


def test_the_history_of_a_later_release_dates_a_mid_year_deletion(server: RunningServer) -> None:
    body = lookup(server, "0901T", version="2025").json()
    assert properties(body)["endDate"] == ["2025-06-30"]
    assert param(validate(server, "0901T", date="2025-03-01"), "result") is True
    gone = lookup(server, "71901", version="2025").json()
    assert properties(gone)["endDate"] == ["2025-12-31"]
    assert properties(gone)["replacedBy"] == ["71902"]


def test_the_copyright_is_the_amas_for_licensed_content(server: RunningServer) -> None:
    r = server.get("/CodeSystem/cpt-2026")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["copyright"].startswith("CPT © Copyright 2026 American Medical Association.")
    assert "under the operator's AMA licence" in body["copyright"]
    assert body["publisher"] == "American Medical Association"
    extensions = {e["url"] for e in body.get("extension", ())}
    assert f"{PROJECT_BASE}/StructureDefinition/display-not-official" not in extensions
    older = server.get("/CodeSystem/cpt-2024").json()  # our fragment: our words, said so
    assert "not AMA CPT descriptors" in older["copyright"]


def test_a_chest_value_set_answers_from_the_loaded_release(server: RunningServer) -> None:
    ct = f"{PROJECT_BASE}/ValueSet/chest-ct-procedures"
    r = server.get("/ValueSet/$validate-code", params={"url": ct, "system": CPT, "code": "71250"})
    assert r.status_code == 200 and param(r.json(), "result") is True
    r = server.get("/ValueSet/$expand", params={"url": ct})
    assert r.status_code == 200, r.text
    cpt_codes = {c["code"] for c in r.json()["expansion"]["contains"] if c["system"] == CPT}
    assert cpt_codes == {"71250", "71260", "71270", "71271", "71275"}


def _broken(tmp: Path, name: str) -> Path:
    folder = tmp / f"broken-{name}" / "CPT_2026_DATA"
    shutil.copytree(R2026, folder)
    if name == "columns":
        (folder / "LONGULT.txt").write_text("71250|a descriptor with the wrong separator\r\n")
    elif name == "missing":
        (folder / "SHORTU.txt").unlink()
    else:
        (folder / "MEDU.txt").write_bytes(b"71250 caf\xe9 in latin-1\r\n")
    return folder


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("columns", "LONGULT.txt: no line reads as 2 tab-separated fields"),
        ("missing", "missing SHORTU.txt"),
        ("encoding", "MEDU.txt: line 1 is not utf-8 text (byte 0xe9)"),
    ],
)
def test_a_bad_release_is_refused_and_the_previous_content_keeps_serving(
    loaded: dict[str, Any], name: str, message: str
) -> None:
    server, store = loaded["server"], loaded["store"]
    # An earlier test loaded 2026 again: let the server pick that up before taking its ETag.
    time.sleep(1.5)
    generation = server.get("/metadata").headers["ETag"]
    done = load(store, _broken(loaded["tmp"], name))
    assert done.returncode == 1
    assert message in done.stderr and done.stderr.startswith("terminology: ")
    assert "Traceback" not in done.stderr and done.stdout == ""
    time.sleep(1.5)  # a reload interval: nothing changed, so nothing was picked up
    assert server.get("/metadata").headers["ETag"] == generation
    assert param(lookup(server, "71250").json(), "display") == NEW_71250


def test_an_order_with_a_wrong_cpt_display_now_gets_a_warning(server: RunningServer) -> None:
    resource = order(code={"coding": [{"system": CPT, "code": "71250", "display": "Chest"}]})
    assert reasons(validate_resource(server, resource)) == [
        ("warning", "display-mismatch", "ServiceRequest.code.coding[0].display")
    ]
    # An order dated in a year of our fragments (2024) keeps the information of a display that
    # only differs from our own words.
    older = order(
        code={"coding": [{"system": CPT, "code": "71250", "display": "Chest"}]},
        occurrenceDateTime="2024-11-04",
        authoredOn="2024-11-01",
    )
    assert reasons(validate_resource(server, older)) == [
        ("information", "display-mismatch", "ServiceRequest.code.coding[0].display")
    ]
