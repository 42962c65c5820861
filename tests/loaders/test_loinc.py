"""The LOINC and RadLex Playbook readers, on our fixture releases (tests/loaders/fixtures/loinc:
our chest LOINC terms and RPIDs with invented attributes, in the vendors' CSV layouts)."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest

from terminology.authoring import loinc as fragment
from terminology.authoring import radlex as radlex_fragment
from terminology.errors import TerminologyError
from terminology.loaders import loinc, radlex_playbook
from terminology.loaders.playbook_parts import contrast_in_name
from terminology.loaders.sources import Provenance
from terminology.storage.records import number_subtrees
from terminology.uris import EXT_EFFECTIVE_PERIOD
from tests.loaders.fixtures.loinc import make_fixture as fx

FIXTURES = Path(__file__).parent / "fixtures" / "loinc"
FIRST = FIXTURES / "Loinc_2.84"
SECOND = FIXTURES / "Loinc_2.85"
PLAYBOOK_CSV = FIXTURES / "radlex" / "Playbook.csv"
CONTENT = Path(__file__).parent.parent.parent / "valuesets"


def props(extra: Any) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for p in extra["property"]:
        value = next(v for k, v in p.items() if k.startswith("value"))
        out.setdefault(p["code"], []).append(value)
    return out


def by_code(path: Path = FIRST) -> dict[str, Any]:
    return {r.code: r for r in loinc.records(loinc.read_release(path))}


def test_a_release_reads_its_version_terms_and_playbook() -> None:
    release = loinc.read_release(SECOND)
    assert release.version == "2.85"  # the newest VersionLastChanged
    assert release.counts == {"terms": 32, "playbook terms": 31, "playbook rows": 106}
    assert release.notes == []
    assert loinc.read_release(FIRST, version="2.84.1").version == "2.84.1"
    header, records = loinc.code_system(release, Provenance(release_date="2026-08-01"))
    assert header["url"] == "http://loinc.org" and header["version"] == "2.85"
    assert {"url": EXT_EFFECTIVE_PERIOD, "valuePeriod": {"start": "2026-08-01"}} in header[
        "extension"
    ]
    declared = {p["code"]: p for p in header["property"]}
    assert declared["COMPONENT"]["uri"] == "http://loinc.org/property/COMPONENT"
    assert declared["rad-modality-modality-type"]["type"] == "Coding"
    assert declared["region-imaged"]["uri"] == (
        "http://loinc.org/property/rad-anatomic-location-region-imaged"
    )
    # The store takes them: flat, each code once.
    assert len(number_subtrees(records, "loinc", total=32).rows) == 32


def test_parts_and_playbook_attributes_are_properties() -> None:
    ct = by_code()["29252-4"]
    assert ct.display == "CT Chest WO contrast"
    p = props(ct.extra)
    assert p["COMPONENT"] == ["Chest WO contrast"] and p["PROPERTY"] == ["Find"]
    assert p["TIME_ASPCT"] == ["Pt"] and p["SCALE_TYP"] == ["Doc"] and p["CLASS"] == ["RAD"]
    assert p["STATUS"] == ["ACTIVE"] and p["status"] == ["active"] and p["inactive"] == [False]
    assert p["modality"] == ["CT"] and p["region-imaged"] == ["Chest"] and p["timing"] == ["WO"]
    assert p["rad-timing"] == [
        {"system": "http://loinc.org", "code": fx.PARTS["WO"], "display": "WO"}
    ]
    uses = {d["use"]["code"]: d["value"] for d in ct.extra["designation"]}
    assert uses == {"SHORTNAME": "CT Chest WO cont", "DisplayName": "CT Chest WO contrast"}
    glucose = props(by_code()[fx.GLUCOSE].extra)
    assert glucose["CLASS"] == ["CHEM"] and "METHOD_TYP" not in glucose  # empty: left out
    assert not {"modality", "contrast", "region-imaged"} & set(glucose)


def test_statuses_map_to_active_deprecated_and_inactive() -> None:
    first, second = by_code(FIRST), by_code(SECOND)
    assert props(first[fx.CT_CHEST_FIXTURE].extra)["inactive"] == [False]
    gone = props(second[fx.CT_CHEST_FIXTURE].extra)
    assert gone["STATUS"] == ["DEPRECATED"] and gone["status"] == ["retired"]
    assert gone["inactive"] == [True]
    discouraged = props(second[fx.CT_CHEST_DISCOURAGED].extra)
    assert discouraged["status"] == ["deprecated"] and discouraged["inactive"] == [False]
    assert fx.CT_CHEST_AIRWAY in second and fx.CT_CHEST_AIRWAY not in first


def test_loaded_terms_say_what_our_fragment_says() -> None:
    """Same property codes and, for our chest terms, the same modality and contrast."""
    loaded = by_code()
    for code, name, modality, contrast in fragment.TERMS:
        p = props(loaded[code].extra)
        assert loaded[code].display == name
        assert p["modality"] == [modality], code
        assert p.get("contrast", [None]) == [contrast], code
    shipped = json.loads((CONTENT / "CodeSystem-loinc-2.83.json").read_text())
    header, _ = loinc.code_system(loinc.read_release(FIRST), Provenance())
    ours = {p["code"]: p for p in header["property"]}
    for declared in shipped["property"]:
        assert ours[declared["code"]]["uri"] == declared["uri"]
        assert ours[declared["code"]]["type"] == declared["type"]


def test_contrast_is_read_from_the_name() -> None:
    assert contrast_in_name("CT Chest WO and W contrast IV") == "without-then-with"
    assert contrast_in_name("CT Chest w and wo IV Contrast") == "without-then-with"
    assert contrast_in_name("MRA Chest vessels WO contrast") == "none"
    assert contrast_in_name("CT Chest w IV Contrast Pulmonary Embolus") == "with"
    assert contrast_in_name("XR Chest 2 Views With Apical Lordotic") is None
    assert contrast_in_name("CT Chest") is None


def test_a_zip_reads_as_the_folder(tmp_path: Path) -> None:
    archive = tmp_path / "Loinc_2.84.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for file in FIRST.rglob("*.csv"):
            z.write(file, "Loinc_2.84/" + file.relative_to(FIRST).as_posix())
    zipped = loinc.records(loinc.read_release(archive))
    assert zipped == loinc.records(loinc.read_release(FIRST))


def test_a_damaged_zip_is_a_clear_error(tmp_path: Path) -> None:
    archive = tmp_path / "Loinc_2.84.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.write(FIRST / "LoincTable" / "Loinc.csv", "LoincTable/Loinc.csv")
    raw = bytearray(archive.read_bytes())
    start = raw.index(b"PK\x03\x04") + 30 + len("LoincTable/Loinc.csv")
    raw[start + 100 : start + 400] = b"\xff" * 300  # the compressed data, damaged
    archive.write_bytes(bytes(raw))
    with pytest.raises(TerminologyError, match="cannot be read|not UTF-8|not valid CSV"):
        loinc.read_release(archive)


def test_the_playbook_may_be_named_or_missing(tmp_path: Path) -> None:
    table = tmp_path / "Loinc.csv"
    shutil.copy(FIRST / "LoincTable" / "Loinc.csv", table)
    alone = loinc.read_release(table)
    assert alone.parts == {} and "no Playbook attributes" in alone.notes[0]
    named = loinc.read_release(
        table,
        playbook=FIRST
        / "AccessoryFiles"
        / "LoincRsnaRadiologyPlaybook"
        / "LoincRsnaRadiologyPlaybook.csv",
    )
    assert len(named.parts) == 30
    with pytest.raises(TerminologyError, match="nowhere.csv: no such file"):
        loinc.read_release(table, playbook=tmp_path / "nowhere.csv")


def _broken(tmp_path: Path, change: Any) -> Path:
    text = (FIRST / "LoincTable" / "Loinc.csv").read_text(encoding="utf-8")
    path = tmp_path / "Loinc.csv"
    written = change(text)
    if isinstance(written, bytes):
        path.write_bytes(written)
    else:
        path.write_text(written, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.replace('"LONG_COMMON_NAME"', '"LONG_NAME"'), "no LONG_COMMON_NAME column"),
        (lambda t: t.replace('"ACTIVE"', '"RETIRED"', 1), "unknown STATUS 'RETIRED'"),
        (lambda t: t.replace('"36572-6"', '"36554-4"'), "36554-4 is listed twice"),
        (lambda t: t.replace('"36572-6"', '"36572-7"'), "fail the LOINC form or check digit"),
        (lambda t: t.replace("Chest AP", "Chest \xe9").encode("latin-1"), "not UTF-8"),
        (lambda t: "", "the file is empty"),
        (lambda t: t.splitlines()[0] + "\n", "no terms"),
        (lambda t: t.replace('"VersionLastChanged"', '"Changed"'), "give --version"),
    ],
)
def test_bad_files_are_refused_with_the_reason(tmp_path: Path, change: Any, message: str) -> None:
    with pytest.raises(TerminologyError, match=message):
        loinc.read_release(_broken(tmp_path, change))


def test_no_loinc_table_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TerminologyError, match="no Loinc.csv"):
        loinc.read_release(tmp_path)
    with pytest.raises(TerminologyError, match="no such file"):
        loinc.read_release(tmp_path / "missing")


def test_the_radlex_playbook_reads_rpids_names_and_attributes() -> None:
    release = radlex_playbook.read_playbook(PLAYBOOK_CSV, version="2.6")
    header, records = radlex_playbook.code_system(release, Provenance(release_date="2026-06-01"))
    assert header["url"] == "http://radlex.org" and header["version"] == "2.6"
    found = {r.code: r for r in records}
    assert len(found) == 26
    for rpid, name, modality, contrast in radlex_fragment.PLAYBOOK:
        p = props(found[rpid].extra)
        assert found[rpid].display == name
        assert p["modality"] == [modality], rpid
        assert p.get("contrast", [None]) == [contrast], rpid
    angio = props(found["RPID6"].extra)
    assert angio["body-region"] == ["CHEST"] and angio["modality-modifier"] == ["ANGIOGRAPHY"]
    assert "population" not in angio  # a single space is empty
    extra = found["RPID6"].extra
    assert extra is not None
    uses = {d["use"]["code"] for d in extra["designation"]}
    assert uses == {"SHORT_NAME", "LETTER_CODE"}
    shipped = json.loads((CONTENT / "CodeSystem-radlex-playbook.json").read_text())
    ours = {p["code"]: p for p in header["property"]}
    for declared in shipped["property"]:
        assert ours[declared["code"]]["uri"] == declared["uri"]


def test_radlex_columns_can_be_renamed(tmp_path: Path) -> None:
    renamed = tmp_path / "core-playbook.csv"
    text = PLAYBOOK_CSV.read_text(encoding="utf-8")
    renamed.write_text(text.replace("LONG_NAME", "LONG_DESCRIPTION", 1), encoding="utf-8")
    with pytest.raises(TerminologyError, match="no LONG_NAME column"):
        radlex_playbook.read_playbook(renamed, version="2.6")
    columns = radlex_playbook.column_overrides(["long_name=LONG_DESCRIPTION"])
    release = radlex_playbook.read_playbook(renamed, version="2.6", columns=columns)
    assert release.procedures["RPID16"][0] == "CT Chest wo IV Contrast"
    assert "long-description" not in release.attributes
    with pytest.raises(TerminologyError, match="expected ROLE=HEADER"):
        radlex_playbook.column_overrides(["name=LONG"])


def test_radlex_refuses_what_it_cannot_read(tmp_path: Path) -> None:
    with pytest.raises(TerminologyError, match="give --version"):
        radlex_playbook.read_playbook(PLAYBOOK_CSV, version=None)
    bad = tmp_path / "Playbook.csv"
    bad.write_text(PLAYBOOK_CSV.read_text().replace("RPID16,", "16,"), encoding="utf-8")
    with pytest.raises(TerminologyError, match="without an RPID"):
        radlex_playbook.read_playbook(bad, version="2.6")
    with pytest.raises(TerminologyError, match="not a RadLex Playbook CSV"):
        (tmp_path / "empty").mkdir()
        radlex_playbook.read_playbook(tmp_path / "empty", version="2.6")
    with pytest.raises(TerminologyError, match="expected a date"):
        release = radlex_playbook.read_playbook(PLAYBOOK_CSV, version="2.6")
        radlex_playbook.code_system(release, Provenance(release_date="June 2026"))
