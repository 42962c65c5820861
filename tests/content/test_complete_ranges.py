"""The CPT chest section is declared complete only for the years our research confirmed."""

from __future__ import annotations

import pytest
from fhir.resources.R4B import get_fhir_model_class

from terminology.authoring import cpt as cpt_tables
from terminology.providers.registry import build_version

from .helpers import BASE, CPT, resources

EXT_COMPLETE_RANGE = f"{BASE}/StructureDefinition/complete-code-range"


def test_cpt_versions_declare_the_chest_section_complete_exactly_in_the_confirmed_years() -> None:
    declared = {
        int(cs["version"])
        for cs in resources("CodeSystem")
        if cs["url"] == CPT
        for ext in cs.get("extension", [])
        if ext["url"] == EXT_COMPLETE_RANGE
    }
    assert declared == set(cpt_tables.CHEST_SECTION_COMPLETE_YEARS)


def test_no_other_code_system_declares_a_complete_range() -> None:
    for cs in resources("CodeSystem"):
        if cs["url"] != CPT:
            assert all(e["url"] != EXT_COMPLETE_RANGE for e in cs.get("extension", [])), cs["id"]


def test_a_confirmed_year_would_publish_the_range_and_the_server_would_apply_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cpt_tables, "CHEST_SECTION_COMPLETE_YEARS", frozenset({2026}))
    resource = cpt_tables.build_year(2026)
    get_fhir_model_class("CodeSystem").model_validate(resource)
    (ext,) = [e for e in resource["extension"] if e["url"] == EXT_COMPLETE_RANGE]
    assert {e["url"]: e["valueString"] for e in ext["extension"]} == {
        "name": cpt_tables.CHEST_SECTION[0],
        "start": "71010",
        "end": "71599",
    }
    version = build_version(resource)
    assert "'71251' is not one of them" in (version.range_gap("71251") or "")
    assert version.locate("71251").concept is None
    assert version.range_gap("71250") is None  # held
    assert version.range_gap("99213") is None  # outside the section
    assert version.range_gap("71600") is None
    assert cpt_tables.build_year(2025).get("extension") is not None
    assert all(e["url"] != EXT_COMPLETE_RANGE for e in cpt_tables.build_year(2025)["extension"])
