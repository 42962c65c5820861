"""(d) Specific facts the issue names."""

from __future__ import annotations

import pytest

from .helpers import (
    CPT,
    EXT_UNVERIFIED,
    HCPCS,
    ICD10CM,
    LOINC,
    RADLEX,
    SNOMED,
    code_system,
    concepts_by_code,
    ext,
    load,
    props,
)
from .icd import icd_release, icd_rows

YEARS = range(2017, 2027)
DELETED_2018 = ("71010", "71015", "71020", "71021", "71022", "71023", "71030", "71034", "71035")
CURRENT = (
    "71045",
    "71046",
    "71047",
    "71048",
    "71100",
    "71101",
    "71110",
    "71111",
    "71120",
    "71130",
    "71250",
    "71260",
    "71270",
    "71271",
    "71275",
    "71550",
    "71551",
    "71552",
    "71555",
)
CPT_MODIFIERS = ("26", "52", "53", "59", "76", "77")
HCPCS_MODIFIERS = ("TC", "FX", "FY", "XE", "XP", "XS", "XU", "CT")
ICD_79 = (
    "R91.1",
    "R91.8",
    "R05.1",
    "R05.2",
    "R05.3",
    "R05.4",
    "R05.8",
    "R05.9",
    "R06.00",
    "R06.02",
    "R06.03",
    "R06.2",
    "R04.2",
    "R07.1",
    "R07.89",
    "R07.9",
    "R09.02",
    "R09.1",
    "R50.9",
    "R93.89",
    "J18.9",
    "J12.82",
    "U07.1",
    "A15.0",
    "J44.9",
    "J44.1",
    "J84.10",
    "J84.112",
    "J98.11",
    "J90",
    "J93.9",
    "J81.0",
    "C34.11",
    "C34.12",
    "C34.2",
    "C34.31",
    "C34.32",
    "C34.90",
    "C34.91",
    "C34.92",
    "C78.00",
    "D38.1",
    "Z85.118",
    "Z08",
    "I26.99",
    "I26.09",
    "I26.92",
    "I26.93",
    "I26.94",
    "I27.82",
    "Z86.711",
    "I27.20",
    "I71.010",
    "I71.012",
    "I71.20",
    "I71.21",
    "I71.23",
    "Z87.891",
    "F17.210",
    "F17.211",
    "F17.213",
    "F17.218",
    "F17.219",
    "Z72.0",
    "Z12.2",
    "Z01.811",
    "Z77.090",
    "Z20.822",
    "S22.31XA",
    "S22.32XA",
    "S22.41XA",
    "S22.42XA",
    "S22.5XXA",
    "S22.20XA",
    "S27.0XXA",
    "S27.1XXA",
    "S27.2XXA",
    "S27.321A",
    "S29.9XXA",
)


def cpt(year: int) -> dict[str, dict]:
    return concepts_by_code(code_system(f"cpt-{year}"))


def hcpcs(year: int) -> dict[str, dict]:
    return concepts_by_code(code_system(f"hcpcs-{year}"))


def test_71045_is_absent_from_cpt_2017_and_present_in_2018() -> None:
    assert "71045" not in cpt(2017)
    assert "71045" in cpt(2018)


@pytest.mark.parametrize("year", YEARS)
def test_cpt_versions_hold_the_listed_codes(year: int) -> None:
    codes = cpt(year)
    for code in DELETED_2018:
        assert (code in codes) is (year <= 2017), (code, year)
    for code in ("71045", "71046", "71047", "71048"):
        assert (code in codes) is (year >= 2018), (code, year)
    assert ("71271" in codes) is (year >= 2021)
    for code in set(CURRENT) - {"71045", "71046", "71047", "71048", "71271"}:
        assert code in codes, (code, year)
    for code in CPT_MODIFIERS:
        assert props(codes[code], "modifier") == [True]
        assert props(codes[code], "modified") == [False]
        assert props(codes[code], "kind") == ["general"]
    assert set(codes) <= set(CURRENT + DELETED_2018 + CPT_MODIFIERS)


def test_deleted_codes_end_in_2017_with_their_replacements() -> None:
    codes = cpt(2017)
    expected = {
        "71010": ["71045"],
        "71015": ["71045"],
        "71020": ["71046"],
        "71021": ["71047"],
        "71022": ["71047", "71048"],
        "71023": ["71046"],
        "71030": ["71048"],
        "71034": ["71048"],
        "71035": ["71045", "71046", "71047", "71048"],
    }
    flagged = {"71020", "71021", "71022", "71023", "71034"}
    for code, replacements in expected.items():
        c = codes[code]
        assert props(c, "endDate") == ["2017-12-31"]
        assert props(c, "replacedBy") == replacements
        entries = [p for p in c["property"] if p["code"] == "replacedBy"]
        assert all(bool(ext(p, EXT_UNVERIFIED)) is (code in flagged) for p in entries), code


