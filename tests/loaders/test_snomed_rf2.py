"""The SNOMED CT RF2 reader, on our fixture releases (tests/loaders/fixtures/snomed: our own
descriptions, invented concepts around our chest-imaging SCTIDs)."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from terminology.authoring.snomed import DISPLAYS
from terminology.errors import TerminologyError
from terminology.loaders.snomed_rf2 import GB_ENGLISH, code_system, read_release, records
from terminology.loaders.sources import Provenance
from terminology.storage.records import number_subtrees
from terminology.uris import SNOMED
from tests.loaders.fixtures.snomed import make_fixture as fixture

FIXTURES = Path(__file__).parent / "fixtures" / "snomed"
FIRST = FIXTURES / "SnomedCT_Fixture_20250301"
SECOND = FIXTURES / "SnomedCT_Fixture_20250901"


def test_a_release_reads_as_its_edition_and_date() -> None:
    release = read_release(FIRST)
    # Our chest codes with 1000119 are US Extension concepts: the US Edition's module.
    assert release.version == "http://snomed.info/sct/731000124108/version/20250301"
    assert release.counts == {"concepts": 29, "synonyms": 36, "is-a": 32}
    header, concepts = code_system(release, Provenance())
    assert header["url"] == SNOMED and header["version"] == release.version
    assert header["hierarchyMeaning"] == "is-a"
    assert header["extension"][0]["valuePeriod"] == {"start": "2025-03-01"}
    overridden = read_release(FIRST, edition_module="900000000000207008", version="20250315")
    assert overridden.version == "http://snomed.info/sct/900000000000207008/version/20250315"


def test_preferred_terms_are_displays_and_the_fsn_a_designation() -> None:
    by_code = {r.code: r for r in records(read_release(FIRST))}
    for sctid, ours in DISPLAYS.items():
        assert by_code[sctid].display == ours
    ct = by_code["169069000"]
    assert ct.extra is not None
    uses = [(d["use"]["code"], d["value"]) for d in ct.extra["designation"]]
    assert ("900000000000003001", "CT of chest (procedure)") in uses
    assert ("900000000000013009", "CT chest") in uses
    assert all("Withdrawn" not in value for _use, value in uses)  # an inactive description
    assert {"code": "inactive", "valueBoolean": False} in ct.extra["property"]


def test_the_language_refset_decides_the_preferred_term() -> None:
    us = {r.code: r.display for r in records(read_release(FIRST))}
    gb = {r.code: r.display for r in records(read_release(FIRST, language_refset=GB_ENGLISH))}
    assert us[fixture.DOPPLER] == "Color Doppler imaging of chest"
    assert gb[fixture.DOPPLER] == "Colour Doppler imaging of chest"


def test_every_parent_is_kept_and_the_order_suits_the_store() -> None:
    concepts = records(read_release(FIRST))
    by_code = {r.code: r for r in concepts}
    ct = by_code["169069000"]
    assert {ct.parent, *ct.more_parents} == {fixture.CT, fixture.CHEST}
    mra = by_code["702682005"]
    assert {mra.parent, *mra.more_parents} == {"6007000", fixture.ANGIO}
    assert concepts[0].code == "138875005"  # the root first
    # The inactive is-a row of 399208008 is not read.
    assert (by_code["399208008"].parent, by_code["399208008"].more_parents) == (fixture.CHEST, ())
    numbered = number_subtrees(concepts, "fixture", total=len(concepts))
    ancestors = dict(numbered.ancestors())
    assert set(ancestors["711498001"].split()) == {
        "702682005",
        "6007000",
        fixture.MR,
        fixture.ANGIO,
        fixture.CHEST,
        fixture.IMAGING,
        "71388002",
        "138875005",
    }


def test_an_inactivated_concept_loses_its_links_and_says_so() -> None:
    concepts = {r.code: r for r in records(read_release(SECOND))}
    retired = concepts[fixture.RETIRED]
    assert retired.parent is None and retired.more_parents == ()
    assert retired.extra is not None
    assert {"code": "inactive", "valueBoolean": True} in retired.extra["property"]
    assert concepts[fixture.CT].display == "Computed tomography"
    assert fixture.PHOTON in concepts


def test_a_zip_reads_as_the_folder(tmp_path: Path) -> None:
    archive = tmp_path / "SnomedCT_Fixture_20250301.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for file in FIRST.rglob("*.txt"):
            out.write(file, f"SnomedCT_Fixture_20250301/{file.relative_to(FIRST).as_posix()}")
    assert records(read_release(archive)) == records(read_release(FIRST))


def test_a_release_missing_a_file_or_with_a_bad_sctid_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "release"
    shutil.copytree(FIRST, copy)
    (descriptions,) = copy.rglob("sct2_Description_*.txt")
    descriptions.unlink()
    with pytest.raises(TerminologyError, match="no Snapshot descriptions file"):
        read_release(copy)
    shutil.rmtree(copy)
    shutil.copytree(FIRST, copy)
    (concepts,) = copy.rglob("sct2_Concept_*.txt")
    text = concepts.read_text()
    concepts.write_text(text.replace("169069000\t", "169069001\t"))
    with pytest.raises(TerminologyError, match="fail the SCTID check.*169069001"):
        read_release(copy)
    concepts.write_text("id\teffectiveTime\n")
    with pytest.raises(TerminologyError, match="not an RF2 file of 5 columns"):
        read_release(copy)


def test_the_fixture_files_are_what_the_script_writes(tmp_path: Path) -> None:
    before = {p: p.read_bytes() for p in FIXTURES.rglob("*.txt")}
    fixture.release("20250301", second=False)
    fixture.release("20250901", second=True)
    assert {p: p.read_bytes() for p in FIXTURES.rglob("*.txt")} == before
