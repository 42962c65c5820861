"""The HCPCS Level II reader, on a fixture in CMS's 320-character record layout.

The fixture's lines are laid out as CMS's data file is (tests/loaders/fixtures): codes and most
descriptors are real HCPCS text, but some facts are the fixture's own so that every rule has a
case: S8032 ends 2026-06-30 with cross-reference 71271, S8037 is added 2026-01-01, G0297 carries
cross-reference 71271.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from terminology.codec.fhir_models import validate_resource
from terminology.errors import TerminologyError
from terminology.loaders import hcpcs
from terminology.loaders.sources import Provenance
from terminology.storage.records import ConceptRecord
from terminology.storage.sqlite_store import SqliteStore
from terminology.uris import CPT, HCPCS

FIXTURES = Path(__file__).parent / "fixtures"
FILE = FIXTURES / "HCPC2026_JAN_ANWEB_fixture.txt"
BAD = FIXTURES / "HCPC2026_JAN_ANWEB_bad.txt"
VALUESETS = Path(__file__).resolve().parents[2] / "valuesets"
PROVENANCE = Provenance(
    release="HCPCS 2026 January annual file",
    release_date="2025-12-29",
    obtained_from="https://www.cms.gov/medicare/coding-billing/healthcare-common-procedure-system",
    sha256="0" * 64,
)


def published(year: int) -> dict:
    return json.loads((VALUESETS / f"CodeSystem-hcpcs-{year}.json").read_text(encoding="utf-8"))


def concepts(year: str | None = None) -> dict[str, ConceptRecord]:
    _, records = hcpcs.code_system(hcpcs.read_hcpcs(FILE, year), PROVENANCE)
    return {r.code: r for r in records}


def extra(record: ConceptRecord) -> Mapping[str, Any]:
    assert record.extra is not None
    return record.extra


def properties(record: ConceptRecord) -> list[tuple[str, object]]:
    return [
        (p["code"], next(v for k, v in p.items() if k.startswith("value")))
        for p in extra(record)["property"]
    ]


def test_the_year_holds_the_codes_in_force_in_it_in_file_order() -> None:
    release = hcpcs.read_hcpcs(FILE)
    assert release.year == "2026" and release.source_file == FILE.name
    assert [c.code for c in release.codes] == [
        "FX", "TC", "XS", "G0296", "Q0092", "Q9967", "R0070", "R0075", "S8032", "S8037",
    ]  # fmt: skip
    # Terminated before 2026 began: G0297 on 2020-12-31, G1004 on 2024-12-31.
    assert release.not_in_force == ("G0297", "G1004")


def test_an_earlier_year_keeps_its_codes_and_not_later_ones() -> None:
    release = hcpcs.read_hcpcs(FILE, "2020")
    assert "G0297" in [c.code for c in release.codes]
    assert release.not_in_force == ("S8037",)  # added 2026-01-01


def test_the_long_description_joins_its_continuation_lines() -> None:
    by_code = concepts()
    assert by_code["TC"].display == (
        "Technical component; under certain circumstances, a charge may be made for the "
        "technical component alone; under those circumstances the technical component charge "
        "is identified by adding modifier 'tc' to the usual procedure number"
    )
    assert by_code["G0296"].display == (
        "Counseling visit to discuss need for lung cancer screening using low dose ct scan "
        "(ldct) (service is for eligibility determination and shared decision making)"
    )
    assert by_code["Q0092"].display == "Set-up portable x-ray equipment"
    assert extra(by_code["G0296"])["designation"] == [
        {
            "language": "en",
            "use": {"system": "http://snomed.info/sct", "code": "900000000000013009",
                    "display": "Synonym"},
            "value": "Visit to determ ldct elig",
        }
    ]  # fmt: skip
    assert all(r.parent is None for r in by_code.values())


def test_properties_are_those_of_our_published_hcpcs_versions() -> None:
    by_code = concepts()
    assert properties(by_code["TC"]) == [
        ("effectiveDate", "1984-01-01"), ("status", "active"), ("modifier", True),
    ]  # fmt: skip
    assert properties(by_code["G0296"]) == [
        ("effectiveDate", "2015-02-05"), ("status", "active"), ("modifier", False),
    ]  # fmt: skip
    # Deleted during the year: its last date, and its cross-reference as its replacement.
    assert properties(by_code["S8032"]) == [
        ("effectiveDate", "2014-01-01"), ("endDate", "2026-06-30"), ("status", "active"),
        ("replacedBy", "71271"), ("replacedBySystem", CPT), ("modifier", False),
    ]  # fmt: skip


def test_g0297_in_2020_has_the_dates_and_replacement_our_2020_version_has() -> None:
    g0297 = concepts("2020")["G0297"]
    (ours,) = [c for c in published(2020)["concept"] if c["code"] == "G0297"]
    wanted = {"effectiveDate", "endDate", "status", "replacedBy", "replacedBySystem", "modifier"}
    assert extra(g0297)["property"] == [p for p in ours["property"] if p["code"] in wanted]


def test_the_header_is_that_of_our_published_hcpcs_version_but_complete() -> None:
    header, records = hcpcs.code_system(hcpcs.read_hcpcs(FILE), PROVENANCE)
    ours = published(2026)
    for key in ("resourceType", "id", "url", "version", "status", "caseSensitive"):
        assert header[key] == ours[key], key
    assert header["url"] == HCPCS
    assert header["extension"] == ours["extension"][:2]  # effective period, version algorithm
    assert header["content"] == "complete" and header["date"] == "2025-12-29"
    assert (
        "Source: file HCPC2026_JAN_ANWEB_fixture.txt; HCPCS 2026 January annual file; obtained "
        f"from {PROVENANCE.obtained_from}; sha256 {'0' * 64}." in header["description"]
    )
    declared = {p["code"]: p for p in header["property"]}
    assert set(declared) == {p["code"] for r in records for p in extra(r)["property"]}
    for p in ours["property"]:
        assert declared[p["code"]] == p
    resource = header | {
        "concept": [{"code": r.code, "display": r.display, **extra(r)} for r in records]
    }
    assert validate_resource(resource) == []


def test_the_records_go_into_a_store_and_are_found_by_their_short_descriptor(
    tmp_path: Path,
) -> None:
    header, records = hcpcs.code_system(hcpcs.read_hcpcs(FILE), PROVENANCE)
    store = SqliteStore(tmp_path / "store.sqlite")
    with store.writer() as writer:
        writer.put_code_system(header, records, "loaded", total=len(records))
    (stored,) = store.code_systems()
    assert (stored.url, stored.version, stored.concept_count) == (HCPCS, "2026", 10)
    assert [row[0] for row in store.search(stored.key, "elig")] == ["G0296"]


def test_a_gzipped_file_reads_the_same(tmp_path: Path) -> None:
    packed = tmp_path / (FILE.name + ".gz")
    packed.write_bytes(gzip.compress(FILE.read_bytes()))
    release = hcpcs.read_hcpcs(packed)
    assert release == hcpcs.read_hcpcs(FILE)


def test_the_column_map_can_be_overridden() -> None:
    release = hcpcs.read_hcpcs(FILE, columns={"short_description": (92, 96)})
    (g0296,) = [c for c in release.codes if c.code == "G0296"]
    assert g0296.short_description == "Visit"
    with pytest.raises(ValueError, match="unknown HCPCS columns"):
        hcpcs.read_hcpcs(FILE, columns={"price": (120, 121)})
    with pytest.raises(ValueError, match="not a range"):
        hcpcs.read_hcpcs(FILE, columns={"code": (5, 1)})


def test_level_ii_replacements_need_no_system() -> None:
    deleted = hcpcs.HcpcsCode(
        "G0297", "Low dose ct scan (ldct) for lung cancer screening", None, False,
        "2015-02-05", "2021-01-01", "2021-03-31", "D", ("71271", "G0500"),
    )  # fmt: skip
    release = hcpcs.HcpcsRelease("2021", (deleted,), (), "HCPC2021_JAN_ANWEB.txt")
    (record,) = hcpcs.code_system(release, Provenance())[1]
    assert ("replacedBy", "G0500") in properties(record)
    assert "replacedBySystem" not in dict(properties(record))
    assert "designation" not in extra(record)


def test_a_malformed_line_is_named_with_its_file_and_line() -> None:
    with pytest.raises(TerminologyError, match=r"HCPC2026_JAN_ANWEB_bad\.txt, line 4: not an"):
        hcpcs.read_hcpcs(BAD)


def _lines(*numbers: int) -> list[str]:
    lines = FILE.read_text(encoding="utf-8").splitlines()
    return [lines[n - 1] for n in numbers]


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        # TC's continuation lines without their first line.
        (_lines(3, 4), r"line 1: continuation line \(record id 8\) of TC does not follow"),
        # G0296's second line after G0297.
        (_lines(10, 8), r"line 2: continuation line \(record id 4\) of G0296"),
        # Lines of one code out of sequence.
        (_lines(7, 9, 8), r"line 3: continuation line"),
        (_lines(1, 1), r"line 2: code FX appears twice"),
        ([_lines(10)[0][:10] + "5" + _lines(10)[0][11:]], r"line 1: record id '5' is not"),
        ([_lines(10)[0][:10] + "7" + _lines(10)[0][11:]], r"G0297 is not a modifier"),
        ([_lines(1)[0][:10] + "3" + _lines(1)[0][11:]], r"FX is not a procedure code"),
        ([_lines(10)[0][:200]], r"line 1: the first line of G0297 ends at column 200, .*293"),
        ([_lines(10)[0][:268] + "20151305" + _lines(10)[0][276:]], r"'20151305' is not a date"),
        ([_lines(10)[0][:292] + "9" + _lines(10)[0][293:]], r"action code '9' is not a letter"),
        ([_lines(10)[0][:11] + " " * 80 + _lines(10)[0][91:]], r"G0297 has no long description"),
        (["", "   "], r"holds no HCPCS records"),
    ],
)
def test_malformed_records_are_refused(tmp_path: Path, lines: list[str], message: str) -> None:
    path = tmp_path / "HCPC2026_JAN_ANWEB_test.txt"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    with pytest.raises(TerminologyError, match=message):
        hcpcs.read_hcpcs(path)


def test_the_year_comes_from_the_file_name_or_the_caller(tmp_path: Path) -> None:
    path = tmp_path / "hcpcs.txt"
    path.write_bytes(FILE.read_bytes())
    with pytest.raises(TerminologyError, match="no year in the file name"):
        hcpcs.read_hcpcs(path)
    assert hcpcs.read_hcpcs(path, "2026").year == "2026"
    with pytest.raises(TerminologyError, match="not a calendar year"):
        hcpcs.read_hcpcs(path, "FY26")
