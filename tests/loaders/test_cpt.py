"""The AMA CPT loader's reading of the data files (tests/loaders/fixtures/cpt, invented text in
the AMA's layout) and the CodeSystem it builds from them."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from terminology.errors import TerminologyError
from terminology.loaders import cpt, cpt_files
from terminology.loaders.cpt_layout import read_layouts
from terminology.loaders.load import load_code_system
from terminology.loaders.sources import Provenance
from terminology.storage.sqlite_store import SqliteStore
from terminology.uris import CPT, EXT_DISPLAY_NOT_OFFICIAL
from tests.conftest import CONTENT_DIR
from tests.loaders.fixtures.cpt import make_fixture

FIXTURES = Path(__file__).parent / "fixtures" / "cpt"
R2025, R2026 = FIXTURES / "CPT_2025_DATA", FIXTURES / "CPT_2026_DATA"


def read(path: Path, year: str | None = None, columns: Path | None = None) -> Any:
    return cpt_files.read_release(path, read_layouts(columns), year)


def props(extra: Any) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for p in extra["property"]:
        value = next(v for k, v in p.items() if k.startswith("value"))
        out.setdefault(p["code"], []).append(value)
    return out


def test_a_release_reads_its_five_files_and_its_year_from_the_folder() -> None:
    release = read(R2026)
    assert release.year == "2026"
    assert release.files == {
        "long": "LONGULT.txt",
        "medium": "MEDU.txt",
        "short": "SHORTU.txt",
        "modifiers": "MODUL.txt",
        "deleted": "history/Deleted_DTK_tab.txt",
    }
    assert len(release.long) == 21 and "71901" not in release.long
    assert release.long["71250"] == make_fixture.CHANGED_2026["71250"]
    assert release.medium["71250"] == "Fixture medium descriptor 71250"
    assert release.short["71250"] == "FIXTURE SHORT 71250"
    assert list(release.modifiers) == list(make_fixture.MODIFIERS)
    deleted = {d.code: d for d in release.deletions}
    assert deleted["71901"].deleted == "2026-01-01"
    assert deleted["71901"].replacements == ("71902",)
    assert deleted["0901T"].deleted == "2025-07-01" and deleted["0901T"].replacements == ()
    assert deleted["71999"].deleted is None  # "Pre-1982": before every version we serve


def test_the_long_descriptor_is_the_display_and_the_others_designations() -> None:
    header, records, lacking = cpt.code_system(
        read(R2026), cpt.our_fragments(CONTENT_DIR), Provenance()
    )
    assert lacking == []
    by_code = {r.code: r for r in records}
    ct = by_code["71250"]
    assert ct.display == make_fixture.CHANGED_2026["71250"]
    assert [d["value"] for d in ct.extra["designation"]] == [  # type: ignore[index]
        "Fixture medium descriptor 71250",
        "FIXTURE SHORT 71250",
    ]
    # Our own properties of the chest codes survive; the AMA's text replaces our display.
    assert props(ct.extra)["modality"] == ["CT"] and props(ct.extra)["contrast"] == ["none"]
    assert props(by_code["71045"].extra)["effectiveDate"] == ["2018-01-01"]
    assert props(by_code["71045"].extra)["views"] == ["1"]
    # A code we do not describe gets what every CPT code has, and nothing invented.
    assert props(by_code["71902"].extra) == {
        "status": ["active"],
        "modifier": [False],
        "modified": [False],
        "kind": ["code"],
    }
    assert [r.code for r in records][-10:] == list(make_fixture.MODIFIERS)
    kinds = {m: props(by_code[m].extra)["kind"] for m in ("26", "1P", "P1")}
    assert kinds == {"26": ["general"], "1P": ["cat-2"], "P1": ["physical-status"]}
    assert all(props(by_code[m].extra)["modifier"] == [True] for m in make_fixture.MODIFIERS)
    # Official displays: no display-not-official flag, the AMA's copyright, our year's period.
    assert EXT_DISPLAY_NOT_OFFICIAL not in {e["url"] for e in header["extension"]}
    assert header["url"] == CPT and header["version"] == "2026" and header["id"] == "cpt-2026"
    assert header["extension"][0]["valuePeriod"] == {"start": "2026-01-01", "end": "2026-12-31"}
    assert header["copyright"].startswith("CPT © Copyright 2026 American Medical Association.")
    assert "under the operator's AMA licence" in header["copyright"]
    assert "not AMA CPT descriptors" not in header["copyright"]
    assert {"modality", "contrast", "kind"} <= {p["code"] for p in header["property"]}


def test_year_bound_properties_come_only_from_our_fragment_of_that_year() -> None:
    fragments = {
        "2017": {
            "concept": [
                {
                    "code": "71250",
                    "display": "ours",
                    "property": [
                        {"code": "modality", "valueCode": "CT"},
                        {"code": "endDate", "valueDateTime": "2017-12-31"},
                        {"code": "replacedBy", "valueCode": "71260"},
                    ],
                }
            ]
        }
    }
    _h, records, lacking = cpt.code_system(read(R2025, "2019"), fragments, Provenance())
    (ct,) = [r for r in records if r.code == "71250"]
    assert props(ct.extra)["modality"] == ["CT"]
    assert "endDate" not in props(ct.extra) and "replacedBy" not in props(ct.extra)
    assert lacking == []  # only our fragment of the same year says what must be there


def test_a_code_deleted_within_the_year_gets_its_last_date_and_replacements() -> None:
    release = read(R2026, "2025")  # the 2026 history read as if 71901 were in 2025's files
    release = cpt_files.CptRelease(
        "2025",
        {**release.long, "71901": "x"},
        release.medium,
        release.short,
        release.modifiers,
        release.deletions,
        release.files,
    )
    _h, records, _l = cpt.code_system(release, {}, Provenance())
    (gone,) = [r for r in records if r.code == "71901"]
    assert props(gone.extra)["endDate"] == ["2025-12-31"]
    assert props(gone.extra)["replacedBy"] == ["71902"]


def test_replacements_are_the_codes_an_instruction_names_that_the_release_has() -> None:
    known = {"71045", "71046", "71047", "71048", "71250"}
    assert cpt_files.replacements("To report, see 71045-71048", known) == (
        "71045",
        "71046",
        "71047",
        "71048",
    )
    assert cpt_files.replacements("Use 71250 or 99999; see 10000-69999", known) == ("71250",)
    assert cpt_files.replacements("", known) == ()


def test_earlier_loaded_releases_get_the_deletions_of_a_later_history(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "store.sqlite")
    fragments = cpt.our_fragments(CONTENT_DIR)
    header, records, _l = cpt.code_system(read(R2025), fragments, Provenance())
    load_code_system(store, header, records)
    assert cpt.deletion_updates(store, read(R2025)) == []  # its own history changes nothing
    (update,) = cpt.deletion_updates(store, read(R2026))
    old_header, old_records = update
    assert old_header["version"] == "2025"
    by_code = {r.code: r for r in old_records}
    assert props(by_code["71901"].extra)["endDate"] == ["2025-12-31"]
    assert props(by_code["71901"].extra)["replacedBy"] == ["71902"]
    assert props(by_code["0901T"].extra)["endDate"] == ["2025-06-30"]
    assert "endDate" not in props(by_code["71250"].extra)
    assert len(old_records) == len(records)


def test_a_release_missing_a_file_is_refused_naming_it(tmp_path: Path) -> None:
    folder = tmp_path / "CPT 2026"
    shutil.copytree(R2026, folder)
    (folder / "MODUL.txt").unlink()
    with pytest.raises(TerminologyError, match=r"missing MODUL\.txt"):
        read(folder)
    (folder / "history" / "Deleted_DTK_tab.txt").unlink()  # the history is optional
    shutil.copy(R2026 / "MODUL.txt", folder)
    assert read(folder).deletions == ()


@pytest.mark.parametrize(
    ("file", "lines", "message"),
    [
        (
            "LONGULT.txt",
            ["71045\tfine", "71250\tone\ttoo many"],
            r"LONGULT\.txt, line 8: does not read as 2 tab-separated fields",
        ),
        ("MEDU.txt", ["71250-medium"], r"MEDU\.txt: no line reads as the code in characters 1-5"),
        ("SHORTU.txt", ["99999 STRAY"], r"1 code\(s\) have no long descriptor .* 99999"),
        ("SHORTU.txt", ["71250 A", "71250 B"], r"code 71250 appears twice"),
        ("MODUL.txt", ["26\t"], r"code 26 has no descriptor"),
    ],
)
def test_a_file_that_does_not_fit_its_layout_is_refused(
    tmp_path: Path, file: str, lines: list[str], message: str
) -> None:
    folder = tmp_path / "CPT_2026"
    shutil.copytree(R2026, folder)
    (folder / file).write_text("\r\n".join(make_fixture.NOTICE + lines), encoding="utf-8")
    with pytest.raises(TerminologyError, match=message):
        read(folder)


def test_a_file_in_another_encoding_is_refused_with_the_way_out(tmp_path: Path) -> None:
    folder = tmp_path / "CPT_2026"
    shutil.copytree(R2026, folder)
    text = (folder / "LONGULT.txt").read_text(encoding="utf-8")
    (folder / "LONGULT.txt").write_bytes(text.replace("≥", "é").encode("cp1252"))
    with pytest.raises(TerminologyError, match=r"line 12 is not utf-8 text .*encoding"):
        read(folder)
    columns = tmp_path / "columns.toml"
    columns.write_text('[long]\nencoding = "cp1252"\n')
    assert "é" in read(folder, columns=columns).long["71101"]


def test_the_column_mapping_reads_another_layout(tmp_path: Path) -> None:
    folder = tmp_path / "CPT_2026"
    shutil.copytree(R2026, folder)
    (folder / "MODUL.txt").unlink()
    (folder / "MODIFIERS.TXT").write_text(
        "Code\tId\tText\r\n26\t1\tProfessional part (fixture)\r\n"
    )
    columns = tmp_path / "columns.toml"
    columns.write_text(
        '[modifiers]\nfile = "modifiers.txt"\nlayout = "tab"\nheader = true\n'
        "code = 1\ntext = 3\nfields = 3\n"
    )
    assert read(folder, columns=columns).modifiers == {"26": "Professional part (fixture)"}
    columns.write_text('[modifiers]\nlayout = "tab"\n')
    with pytest.raises(TerminologyError, match=r"code must be a field number"):
        read(folder, columns=columns)
    columns.write_text("[loinc]\ncode = 1\n")
    with pytest.raises(TerminologyError, match=r"unknown table\(s\) loinc"):
        read(folder, columns=columns)
    columns.write_text("[long]\ncolumn = 1\n")
    with pytest.raises(TerminologyError, match=r"\[long\] has unknown key\(s\) column"):
        read(folder, columns=columns)


def test_the_year_comes_from_the_folder_name_or_the_caller(tmp_path: Path) -> None:
    folder = tmp_path / "CPT 2025" / "ama-data-files"  # a year above it says nothing
    shutil.copytree(R2026, folder)
    with pytest.raises(TerminologyError, match=r"no year in the folder's name; give --version"):
        read(folder)
    assert read(folder, "2027").year == "2027"
    with pytest.raises(TerminologyError, match=r"not a folder"):
        read(folder / "LONGULT.txt", "2027")


def test_the_fixture_files_are_what_the_script_writes(tmp_path: Path) -> None:
    make_fixture.write_all(tmp_path)
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    committed = sorted(p.relative_to(FIXTURES) for p in FIXTURES.rglob("*.txt") if p.is_file())
    assert written == committed
    for name in written:
        assert (tmp_path / name).read_bytes() == (FIXTURES / name).read_bytes(), name


def test_a_history_row_with_a_date_that_is_not_one_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "CPT_2026"
    shutil.copytree(R2026, folder)
    history = folder / "history" / "Deleted_DTK_tab.txt"
    lines = history.read_text(encoding="utf-8").splitlines()
    history.write_text("\r\n".join([*lines, "1099903\t71903\t2026-01-01\tL\tText\t"]))
    with pytest.raises(
        TerminologyError, match=r"Deleted_DTK_tab\.txt, line 5: deletion date '2026-01-01'"
    ):
        read(folder)


def test_the_benchmark_release_reads_as_a_release(tmp_path: Path) -> None:
    from terminology.bench.cpt_release import generate

    counts = generate(tmp_path / "CPT_2027_DATA", 400)
    release = read(tmp_path / "CPT_2027_DATA")
    assert (len(release.long), len(release.modifiers), len(release.deletions)) == (
        counts["codes"],
        counts["modifiers"],
        counts["deleted"],
    )
    assert len(release.long) == 400 and {"71045", "71250", "71555"} <= set(release.long)
    assert set(release.long) == set(release.medium) == set(release.short)
    assert not {d.code for d in release.deletions} & set(release.long)
    _h, _records, lacking = cpt.code_system(release, cpt.our_fragments(CONTENT_DIR), Provenance())
    assert lacking == []  # no fragment of 2027: nothing is required