def test_cpt_properties_of_71250_and_71271() -> None:
    c = cpt(2026)["71250"]
    assert props(c, "modality") == ["CT"]
    assert props(c, "contrast") == ["none"]
    assert props(c, "purpose") == ["diagnostic"]
    assert props(c, "effectiveDate") == []  # long-standing: no invented date
    assert props(c, "kind") == ["code"] and props(c, "modifier") == [False]
    s = cpt(2021)["71271"]
    assert props(s, "purpose") == ["screening"]
    assert props(s, "effectiveDate") == ["2021-01-01"]


def test_cpt_displays_are_not_ama_descriptors() -> None:
    # AMA descriptors start "Radiologic examination, chest ..." / "Computed tomography, thorax".
    for year in YEARS:
        for c in cpt(year).values():
            assert (
                not c["display"]
                .lower()
                .startswith(("radiologic examination", "computed tomography, thorax"))
            )


def test_g0297_is_in_hcpcs_2020_but_not_2021_or_2022() -> None:
    assert "G0297" in hcpcs(2020)
    assert "G0297" not in hcpcs(2021)
    assert "G0297" not in hcpcs(2022)
    g = hcpcs(2020)["G0297"]
    assert props(g, "endDate") == ["2020-12-31"]
    assert props(g, "replacedBy") == ["71271"]
    assert props(g, "replacedBySystem") == [CPT]


@pytest.mark.parametrize("year", YEARS)
def test_hcpcs_modifiers(year: int) -> None:
    codes = hcpcs(year)
    assert "G0296" in codes
    for code in HCPCS_MODIFIERS:
        if code == "FY" and year < 2018:
            assert code not in codes
            continue
        assert props(codes[code], "modifier") == [True], (code, year)


def test_r05_is_a_header_with_billable_children() -> None:
    rows = icd_rows("2026")
    assert not rows["R05"].billable
    children = [r.code for r in icd_release("2026").rows if r.parent == "R05"]
    assert children == ["R05.1", "R05.2", "R05.3", "R05.4", "R05.8", "R05.9"]
    assert all(rows[c].billable for c in children)


def test_the_indications_are_exactly_the_79_and_billable_in_fy2026() -> None:
    assert len(ICD_79) == 79
    rows = icd_rows("2026")
    assert all(rows[code].billable for code in ICD_79)
    vs = load("ValueSet-chest-imaging-indications.json")
    (include,) = vs["compose"]["include"]
    assert include["system"] == ICD10CM
    assert {c["code"] for c in include["concept"]} == set(ICD_79)
    assert all(c["display"] == rows[c["code"]].display for c in include["concept"])


def test_ldct_qualifying_diagnoses() -> None:
    vs = load("ValueSet-ldct-screening-qualifying-diagnoses.json")
    (include,) = vs["compose"]["include"]
    assert [c["code"] for c in include["concept"]] == [
        "Z87.891",
        "F17.210",
        "F17.211",
        "F17.213",
        "F17.218",
        "F17.219",
    ]
    # F17.211 is "in remission": the codes are not all "current smoker" (issue 16).
    assert "current cigarette smoker" not in vs["description"]
    assert "F17.211 (in remission)" in vs["description"]


def _targets(map_id: str, code: str) -> dict[str, str]:
    cm = load(f"ConceptMap-{map_id}.json")
    out: dict[str, str] = {}
    for g in cm["group"]:
        assert g["source"] == CPT
        for e in g["element"]:
            if e["code"] == code:
                out |= {t["code"]: t["equivalence"] for t in e["target"]}
    return out


@pytest.mark.parametrize(
    ("map_id", "system", "target", "equivalence"),
    [
        # The non-contrast LOINC term and SNOMED CT concept also cover screening LDCT (71271).
        ("cpt-to-loinc-chest-imaging", LOINC, "29252-4", "wider"),
        ("cpt-to-snomed-chest-imaging", SNOMED, "395081000119108", "wider"),
        ("cpt-to-radlex-chest-imaging", RADLEX, "RPID16", "equivalent"),
    ],
)
def test_71250_maps(map_id: str, system: str, target: str, equivalence: str) -> None:
    cm = load(f"ConceptMap-{map_id}.json")
    assert {g["target"] for g in cm["group"]} == {system}
    assert _targets(map_id, "71250")[target] == equivalence


