"""(c) Integrity: members, map ends and replacements exist; versions match effective dates;
SNOMED ids pass Verhoeff; ICD-10-CM matches the FY2026 tabular."""

from __future__ import annotations

import warnings
from datetime import date

import pytest

from terminology.authoring import icd10cm as icd10cm_authoring
from terminology.providers.syntax import verhoeff_valid

from .helpers import (
    CPT,
    EXT_EFFECTIVE_PERIOD,
    EXT_UNVERIFIED,
    HCPCS,
    ICD10CM,
    SNOMED,
    codes_in_any_version,
    concepts_by_code,
    ext,
    file_names,
    load,
    props,
    resources,
    versions,
    walk,
)
from .icd import icd_release, icd_rows

VALUE_SETS = [n for n in file_names() if n.startswith("ValueSet-")]
CONCEPT_MAPS = [n for n in file_names() if n.startswith("ConceptMap-")]
CODE_SYSTEMS = [n for n in file_names() if n.startswith("CodeSystem-")]
R4_EQUIVALENCE = {
    "relatedto",
    "equivalent",
    "equal",
    "wider",
    "subsumes",
    "narrower",
    "specializes",
    "inexact",
    "unmatched",
    "disjoint",
}


def _icd_displays(code: str, version: str | None) -> set[str]:
    """ICD-10-CM is loaded from the CDC's tabular files, not published as JSON here."""
    wanted = [version] if version is not None else ["2025", "2026"]
    return {icd_rows(v)[code].display for v in wanted if code in icd_rows(v)}


def _code_exists(system: str, code: str, version: str | None = None) -> bool:
    if system == ICD10CM:
        return bool(_icd_displays(code, version))
    if version is None:
        return code in codes_in_any_version(system)
    cs = versions(system).get(version)
    return cs is not None and code in concepts_by_code(cs)


def _display(system: str, code: str, version: str | None = None) -> set[str]:
    if system == ICD10CM:
        return _icd_displays(code, version)
    if version is None:
        return codes_in_any_version(system)[code]
    return {concepts_by_code(versions(system)[version])[code]["display"]}


@pytest.mark.parametrize("name", VALUE_SETS)
def test_every_value_set_member_exists_in_its_code_system(name: str) -> None:
    vs = load(name)
    assert "exclude" not in vs["compose"]
    for inc in vs["compose"]["include"]:
        assert "version" not in inc, "our value sets include code systems versionlessly"
        assert inc["concept"], "members are enumerated"
        codes = [c["code"] for c in inc["concept"]]
        assert len(codes) == len(set(codes)), "duplicate member"
        for c in inc["concept"]:
            assert _code_exists(inc["system"], c["code"]), (inc["system"], c["code"])
            assert c["display"] in _display(inc["system"], c["code"]), c["code"]


@pytest.mark.parametrize("name", CONCEPT_MAPS)
def test_every_concept_map_source_and_target_exists(name: str) -> None:
    cm = load(name)
    for g in cm["group"]:
        for e in g["element"]:
            assert _code_exists(g["source"], e["code"], g.get("sourceVersion")), e["code"]
            assert e["display"] in _display(g["source"], e["code"], g.get("sourceVersion"))
            assert e["target"]
            for t in e["target"]:
                assert _code_exists(g["target"], t["code"], g.get("targetVersion")), t["code"]
                assert t["display"] in _display(g["target"], t["code"], g.get("targetVersion"))
                assert t["equivalence"] in R4_EQUIVALENCE


@pytest.mark.parametrize("name", CONCEPT_MAPS)
def test_unverified_map_targets_say_so_in_the_comment_too(name: str) -> None:
    for g in load(name)["group"]:
        for e in g["element"]:
            for t in e["target"]:
                note = ext(t, EXT_UNVERIFIED)
                if note:
                    assert note in t["comment"]


@pytest.mark.parametrize("name", CONCEPT_MAPS)
def test_concept_maps_point_at_our_value_sets(name: str) -> None:
    cm = load(name)
    ours = {vs["url"] for vs in resources("ValueSet")}
    for key in ("sourceCanonical", "targetCanonical", "sourceUri", "targetUri"):
        if key in cm:
            assert cm[key] in ours


@pytest.mark.parametrize("name", CODE_SYSTEMS)
def test_every_replacement_exists(name: str) -> None:
    cs = load(name)
    for c in walk(cs["concept"]):
        targets = props(c, "replacedBy")
        systems = props(c, "replacedBySystem") or [cs["url"]]
        assert len(systems) == 1
        for code in targets:
            assert _code_exists(systems[0], code), (c["code"], code)


@pytest.mark.parametrize("name", CODE_SYSTEMS)
def test_unverified_flags_say_what_is_unconfirmed(name: str) -> None:
    def check(element: dict) -> None:
        for e in element.get("extension", []):
            if e["url"] == EXT_UNVERIFIED:
                assert isinstance(e["valueString"], str) and len(e["valueString"]) > 20

    cs = load(name)
    check(cs)
    for c in walk(cs["concept"]):
        check(c)
        for p in c.get("property", []):
            check(p)


def _period(cs: dict) -> tuple[date, date]:
    period = ext(cs, EXT_EFFECTIVE_PERIOD)
    return date.fromisoformat(period["start"]), date.fromisoformat(period["end"])


