"""The order-to-claim crosswalk over HTTP: the CPT code that bills an order coded in LOINC,
SNOMED CT or RadLex, and claim lines that bill something else than their order."""

from __future__ import annotations

from typing import Any

from terminology.uris import CPT, LOINC, RADLEX, SNOMED
from tests.api.test_validate_resources import JSON, claim, line, order, reasons, validate
from tests.conftest import RunningServer

ITEM_REQUEST = "http://hl7.org/fhir/5.0/StructureDefinition/extension-Claim.item.request"


def billing_notes(server: RunningServer, resource: dict[str, Any]) -> list[str]:
    r = server.post("/ServiceRequest/$validate", json=resource, headers=JSON)
    assert r.status_code == 200, r.text
    return [
        i["details"]["text"]
        for i in r.json()["issue"]
        if i.get("details", {}).get("coding", [{}])[0].get("code") == "order-billing-code"
    ]


def coded(system: str, code: str) -> dict[str, Any]:
    return order(code={"coding": [{"system": system, "code": code}]})


def test_an_order_in_loinc_names_the_cpt_code_that_bills_it(server: RunningServer) -> None:
    (note,) = billing_notes(server, coded(LOINC, "24628-0"))  # CT Chest W contrast IV
    assert note.startswith("The order's LOINC 24628-0 is billed as CPT 71260 (")
    assert "(equivalent; by https://chest-imaging-terminology.org/fhir/ConceptMap/" in note
    assert "cpt-to-loinc-chest-imaging" in note and "modifier 26" in note


def test_a_non_contrast_ct_order_may_be_diagnostic_or_screening(server: RunningServer) -> None:
    # LOINC 29252-4 (CT Chest WO contrast) is wider than 71250 since issue 16: the screening
    # low-dose CT 71271 is a non-contrast chest CT too.
    (note,) = billing_notes(server, coded(LOINC, "29252-4"))
    assert "CPT 71250" in note and "CPT 71271" in note and "narrower" in note


def test_a_wider_order_term_lists_every_cpt_code_it_covers(server: RunningServer) -> None:
    (note,) = billing_notes(server, coded(LOINC, "24627-2"))  # CT Chest, contrast unsaid
    assert "CPT 71250" in note and "CPT 71260" in note and "CPT 71270" in note
    assert "narrower" in note and "the study performed decides" in note


def test_snomed_and_radlex_orders_too(server: RunningServer) -> None:
    (snomed,) = billing_notes(server, coded(SNOMED, "75385009"))
    assert "is billed as CPT 71260" in snomed
    (radlex,) = billing_notes(server, coded(RADLEX, "RPID16"))
    assert "RadLex RPID16 is billed as CPT 71250" in radlex


def test_an_order_in_cpt_needs_no_crosswalk(server: RunningServer) -> None:
    assert billing_notes(server, order()) == []
    assert billing_notes(server, coded(LOINC, "99999-9")) == []  # no map: nothing to say


def referred(code: str, order_code: tuple[str, str] = (LOINC, "29252-4")) -> dict[str, Any]:
    """A claim billing ``code`` whose referral is a contained order for ``order_code``."""
    resource = claim(line(1, code))
    resource["contained"] = [coded(*order_code) | {"id": "order"}]
    resource["referral"] = {"reference": "#order"}
    return resource


def test_a_line_that_bills_another_study_than_ordered_is_questioned(
    server: RunningServer,
) -> None:
    issues = validate(server, referred("71260"))  # ordered without contrast, billed with
    assert reasons(issues) == [
        ("warning", "claim-line-not-ordered", "Claim.item[0].productOrService")
    ]
    text = issues[0]["details"]["text"]
    assert "bills 71260" in text and "ServiceRequest/order: LOINC 29252-4" in text
    assert "maps to 71250" in text
    assert validate(server, referred("71250")) == []
    assert validate(server, referred("71260", (CPT, "71260"))) == []


def test_each_line_is_held_to_its_own_order(server: RunningServer) -> None:
    patient = {"reference": "urn:uuid:patient"}
    resource = claim(line(1, "71250"), line(2, "71046"))
    resource["patient"] = patient
    for item, target in zip(resource["item"], ("urn:uuid:ct", "urn:uuid:xr"), strict=True):
        item["extension"] = [{"url": ITEM_REQUEST, "valueReference": {"reference": target}}]
    ct = coded(LOINC, "29252-4") | {"id": "ct", "subject": patient}
    xr = coded(LOINC, "36643-5") | {"id": "xr", "subject": patient}  # XR chest 2 views
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": "urn:uuid:claim", "resource": resource},
            {"fullUrl": "urn:uuid:ct", "resource": ct},
            {"fullUrl": "urn:uuid:xr", "resource": xr},
            {"fullUrl": "urn:uuid:patient", "resource": {"resourceType": "Patient", "id": "p"}},
        ],
    }
    assert [r for r in reasons(validate(server, bundle)) if r[1].startswith("claim-line")] == []
    resource["item"][1]["extension"][0]["valueReference"]["reference"] = "urn:uuid:ct"
    assert [r for r in reasons(validate(server, bundle)) if r[1].startswith("claim-line")] == [
        ("warning", "claim-line-not-ordered", "Bundle.entry[0].resource.item[1].productOrService")
    ]
    # without links, the Bundle's orders for the patient are the line's orders
    for item in resource["item"]:
        del item["extension"]
    assert [r for r in reasons(validate(server, bundle)) if r[1].startswith("claim-line")] == []
    xr["subject"] = {"reference": "urn:uuid:someone-else"}
    assert [r for r in reasons(validate(server, bundle)) if r[1].startswith("claim-line")] == [
        ("warning", "claim-line-not-ordered", "Bundle.entry[0].resource.item[1].productOrService")
    ]
