"""NCCI procedure-to-procedure edits on claims, over HTTP, from our table in CMS's layout."""

from __future__ import annotations

import subprocess
import time
import zipfile
from pathlib import Path

import pytest

from terminology.errors import TerminologyError
from terminology.loaders.ncci import read_ptp, read_tables, table_of
from terminology.uris import CPT, HCPCS
from tests.api.test_ncd_210_14 import COMMERCIAL, screening_bundle
from tests.api.test_validate_resources import claim, line, reasons, validate
from tests.conftest import (
    CONTENT_DIR,
    RunningServer,
    start_server,
    stop_server,
    terminology_command,
)

TABLE = CONTENT_DIR / "sources" / "ncci" / "ccipra-chest-imaging.txt"


def medicare_claim(*items):
    """A claim with Medicare coverage, in a Bundle (the Coverage is an entry)."""
    bundle = screening_bundle()
    bundle["entry"][0]["resource"]["item"] = list(items)
    bundle["entry"][0]["resource"]["diagnosis"] = claim(diagnoses=("R91.1",))["diagnosis"]
    return bundle


ITEM = "Bundle.entry[0].resource.item"


def test_71250_and_71260_on_one_day_say_report_71270(server: RunningServer) -> None:
    issues = validate(server, medicare_claim(line(1, "71260"), line(2, "71250")))
    assert reasons(issues) == [("error", "ncci-ptp", f"{ITEM}[1]")]
    text = issues[0]["details"]["text"]
    assert "report 71270 once" in text and "unverified" in text


def test_on_different_days_there_is_no_edit(server: RunningServer) -> None:
    items = (line(1, "71260", day="2025-11-03"), line(2, "71250", day="2025-11-04"))
    assert validate(server, medicare_claim(*items)) == []


@pytest.mark.parametrize("modifier", [(CPT, "59"), (HCPCS, "XS"), (HCPCS, "XE")])
def test_a_bypass_modifier_makes_it_information(server: RunningServer, modifier) -> None:
    items = (line(1, "71275"), line(2, "71250", modifiers=(modifier,)))
    found = reasons(validate(server, medicare_claim(*items)))
    assert found == [("information", "ncci-ptp", f"{ITEM}[1]")]


def test_for_commercial_coverage_the_edit_is_a_warning(server: RunningServer) -> None:
    bundle = medicare_claim(line(1, "71275"), line(2, "71250"))
    bundle["entry"][2]["resource"]["type"] = COMMERCIAL
    issues = validate(server, bundle)
    assert reasons(issues) == [("warning", "ncci-ptp", f"{ITEM}[1]")]
    assert "Medicare's edit" in issues[0]["details"]["text"]


def test_our_table_reads_in_the_cms_layout() -> None:
    edits = read_ptp(TABLE)
    assert len(edits) == 16
    assert all(e.unverified for e in edits)
    assert {(e.column1, e.column2) for e in edits} >= {("71260", "71250"), ("71275", "71250")}


def test_a_malformed_row_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "ccipra.txt"
    bad.write_text("header\n71250\t71260\t\t2018010\t*\t1\tx\n")
    with pytest.raises(TerminologyError, match="line 2"):
        read_ptp(bad)


def with_units(item: dict, units: int) -> dict:
    return {**item, "quantity": {"value": units}}


def test_more_units_than_the_mue_allows_on_a_day(server: RunningServer) -> None:
    issues = validate(server, medicare_claim(with_units(line(1, "71275"), 2)))
    assert reasons(issues) == [("error", "ncci-mue", f"{ITEM}[0].quantity")]
    assert "at most 1 unit(s) in a day" in issues[0]["details"]["text"]
    two_lines = medicare_claim(line(1, "71275"), line(2, "71275"))
    assert reasons(validate(server, two_lines)) == [("error", "ncci-mue", f"{ITEM}[1].quantity")]
    assert validate(server, medicare_claim(with_units(line(1, "71046"), 2))) == []
    other_days = medicare_claim(line(1, "71275"), line(2, "71275", day="2025-11-04"))
    assert validate(server, other_days) == []


def test_our_mue_table_reads_in_the_cms_layout(tmp_path: Path) -> None:
    from terminology.loaders.ncci import read_mue

    edits = read_mue(CONTENT_DIR / "sources" / "ncci" / "mue-practitioner-chest-imaging.csv")
    assert {e.code: e.units for e in edits} == {
        "71045": 4,
        "71046": 2,
        "71047": 1,
        "71048": 1,
        "71275": 1,
    }
    assert all(e.per_day and e.unverified for e in edits)
    bad = tmp_path / "mue.csv"
    bad.write_text('"HCPCS/CPT Code","MUE"\n"71275","one","3 Date of Service Edit"\n')
    with pytest.raises(TerminologyError, match="line 2"):
        read_mue(bad)


def institutional(bundle: dict) -> dict:
    bundle["entry"][0]["resource"]["type"]["coding"][0]["code"] = "institutional"
    return bundle


