"""NCCI procedure-to-procedure edits on claims, over HTTP, from our table in CMS's layout."""

from __future__ import annotations

from pathlib import Path

import pytest

from terminology.errors import TerminologyError
from terminology.loaders.ncci import read_ptp
from terminology.uris import CPT, HCPCS
from tests.api.test_ncd_210_14 import COMMERCIAL, screening_bundle
from tests.api.test_validate_resources import claim, line, reasons, validate
from tests.conftest import CONTENT_DIR, RunningServer

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