@pytest.mark.parametrize("system", [CPT, HCPCS])
def test_each_version_holds_exactly_the_codes_in_force_in_its_period(system: str) -> None:
    all_versions = versions(system)
    assert sorted(all_versions) == [str(y) for y in range(2017, 2027)]
    dates: dict[str, tuple[str | None, str | None]] = {}
    for cs in all_versions.values():
        for code, c in concepts_by_code(cs).items():
            eff, ends = props(c, "effectiveDate"), props(c, "endDate")
            pair = (eff[0] if eff else None, ends[0] if ends else None)
            assert dates.setdefault(code, pair) == pair, f"{code}: dates differ between versions"
            assert props(c, "status") == ["active"], f"{code} is in force in {cs['version']}"
    for version, cs in all_versions.items():
        start, end = _period(cs)
        assert (start, end) == (date(int(version), 1, 1), date(int(version), 12, 31))
        expected = {
            code
            for code, (eff, stop) in dates.items()
            if (eff is None or date.fromisoformat(eff) <= end)
            and (stop is None or date.fromisoformat(stop) >= start)
        }
        assert set(concepts_by_code(cs)) == expected, version


@pytest.mark.parametrize("name", CODE_SYSTEMS)
def test_effective_period_is_well_formed(name: str) -> None:
    cs = load(name)
    period = ext(cs, EXT_EFFECTIVE_PERIOD)
    if period:
        assert date.fromisoformat(period["start"]) <= date.fromisoformat(period["end"])


def test_snomed_ids_are_strings_with_a_valid_verhoeff_check_digit() -> None:
    files = [cs for cs in resources("CodeSystem") if cs["url"] == SNOMED]
    assert files
    ids = [c["code"] for cs in files for c in walk(cs["concept"])]
    ids += [
        c["code"]
        for r in resources()
        for inc in r.get("compose", {}).get("include", [])
        if inc["system"] == SNOMED
        for c in inc["concept"]
    ]
    ids += [
        t["code"]
        for cm in resources("ConceptMap")
        for g in cm["group"]
        if g["target"] == SNOMED
        for e in g["element"]
        for t in e["target"]
    ]
    for sctid in ids:
        assert isinstance(sctid, str) and sctid.isdigit() and 6 <= len(sctid) <= 18, sctid
        assert sctid[0] != "0"
        assert verhoeff_valid(sctid), sctid


# --- ICD-10-CM: our tabular reader against simple-icd-10-cm's --------------------------------


@pytest.fixture(scope="module")
def icd():
    # simple_icd_10_cm 1.5.0 (FY2026 April-1-2026 tabular) warns about a deprecated
    # importlib.resources call when it loads; the suite turns warnings into errors.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm

    return simple_icd_10_cm


def test_fy2026_billable_codes_are_simple_icd_10_cms_leaves(icd) -> None:
    """An independent reading of the same CDC file: simple-icd-10-cm expands the 7th
    characters its own way. Its leaves include the blocks (J09-J18), which are not codes."""
    ours = {row.code for row in icd_release("2026").rows if row.billable}
    theirs = {c for c in icd.get_all_codes(with_dots=True) if icd.is_leaf(c) and "-" not in c}
    assert ours == theirs


def test_fy2026_titles_and_parents_are_simple_icd_10_cms(icd) -> None:
    by_code = icd_rows("2026")
    for row in by_code.values():
        if row.kind in ("chapter", "block"):
            continue
        theirs = icd.get_description(row.code)
        # simple-icd-10-cm appends a note of the 7th-character definition ("stable/Old central
        # retinal vein occlusion"); the code's title is without it, as in CMS's order file.
        assert row.display == theirs or theirs.startswith(row.display + "/"), row.code
        assert row.parent is not None
        if by_code[row.parent].kind in ("chapter", "block"):
            # simple-icd-10-cm puts a block of one category (B20) between the two; we do not.
            assert icd.is_category(row.code), row.code
        else:
            parent = icd.get_parent(row.code)
            if parent not in by_code:
                # A placeholder level (H21.1X, placeholder="true" in the XML) is not a code:
                # we hang its children from the level above.
                parent = icd.get_parent(parent)
            assert parent == row.parent, row.code


@pytest.mark.parametrize(("code", "parent", "title"), icd10cm_authoring.TABULAR)
def test_our_indication_titles_are_the_fy2026_tabulars(code: str, parent, title: str) -> None:
    row = icd_rows("2026")[code]
    assert row.display == title
    if parent is not None:
        assert row.parent == parent


@pytest.mark.parametrize("version", ["2025", "2026"])
def test_fiscal_years_have_cms_counts(version: str) -> None:
    """CMS's FY2025 and FY2026 code files list 74,260 and 74,719 billable codes."""
    expected = {"2025": 74_260, "2026": 74_719}[version]
    assert icd_release(version).billable_count == expected


def test_fy2026_changes_match_cms_addenda() -> None:
    """CMS's FY2026 addenda: 487 new codes, 28 deleted (FY2026 counts include April 2026)."""
    old = {r.code for r in icd_release("2025").rows if r.billable}
    new = {r.code for r in icd_release("2026").rows if r.billable}
    assert (len(new - old), len(old - new)) == (487, 28)

