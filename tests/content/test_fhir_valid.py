"""(b) Every file is a valid FHIR R4 resource (fhir.resources R4B models) with the metadata
our conventions require."""

from __future__ import annotations

import re

import pytest
from fhir.resources.R4B import get_fhir_model_class

from .helpers import (
    BASE,
    CPT,
    EXT_DISPLAY_NOT_OFFICIAL,
    EXT_EFFECTIVE_PERIOD,
    EXT_VERSION_ALGORITHM,
    HCPCS,
    ICD10CM,
    SNOMED,
    file_names,
    load,
    resources,
    walk,
)

NAMES = file_names()
#: Our own code systems (validation reasons) are complete and carry no terminology's licence.
OWN_CODE_SYSTEMS = ["CodeSystem-validation-reason.json"]
EXTERNAL_CODE_SYSTEMS = [
    n for n in NAMES if n.startswith("CodeSystem-") and n not in OWN_CODE_SYSTEMS
]
OUR_TYPES = ("ValueSet", "ConceptMap")
KEY_ORDER = (
    "resourceType",
    "id",
    "meta",
    "extension",
    "url",
    "version",
    "name",
    "title",
    "status",
    "experimental",
    "date",
    "publisher",
    "description",
    "copyright",
)


def test_there_is_content() -> None:
    kinds = {r["resourceType"] for r in resources()}
    assert kinds == {"CodeSystem", "ValueSet", "ConceptMap"}


@pytest.mark.parametrize("name", NAMES)
def test_validates_against_the_r4b_model(name: str) -> None:
    resource = load(name)
    model = get_fhir_model_class(resource["resourceType"])
    model.model_validate(resource)


@pytest.mark.parametrize("name", NAMES)
def test_has_the_required_metadata(name: str) -> None:
    r = load(name)
    for key in (
        "url",
        "version",
        "status",
        "publisher",
        "date",
        "copyright",
        "name",
        "title",
        "description",
    ):
        assert isinstance(r.get(key), str) and r[key].strip(), f"{name}: {key}"
    assert r["status"] == "active"
    assert r["experimental"] is False
    assert r["publisher"] == "Chest Imaging Terminology Project"
    assert r["date"] == "2026-11-29"
    assert re.fullmatch(r"[A-Z][A-Za-z0-9_]{0,254}", r["name"]), r["name"]


@pytest.mark.parametrize("name", NAMES)
def test_id_matches_the_file_name(name: str) -> None:
    r = load(name)
    assert name == f"{r['resourceType']}-{r['id']}.json"
    assert re.fullmatch(r"[A-Za-z0-9\-.]{1,64}", r["id"])


@pytest.mark.parametrize("name", NAMES)
def test_keys_are_in_fhir_order(name: str) -> None:
    keys = [k for k in load(name) if k in KEY_ORDER]
    assert keys == sorted(keys, key=KEY_ORDER.index)


@pytest.mark.parametrize("name", [n for n in NAMES if n.startswith(OUR_TYPES)])
def test_our_resources_live_under_the_canonical_base(name: str) -> None:
    r = load(name)
    assert r["url"] == f"{BASE}/{r['resourceType']}/{r['id']}"
    assert r["version"] == "1.0.0"


def test_url_and_version_are_unique() -> None:
    seen: dict[str, str] = {}
    for name in NAMES:
        r = load(name)
        key = f"{r['url']}|{r['version']}"
        assert key not in seen, f"{name} and {seen.get(key)} share {key}"
        seen[key] = name


@pytest.mark.parametrize("name", EXTERNAL_CODE_SYSTEMS)
def test_code_system_conventions(name: str) -> None:
    cs = load(name)
    assert cs["content"] == "fragment"
    assert cs["caseSensitive"] is True
    algorithms = [e for e in cs["extension"] if e["url"] == EXT_VERSION_ALGORITHM]
    assert len(algorithms) == 1
    assert algorithms[0]["valueCoding"]["system"] == "http://hl7.org/fhir/version-algorithm"
    declared = {p["code"]: p for p in cs.get("property", [])}
    for p in declared.values():
        assert p["type"] and p["description"]
    value_key = {
        "code": "valueCode",
        "string": "valueString",
        "boolean": "valueBoolean",
        "dateTime": "valueDateTime",
        "Coding": "valueCoding",
    }
    used = set()
    for c in walk(cs["concept"]):
        assert c["display"].strip()
        for p in c.get("property", []):
            assert p["code"] in declared, f"{c['code']}: undeclared property {p['code']}"
            assert value_key[declared[p["code"]]["type"]] in p, (c["code"], p)
            used.add(p["code"])
    assert used == set(declared), "declared properties that no concept uses"


@pytest.mark.parametrize("name", EXTERNAL_CODE_SYSTEMS)
def test_period_and_display_flags(name: str) -> None:
    cs = load(name)
    urls = [e["url"] for e in cs["extension"]]
    if cs["url"] in (CPT, HCPCS, ICD10CM):
        assert EXT_EFFECTIVE_PERIOD in urls
    if cs["url"] in (CPT, SNOMED):
        assert EXT_DISPLAY_NOT_OFFICIAL in urls
    if cs["url"] == ICD10CM:
        assert EXT_DISPLAY_NOT_OFFICIAL not in urls


@pytest.mark.parametrize("name", [n for n in NAMES if n not in OWN_CODE_SYSTEMS])
def test_copyright_fits_the_code_systems(name: str) -> None:
    r = load(name)
    systems = {r["url"]} if r["resourceType"] == "CodeSystem" else set()
    for inc in r.get("compose", {}).get("include", []):
        systems.add(inc["system"])
    for g in r.get("group", []):
        systems |= {g["source"], g["target"]}
    expected = {
        CPT: "American Medical Association",
        HCPCS: "Centers for Medicare & Medicaid Services",
        ICD10CM: "World Health Organization",
        "http://loinc.org": "Regenstrief Institute",
        SNOMED: "SNOMED",
        "http://radlex.org": "Radiological Society of North America",
    }
    for system in systems:
        assert expected[system] in r["copyright"], (name, system)
    if CPT in systems:
        assert "they are not AMA CPT descriptors" in r["copyright"]


def test_the_validation_reasons_are_the_checks_table() -> None:
    from terminology.checks.reasons import REASONS

    cs = load("CodeSystem-validation-reason.json")
    assert cs["content"] == "complete" and cs["count"] == len(REASONS)
    assert {c["code"]: (c["display"], c["definition"]) for c in cs["concept"]} == REASONS
