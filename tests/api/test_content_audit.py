"""Issue 16's content over real HTTP: what users search with finds the right codes, the body
region and PC/TC indicator answer in ``$lookup`` and filter ``$expand``, the audited
equivalences come out of ``$translate``, and a screening claim's G0296 line is in the value
set its binding names."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from terminology.loaders import hcpcs
from terminology.storage.sqlite_store import SqliteStore
from terminology.uris import CPT, HCPCS, LOINC, PROJECT_BASE, RADLEX, SNOMED
from tests.api.test_expand import codes, expand, inline, post
from tests.api.test_ncd_210_14 import screening_bundle
from tests.api.test_translate import matches
from tests.api.test_validate_resources import line, reasons, validate
from tests.conftest import RunningServer, start_server, stop_server
from tests.loaders.test_hcpcs import PROVENANCE

PROCEDURES = f"{PROJECT_BASE}/ValueSet/chest-imaging-procedures"
CHEST_XR = {"71045", "71046", "71047", "71048"}
RIBS_STERNUM = {"71100", "71101", "71110", "71111", "71120", "71130"}
DIAGNOSTIC_CT = {"71250", "71260", "71270"}
MRI = {"71550", "71551", "71552"}
SNOMED_XR = {"399208008", "1251531008", "1295209004", "1290587001"}


def found(server: RunningServer, text: str, **params: Any) -> set[str]:
    return set(codes(expand(server, url=PROCEDURES, filter=text, **params)))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The radiograph codes in force (CPT 2026) and SNOMED CT's plain X-rays.
        ("x-ray", CHEST_XR | RIBS_STERNUM | SNOMED_XR),
        ("X-Ray", CHEST_XR | RIBS_STERNUM | SNOMED_XR),
        ("xray", CHEST_XR | RIBS_STERNUM),
        ("CXR", CHEST_XR | {"71101", "71111"}),
        ("chest film", CHEST_XR),
        ("CAT scan", DIAGNOSTIC_CT | {"71271"}),
        ("CTA", {"71275", "36266-5", "36147-7", "30804-9"}),
        ("LDCT", {"71271"}),
        ("MRI chest", MRI | {"6007000", "16334561000119101", "432815006"}),
    ],
)
def test_what_users_search_with_finds_the_right_codes(
    server: RunningServer, text: str, expected: set[str]
) -> None:
    assert found(server, text) == expected


def test_ct_chest_finds_every_chest_ct_and_no_radiograph(server: RunningServer) -> None:
    hits = found(server, "CT chest")
    assert DIAGNOSTIC_CT | {"71271", "71275"} <= hits
    assert not hits & (CHEST_XR | RIBS_STERNUM | MRI)


def test_the_deleted_radiographs_are_found_on_a_2017_date(server: RunningServer) -> None:
    hits = found(server, "x-ray", date="2017-06-01")
    assert {"71010", "71020", "71030", "71034", "71100"} <= hits
    assert not hits & CHEST_XR  # 71045-71048 start in 2018


def test_punctuation_alone_finds_nothing(server: RunningServer) -> None:
    assert found(server, "-") == set()


def lookup(server: RunningServer, code: str, *props: str) -> dict[str, Any]:
    params = [("system", CPT), ("code", code)] + [("property", p) for p in props]
    r = server.get("/CodeSystem/$lookup", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def property_values(body: dict[str, Any], code: str) -> list[Any]:
    out = []
    for p in body["parameter"]:
        if p["name"] != "property":
            continue
        parts = {part["name"]: part for part in p["part"]}
        if parts["code"]["valueCode"] == code:
            out.append(next(v for k, v in parts["value"].items() if k.startswith("value")))
    return out


def test_lookup_71250_shows_the_thorax_and_the_pctc_indicator(server: RunningServer) -> None:
    body = lookup(server, "71250", "bodyRegion", "pctcIndicator", "modality")
    (region,) = property_values(body, "bodyRegion")
    assert (region["system"], region["code"]) == (SNOMED, "51185008")
    assert region["display"] == "Thoracic structure"
    assert property_values(body, "pctcIndicator") == ["1"]
    assert property_values(body, "modality") == ["CT"]


def test_lookup_shows_the_synonyms(server: RunningServer) -> None:
    body = lookup(server, "71046")
    values = {
        next(part["valueString"] for part in p["part"] if part["name"] == "value")
        for p in body["parameter"]
        if p["name"] == "designation"
    }
    assert {"Chest X-ray, 2 views", "CXR, 2 views", "Chest film, 2 views"} <= values


def region_filter(body_structure: str) -> dict[str, Any]:
    return {
        "include": [
            {
                "system": CPT,
                "version": "2026",
                "filter": [{"property": "bodyRegion", "op": "=", "value": body_structure}],
            }
        ]
    }


def test_expand_filters_on_the_body_region(server: RunningServer) -> None:
    chest = set(codes(post(server, inline(region_filter("51185008")))))
    assert CHEST_XR | RIBS_STERNUM | DIAGNOSTIC_CT | MRI | {"71271", "71275", "71555"} == chest
    # 113345001 Abdominal structure (DICOM and FHIR examples): no chest code images it.
    assert codes(post(server, inline(region_filter("113345001")))) == []


def translate(server: RunningServer, code: str, target: str) -> dict[str, str]:
    r = server.get(
        "/ConceptMap/$translate", params={"system": CPT, "code": code, "targetsystem": target}
    )
    assert r.status_code == 200, r.text
    return {m["concept"]["code"]: m["equivalence"] for m in matches(r.json())}


def test_translate_shows_the_audited_equivalences(server: RunningServer) -> None:
    assert translate(server, "71275", LOINC) == {
        "36266-5": "narrower",
        "30804-9": "narrower",
        "36147-7": "narrower",
    }
    assert translate(server, "71275", RADLEX)["RPID6"] == "narrower"
    assert translate(server, "71101", LOINC) == {"24899-7": "inexact"}
    assert translate(server, "71250", LOINC)["29252-4"] == "wider"
    assert translate(server, "71250", SNOMED)["395081000119108"] == "wider"
    assert translate(server, "71111", RADLEX) == {"RPID6059": "equivalent"}


def test_the_ldct_screening_value_set_rejects_a_diagnostic_low_dose_ct(
    server: RunningServer,
) -> None:
    r = server.get(
        "/ValueSet/$validate-code",
        params={
            "url": f"{PROJECT_BASE}/ValueSet/lung-cancer-screening-ldct",
            "system": SNOMED,
            "code": "16334891000119106",
        },
    )
    assert r.status_code == 200
    result = next(p for p in r.json()["parameter"] if p["name"] == "result")
    assert result["valueBoolean"] is False


def test_g0296_and_contrast_lines_are_inside_the_claim_binding(server: RunningServer) -> None:
    bundle = screening_bundle(day="2025-11-03")
    items = bundle["entry"][0]["resource"]["item"]
    items.append(line(2, "G0296", system=HCPCS, day="2025-10-20"))
    assert reasons(validate(server, bundle)) == []
    items.append(line(3, "Q9967", system=HCPCS, day="2025-11-03"))
    assert reasons(validate(server, bundle)) == []
    items.append(line(4, "A0021", system=HCPCS, day="2025-11-03"))  # not a chest service
    assert ("warning", "outside-extensible-valueset") in {
        (severity, code) for severity, code, _ in reasons(validate(server, bundle))
    }


def test_an_order_for_the_counselling_visit_is_not_an_imaging_order(
    server: RunningServer,
) -> None:
    r = server.get(
        "/ValueSet/$validate-code",
        params={"url": PROCEDURES, "system": HCPCS, "code": "G0296"},
    )
    result = next(p for p in r.json()["parameter"] if p["name"] == "result")
    assert result["valueBoolean"] is False


def test_the_ct_modifier_is_allowed_on_a_chest_ct_line(server: RunningServer) -> None:
    bundle = screening_bundle(day="2025-11-03")
    item = bundle["entry"][0]["resource"]["item"][0]
    item["modifier"] = [{"coding": [{"system": HCPCS, "code": "CT"}]}]
    assert reasons(validate(server, bundle)) == []


# -- a stored code system: the same text rule over the store's word index -------------------


@pytest.fixture(scope="module")
def stored_hcpcs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    tmp = tmp_path_factory.mktemp("stored-hcpcs")
    fixture = Path(__file__).parents[1] / "loaders" / "fixtures" / "HCPC2026_JAN_ANWEB_fixture.txt"
    header, records = hcpcs.code_system(hcpcs.read_hcpcs(fixture), PROVENANCE)
    header = header | {"version": "2026-stored", "id": "hcpcs-2026-stored"}
    store = SqliteStore(tmp / "store.sqlite")
    with store.writer() as writer:
        writer.put_code_system(header, records, "loaded", total=len(records))
    running = start_server(tmp, "--store", str(tmp / "store.sqlite"))
    yield running
    stop_server(running)


def test_a_stored_code_system_is_searched_by_the_same_rule(stored_hcpcs: RunningServer) -> None:
    def hits(text: str) -> set[str]:
        return set(
            codes(
                expand(
                    stored_hcpcs,
                    url=f"{HCPCS}?fhir_vs",
                    filter=text,
                    **{"system-version": f"{HCPCS}|2026-stored"},
                )
            )
        )

    assert hits("x-ray") == {"FX", "Q0092", "R0070", "R0075"}
    assert "Q0092" in hits("xray")  # its short descriptor says "xray"
    assert hits("-") == set()