def test_audited_equivalences() -> None:
    loinc = "cpt-to-loinc-chest-imaging"
    radlex = "cpt-to-radlex-chest-imaging"
    snomed = "cpt-to-snomed-chest-imaging"
    # 71275 is with contrast, non-contrast images included: wider than either LOINC term and
    # than the without-and-with Playbook item, as 71555 -> RPID459.
    assert _targets(loinc, "71275") == {
        "36266-5": "narrower",
        "30804-9": "narrower",
        "36147-7": "narrower",
    }
    assert _targets(radlex, "71275")["RPID6"] == "narrower"
    assert _targets(radlex, "71555")["RPID459"] == "narrower"
    # Rib series with a chest view only overlap "XR Ribs Views".
    assert _targets(loinc, "71101") == {"24899-7": "inexact"}
    assert _targets(loinc, "71111") == {"24899-7": "inexact", "26151-1": "inexact"}
    assert _targets(loinc, "71271") == {"29252-4": "wider"}
    assert _targets(snomed, "71271") == {
        "16334891000119106": "wider",
        "395081000119108": "wider",
    }


def test_ribs_sternum_and_sc_joints_map_to_snomed_ct() -> None:
    snomed = "cpt-to-snomed-chest-imaging"
    assert _targets(snomed, "71100") == {"1251531008": "wider"}
    assert _targets(snomed, "71101") == {"1251531008": "inexact"}
    assert _targets(snomed, "71110") == {"1251531008": "wider"}
    assert _targets(snomed, "71111") == {"1251531008": "inexact"}
    assert _targets(snomed, "71120") == {"1295209004": "wider"}
    assert _targets(snomed, "71130") == {"1290587001": "wider"}
    assert _targets("cpt-to-loinc-chest-imaging", "71130") == {}  # no LOINC term found


def test_every_current_code_has_a_radlex_entry() -> None:
    cm = load("ConceptMap-cpt-to-radlex-chest-imaging.json")
    mapped = {e["code"] for g in cm["group"] for e in g["element"]}
    assert set(CURRENT) <= mapped
    assert _targets("cpt-to-radlex-chest-imaging", "71101") == {"RPID6049": "inexact"}
    assert _targets("cpt-to-radlex-chest-imaging", "71111") == {"RPID6059": "equivalent"}
    assert _targets("cpt-to-radlex-chest-imaging", "71023") == {"RPID6075": "equivalent"}
    assert _targets("cpt-to-radlex-chest-imaging", "71034") == {"RPID6076": "equivalent"}


THORAX = {"system": SNOMED, "code": "51185008", "display": "Thoracic structure"}


@pytest.mark.parametrize("year", YEARS)
def test_every_chest_procedure_has_the_thorax_as_body_region(year: int) -> None:
    for code, c in cpt(year).items():
        expected = [] if code in CPT_MODIFIERS else [THORAX]
        assert props(c, "bodyRegion") == expected, (code, year)
    for code, c in hcpcs(year).items():
        assert props(c, "bodyRegion") == ([THORAX] if code == "G0297" else []), (code, year)


def test_pctc_indicator_is_1_and_flagged_except_71045() -> None:
    for year in YEARS:
        for code, c in cpt(year).items():
            if code in CPT_MODIFIERS:
                assert props(c, "pctcIndicator") == []
                continue
            (entry,) = [p for p in c["property"] if p["code"] == "pctcIndicator"]
            assert entry["valueCode"] == "1"
            assert bool(ext(entry, EXT_UNVERIFIED)) is (code != "71045"), code


def test_modifier_kind_is_flagged() -> None:
    for code in CPT_MODIFIERS:
        (kind,) = [p for p in cpt(2026)[code]["property"] if p["code"] == "kind"]
        assert kind["valueCode"] == "general"
        assert "were not seen" in ext(kind, EXT_UNVERIFIED)


def test_synonyms_are_designations_with_the_synonym_use() -> None:
    codes = cpt(2026)
    for code in CURRENT:
        designations = codes[code]["designation"]
        assert designations, code
        for d in designations:
            assert d["language"] == "en"
            assert d["use"] == {
                "system": SNOMED,
                "code": "900000000000013009",
                "display": "Synonym",
            }
    values = {code: " ".join(d["value"] for d in codes[code]["designation"]) for code in CURRENT}
    assert "X-ray" in values["71046"] and "CXR" in values["71046"] and "xray" in values["71046"]
    assert "CAT scan" in values["71250"] and "CTA" in values["71275"]
    assert "LDCT" in values["71271"] and "MRI chest" in values["71550"]