def test_an_institutional_claim_says_no_hospital_table_is_loaded(server: RunningServer) -> None:
    issues = validate(server, institutional(medicare_claim(line(1, "71260"), line(2, "71250"))))
    assert reasons(issues) == [
        ("information", "ncci-table-missing", "Bundle.entry[0].resource.type"),
        ("information", "ncci-table-missing", "Bundle.entry[0].resource.type"),
    ]
    assert "no outpatient hospital table is loaded" in issues[0]["details"]["text"]


#: CMS's layouts with made-up edits (a test fixture, not CMS's data): one chest pair, one
#: pair without a chest code, which the load leaves out.
PTP_FIXTURE = (
    "Notice: test fixture in the layout of CMS's PTP file\n"
    "Column 1\tColumn 2\t*=in existence prior to 1996\tEffective Date\t"
    "Deletion Date *=no data\tModifier 0=not allowed 1=allowed 9=not applicable\t"
    "PTP Edit Rationale\n"
    "71046\t71045\t\t20260401\t*\t0\tTest fixture: misuse of column two code\n"
    "99213\t36415\t\t20260401\t*\t1\tTest fixture: not a chest code\n"
)
MUE_FIXTURE = (
    '"Test fixture in the layout of CMS\'s MUE file"\n'
    '"HCPCS/CPT Code","Outpatient Hospital Services MUE Values",'
    '"MUE Adjudication Indicator","MUE Rationale"\n'
    '"71046","1","3 Date of Service Edit: Clinical","Test fixture"\n'
)


def test_cms_files_load_into_a_running_server(tmp_path: Path) -> None:
    store = tmp_path / "store.sqlite"
    ptp_zip = tmp_path / "medicare-ncci-2026q2-hospital-ptp-edits-ccioph-v321r0-f1.zip"
    with zipfile.ZipFile(ptp_zip, "w") as archive:
        archive.writestr("ccioph-v321r0-f1.txt", PTP_FIXTURE)
        archive.writestr("Notice.txt", "not a table")
    mue = tmp_path / "MCR_MUE_OutpatientHospitalServices_Eff_04-01-2026.csv"
    mue.write_text(MUE_FIXTURE)
    server = start_server(
        tmp_path,
        env={"TERMINOLOGY_STORE": str(store), "TERMINOLOGY_RELOAD_INTERVAL": "0.2"},
    )
    day = "2026-04-06"  # the fixture's edits are in force from 2026-04-01
    bundle = institutional(
        medicare_claim(with_units(line(1, "71046", day=day), 2), line(2, "71045", day=day))
    )
    try:
        assert "ncci-table-missing" in {r[1] for r in reasons(validate(server, bundle))}
        done = subprocess.run(
            [
                *terminology_command(),
                "load",
                "ncci",
                str(ptp_zip),
                str(mue),
                "--store",
                str(store),
                "--release",
                "2026Q2",
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert "outpatient hospital PTP table" in done.stdout
        assert "1 edits involving a chest-imaging code, of 2 rows read" in done.stdout
        deadline = time.monotonic() + 10
        issues = validate(server, bundle)
        while "ncci-table-missing" in {r[1] for r in reasons(issues)}:
            assert time.monotonic() < deadline, "the server did not serve the loaded tables"
            time.sleep(0.1)
            issues = validate(server, bundle)
        assert reasons(issues) == [
            ("error", "ncci-ptp", f"{ITEM}[1]"),
            ("error", "ncci-mue", f"{ITEM}[0].quantity"),
        ]
        assert "ccioph-v321r0-f1.txt, 2026Q2" in issues[0]["details"]["text"]
        assert "modifier indicator 0" in issues[0]["details"]["text"]
        # a professional claim still gets the practitioner table the content ships
        professional = medicare_claim(line(1, "71260"), line(2, "71250"))
        assert reasons(validate(server, professional)) == [("error", "ncci-ptp", f"{ITEM}[1]")]
    finally:
        stop_server(server)


def test_a_file_cms_does_not_name_is_refused(tmp_path: Path) -> None:
    odd = tmp_path / "edits.txt"
    odd.write_text(PTP_FIXTURE)
    with pytest.raises(TerminologyError, match="not an NCCI file"):
        read_tables([odd], keep=lambda _: True)
    (table,) = read_tables([odd], keep=lambda _: True, setting="professional")
    assert (table.kind, table.setting, table.size, table.rows_read) == ("ptp", "professional", 2, 2)


def test_names_say_which_table() -> None:
    assert table_of("ccipra-v321r0-f3.txt") == ("ptp", "professional")
    assert table_of("ccioph-v321r0-f1.TXT") == ("ptp", "institutional")
    assert table_of("MCR_MUE_PractitionerServices_Eff_04-01-2026.csv") == ("mue", "professional")
    assert table_of("MCR_MUE_OutpatientHospitalServices_Eff_04-01-2026.csv") == (
        "mue",
        "institutional",
    )
    assert table_of("MCR_MUE_DMESupplierServices_Eff_04-01-2026.csv") is None
