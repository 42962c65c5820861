"""The ICD-10-CM readers on small fixtures: the CMS order file in its fixed-width layout, and a
hand-written tabular XML; the order fixture is also checked against the shipped FY2026 tabular.

The order fixture's lines are laid out as CMS's ``icd10cm_order_2026.txt`` (order number 1-5,
code 7-13, header flag 15, short title 17-76, long title from 78, CRLF); its order numbers are
the fixture's own.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from terminology.codec.fhir_models import validate_resource
from terminology.errors import TerminologyError
from terminology.loaders import icd10cm
from terminology.loaders.icd10cm import IcdRow, read_order_file, read_tabular
from tests.content.icd import icd_rows

FIXTURES = Path(__file__).parent / "fixtures"
ORDER = FIXTURES / "icd10cm_order_2026.txt"
TABULAR = FIXTURES / "icd10cm_tabular_fixture.xml"


def rows(path: Path = ORDER) -> dict[str, IcdRow]:
    return {row.code: row for row in read_order_file(path, "2026").rows}


def test_the_order_file_reads_codes_headers_and_their_parents() -> None:
    by_code = rows()
    assert len(by_code) == 37
    assert by_code["J18"] == IcdRow(
        "J18", "Pneumonia, unspecified organism", None, False, "category"
    )
    assert by_code["J18.9"] == IcdRow(
        "J18.9", "Pneumonia, unspecified organism", "J18", True, "code"
    )
    assert by_code["J96.0"] == IcdRow(
        "J96.0", "Acute respiratory failure", "J96", False, "subcategory"
    )
    # The long title, not the short one.
    assert by_code["J96.00"].display == (
        "Acute respiratory failure, unspecified whether with hypoxia or hypercapnia"
    )
    # Placeholder X: S22.5XXA hangs from S22.5, S06.0X1 from S06.0.
    assert by_code["S22.5XXA"] == IcdRow(
        "S22.5XXA", "Flail chest, initial encounter for closed fracture", "S22.5", True, "code"
    )
    assert by_code["S06.0X1"].parent == "S06.0" and not by_code["S06.0X1"].billable
    assert by_code["S06.0X1A"].parent == "S06.0X1"
    assert by_code["Z87.891"].parent == "Z87.89"
    assert by_code["I10"] == IcdRow("I10", "Essential (primary) hypertension", None, True, "code")


def test_the_order_file_agrees_with_the_shipped_fy2026_tabular() -> None:
    # Read once per run for every test that needs it (tests/content reads it too).
    tabular = icd_rows("2026")
    order = rows()
    assert {c for c, r in order.items() if r.billable} == {c for c in order if tabular[c].billable}
    for code, row in order.items():
        assert row.display == tabular[code].display, code
        assert row.kind == tabular[code].kind, code
        if len(code) > 3:  # the tabular hangs a category (I10 too) from its block
            assert row.parent == tabular[code].parent, code


def test_a_tabular_file_reads_into_exact_rows() -> None:
    release = read_tabular(TABULAR)
    assert (release.version, release.source_file) == ("2026", TABULAR.name)

    def seventh(code: str, title: str, chars: dict[str, str]) -> list[tuple]:
        padded = code.replace(".", "").ljust(6, "X")
        return [
            (f"{padded[:3]}.{padded[3:]}{c}", f"{title}, {m}", code, True, "code")
            for c, m in chars.items()
        ]

    s06 = {"A": "initial encounter", "D": "subsequent encounter", "S": "sequela"}
    s22 = {"A": "initial encounter for closed fracture", "B": "initial encounter for open fracture"}
    concussion0 = "Concussion without loss of consciousness"
    concussion1 = "Concussion with loss of consciousness of 30 minutes or less"
    edema = (
        "Traumatic cerebral edema with loss of consciousness of any duration with death due to "
        "brain injury prior to regaining consciousness"
    )
    wedge = "Wedge compression fracture of unspecified thoracic vertebra"
    injuries = "Injury, poisoning and certain other consequences of external causes (S00-T88)"
    assert [tuple(getattr(r, f) for f in IcdRow.__slots__) for r in release.rows] == [
        # A chapter whose title gives no range is coded by its blocks' range; its one block is
        # the chapter itself, not a level of its own.
        ("J09-J18", "Diseases of the respiratory system", None, False, "chapter"),
        ("J18", "Pneumonia, unspecified organism", "J09-J18", False, "category"),
        ("J18.9", "Pneumonia, unspecified organism", "J18", True, "code"),
        ("S00-T88", injuries, None, False, "chapter"),
        ("S00-S09", "Injuries to the head (S00-S09)", "S00-T88", False, "block"),
        ("S06", "Intracranial injury", "S00-S09", False, "category"),
        ("S06.0", "Concussion", "S06", False, "subcategory"),
        # The placeholder S06.0X is no level: its children hang from S06.0.
        ("S06.0X0", concussion0, "S06.0", False, "subcategory"),
        *seventh("S06.0X0", concussion0, s06),
        ("S06.0X1", concussion1, "S06.0", False, "subcategory"),
        *seventh("S06.0X1", concussion1, s06),
        ("S06.1", "Traumatic cerebral edema", "S06", False, "subcategory"),
        # Death before regaining consciousness: initial encounter only. The title's line
        # break and indentation are one space.
        ("S06.1X7", edema, "S06.1", False, "subcategory"),
        *seventh("S06.1X7", edema, {"A": "initial encounter"}),
        ("S20-S29", "Injuries to the thorax (S20-S29)", "S00-T88", False, "block"),
        ("S22", "Fracture of rib(s), sternum and thoracic spine", "S20-S29", False, "category"),
        ("S22.0", "Fracture of thoracic vertebra", "S22", False, "subcategory"),
        ("S22.00", "Fracture of unspecified thoracic vertebra", "S22.0", False, "subcategory"),
        ("S22.000", wedge, "S22.00", False, "subcategory"),
        *seventh("S22.000", wedge, s22),
        ("S22.5", "Flail chest", "S22", False, "subcategory"),
        *seventh("S22.5", "Flail chest", s22),
    ]
    assert [r.code for r in release.rows if r.code.startswith("S22.5X")] == [
        "S22.5XXA", "S22.5XXB",
    ]  # fmt: skip


def test_an_order_file_release_is_described_as_what_it_holds() -> None:
    release = read_order_file(ORDER, "2026")
    header, records = icd10cm.code_system(release, icd10cm.Provenance(release="FY2026"))
    assert "file icd10cm_order_2026.txt; FY2026" in header["description"]
    assert "coded by their range" not in header["description"]
    assert "order file" in header["description"]
    by_code = {r.code: r for r in records}
    assert by_code["J18"].extra == {"property": [{"code": "notSelectable", "valueBoolean": True}]}
    assert by_code["J18.9"].extra is None
    resource = header | {
        "concept": [{"code": r.code, "display": r.display, **(r.extra or {})} for r in records]
    }
    assert validate_resource(resource) == []
    tabular_header, _ = icd10cm.code_system(read_tabular(TABULAR), icd10cm.Provenance())
    assert "chapters (coded by their range" in tabular_header["description"]


def _order_line(order: int, code: str, flag: str, title: str) -> str:
    return f"{order:05d} {code:<7} {flag} {title[:60]:<60} {title}"


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("00001 J18     0 Pneumonia", "too short for a long title"),
        (_order_line(1, "J18", "2", "Pneumonia, unspecified organism"), "flag not 0 or 1"),
        ("ABCDE" + _order_line(1, "J18", "0", "Pneumonia, unspecified organism")[5:], "order"),
        (" " + _order_line(1, "J18", "0", "Pneumonia, unspecified organism"), "shifted right"),
        (_order_line(1, " J18", "0", "Pneumonia, unspecified organism"), "code not left-justified"),
        (_order_line(1, "J18.9", "1", "Pneumonia, unspecified organism"), "a dotted code"),
        # ICD-10-PCS's order file has the same layout; its codes are not ICD-10-CM codes.
        (_order_line(1, "0016070", "1", "Bypass Cereb Vent to Nasophar"), "an ICD-10-PCS code"),
        (_order_line(1, "J18", "0", "Pneumonia")[:76] + "X" + "Pneumonia", "no blank before 78"),
    ],
)
def test_a_line_out_of_the_order_layout_is_refused(tmp_path: Path, line: str, why: str) -> None:
    path = tmp_path / "icd10cm_order_2026.txt"
    good = _order_line(1, "J18", "0", "Pneumonia, unspecified organism")
    path.write_text(f"{good}\r\n{line}\r\n", encoding="utf-8")
    with pytest.raises(TerminologyError, match=r"icd10cm_order_2026\.txt, line 2: not an"):
        read_order_file(path, "2026")


def test_order_files_refuse_a_repeated_code_and_a_version_that_is_no_fiscal_year(
    tmp_path: Path,
) -> None:
    path = tmp_path / "icd10cm_order_2026.txt"
    line = _order_line(1, "J18", "0", "Pneumonia, unspecified organism")
    path.write_text(f"{line}\r\n{line}\r\n", encoding="utf-8")
    with pytest.raises(TerminologyError, match="code J18 appears twice"):
        read_order_file(path, "2026")
    with pytest.raises(TerminologyError, match="not a fiscal year"):
        read_order_file(ORDER, "FY2026")


def test_an_order_file_may_start_with_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "icd10cm_order_2026.txt"
    path.write_bytes(b"\xef\xbb\xbf" + ORDER.read_bytes())
    assert read_order_file(path, "2026").rows == read_order_file(ORDER, "2026").rows


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        ("<ICD10CM.index><version>2026</version></ICD10CM.index>", "root element is"),
        ("<ICD10CM.tabular><version>FY26</version></ICD10CM.tabular>", "not a fiscal year"),
        ("<ICD10CM.tabular><version>2026", "not an ICD-10-CM tabular XML file"),
        (
            "<ICD10CM.tabular><version>2026</version><chapter><name>1</name>"
            "<desc>Certain diseases (A00-B99)</desc></chapter></ICD10CM.tabular>",
            "chapter 1 has no sections",
        ),
    ],
)
def test_a_file_that_is_no_tabular_is_refused(tmp_path: Path, xml: str, message: str) -> None:
    path = tmp_path / "tabular.xml"
    path.write_text(xml, encoding="utf-8")
    with pytest.raises(TerminologyError, match=message):
        read_tabular(path)