def test_billing_hcpcs_codes() -> None:
    for year in YEARS:
        codes = hcpcs(year)
        assert props(codes["CT"], "modifier") == [True]
        assert props(codes["CT"], "effectiveDate") == ["2016-01-01"]
        for code in ("Q9965", "Q9966", "Q9967"):
            assert props(codes[code], "modifier") == [False]
            assert ext(codes[code], EXT_UNVERIFIED), code


def test_our_own_alignments_are_flagged_unverified() -> None:
    for map_id in (
        "cpt-to-loinc-chest-imaging",
        "cpt-to-snomed-chest-imaging",
        "cpt-to-radlex-chest-imaging",
    ):
        for g in load(f"ConceptMap-{map_id}.json")["group"]:
            for e in g["element"]:
                for t in e["target"]:
                    assert ext(t, EXT_UNVERIFIED), (map_id, e["code"], t["code"])


def test_deleted_code_replacements_map() -> None:
    cm = load("ConceptMap-deleted-code-replacements.json")
    cpt_group, hcpcs_group = cm["group"]
    assert (cpt_group["source"], cpt_group["target"]) == (CPT, CPT)
    pairs = {(e["code"], t["code"]) for e in cpt_group["element"] for t in e["target"]}
    assert {("71010", "71045"), ("71030", "71048"), ("71022", "71047"), ("71022", "71048")} <= pairs
    assert {e["code"] for e in cpt_group["element"]} == set(DELETED_2018)
    assert (hcpcs_group["source"], hcpcs_group["target"]) == (HCPCS, CPT)
    (g0297,) = hcpcs_group["element"]
    assert g0297["code"] == "G0297"
    assert [(t["code"], t["equivalence"]) for t in g0297["target"]] == [("71271", "equivalent")]


def test_value_set_memberships() -> None:
    def members(vs_id: str) -> dict[str, set[str]]:
        vs = load(f"ValueSet-{vs_id}.json")
        return {
            inc["system"]: {c["code"] for c in inc["concept"]} for inc in vs["compose"]["include"]
        }

    # 16334891000119106 is low-dose chest CT for any purpose, so not a screening member.
    ldct = members("lung-cancer-screening-ldct")
    assert ldct == {CPT: {"71271"}, HCPCS: {"G0297"}, RADLEX: {"RPID6002"}}
    assert members("lung-cancer-screening-services") == {
        CPT: {"71271"},
        HCPCS: {"G0297", "G0296"},
    }
    assert members("chest-imaging-contrast-supplies") == {HCPCS: {"Q9965", "Q9966", "Q9967"}}
    ct = members("chest-ct-procedures")
    assert ct[CPT] == {"71250", "71260", "71270", "71271", "71275"}
    assert ct[HCPCS] == {"G0297"}
    assert members("chest-mr-procedures")[CPT] == {"71550", "71551", "71552", "71555"}
    xr = members("chest-radiograph-procedures")
    assert xr[CPT] == set(DELETED_2018) | {
        "71045",
        "71046",
        "71047",
        "71048",
        "71100",
        "71101",
        "71110",
        "71111",
        "71120",
        "71130",
    }
    assert xr[SNOMED] == {"399208008", "1251531008", "1295209004", "1290587001"}
    everything = members("chest-imaging-procedures")
    assert everything[CPT] == set(CURRENT + DELETED_2018)
    assert everything[HCPCS] == {"G0297"}  # imaging only: orders are bound to it
    claim_services = members("chest-imaging-claim-services")
    for system, codes in members("lung-cancer-screening-services").items():
        assert codes <= claim_services[system], system
    assert claim_services[CPT] == everything[CPT]
    assert claim_services[HCPCS] == {"G0297", "G0296", "Q9965", "Q9966", "Q9967"}
    for vs_id in (
        "chest-radiograph-procedures",
        "chest-ct-procedures",
        "chest-mr-procedures",
        "lung-cancer-screening-ldct",
    ):
        for system, codes in members(vs_id).items():
            assert codes <= everything[system], (vs_id, system)
    assert "30631-6" not in everything[LOINC] and "RPID6168" not in everything[RADLEX]
    mods = members("chest-imaging-claim-modifiers")
    assert mods == {CPT: set(CPT_MODIFIERS), HCPCS: set(HCPCS_MODIFIERS)}


def test_snomed_reconstructed_id_stays_flagged() -> None:
    codes = concepts_by_code(code_system("snomedct-us"))
    assert ext(codes["16334561000119101"], EXT_UNVERIFIED)
    assert "169070004" not in codes
