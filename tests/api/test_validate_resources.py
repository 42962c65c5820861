"""ServiceRequest/$validate, Claim/$validate and Bundle/$validate over real HTTP, with orders and
claims shaped like US Core ServiceRequests and Da Vinci PAS / professional claims."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from terminology.uris import CPT, HCPCS, ICD10CM, SNOMED, VALIDATION_REASON
from tests.conftest import RunningServer

JSON = {"Content-Type": "application/fhir+json"}
LOINC = "http://loinc.org"


def order(**changes: Any) -> dict[str, Any]:
    """A US Core-shaped CT chest order with reason R91.1 (solitary pulmonary nodule)."""
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": "ct-chest-order",
        "status": "active",
        "intent": "order",
        "category": [{"coding": [{"system": SNOMED, "code": "363679005"}]}],
        "code": {"coding": [{"system": CPT, "code": "71250"}], "text": "CT chest without contrast"},
        "subject": {"reference": "Patient/example"},
        "occurrenceDateTime": "2026-03-02",
        "authoredOn": "2026-02-27",
        "requester": {"reference": "Practitioner/example"},
        "reasonCode": [{"coding": [{"system": ICD10CM, "code": "R91.1"}]}],
        "bodySite": [{"coding": [{"system": SNOMED, "code": "51185008"}]}],
    }
    resource.update(changes)
    return resource


def line(
    sequence: int,
    code: str,
    *,
    system: str = CPT,
    day: str = "2026-03-02",
    pointers: tuple[int, ...] = (1,),
    modifiers: tuple[tuple[str, str], ...] = (),
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "sequence": sequence,
        "productOrService": {"coding": [{"system": system, "code": code}]},
        "servicedDate": day,
        "unitPrice": {"value": 250.0, "currency": "USD"},
    }
    if pointers:
        item["diagnosisSequence"] = list(pointers)
    if modifiers:
        item["modifier"] = [{"coding": [{"system": s, "code": c}]} for s, c in modifiers]
    return item


def claim(
    *items: dict[str, Any], diagnoses: tuple[str, ...] = ("R91.1",), created: str = "2026-03-05"
) -> dict[str, Any]:
    """A professional claim: 71250 for R91.1 unless told otherwise."""
    return {
        "resourceType": "Claim",
        "id": "professional-claim",
        "status": "active",
        "type": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/claim-type",
                    "code": "professional",
                }
            ]
        },
        "use": "claim",
        "patient": {"reference": "Patient/example"},
        "billablePeriod": {"start": items[0]["servicedDate"] if items else created},
        "created": created,
        "provider": {"reference": "Organization/radiology-group"},
        "priority": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/processpriority",
                    "code": "normal",
                }
            ]
        },
        "insurance": [{"sequence": 1, "focal": True, "coverage": {"reference": "Coverage/c1"}}],
        "diagnosis": [
            {
                "sequence": n,
                "diagnosisCodeableConcept": {"coding": [{"system": ICD10CM, "code": code}]},
            }
            for n, code in enumerate(diagnoses, start=1)
        ],
        "item": list(items) or [line(1, "71250")],
    }


def validate(
    server: RunningServer, resource: dict[str, Any], rtype: str | None = None
) -> list[dict[str, Any]]:
    kind = rtype or resource["resourceType"]
    r = server.post(f"/{kind}/$validate", json=resource, headers=JSON)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["resourceType"] == "OperationOutcome"
    return [i for i in body["issue"] if i["code"] != "informational"]


def reasons(issues: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(severity, reason code, expression) of each issue."""
    out = []
    for issue in issues:
        (coding,) = issue["details"]["coding"]
        assert coding["system"] == VALIDATION_REASON
        (expression,) = issue["expression"]
        out.append((issue["severity"], coding["code"], expression))
    return out


def test_a_ct_chest_order_for_a_nodule_passes(server: RunningServer) -> None:
    r = server.post("/ServiceRequest/$validate", json=order(), headers=JSON)
    assert r.status_code == 200
    (issue,) = r.json()["issue"]
    assert issue["severity"] == "information" and issue["code"] == "informational"


def test_a_professional_claim_for_71250_and_r91_1_passes(server: RunningServer) -> None:
    assert validate(server, claim()) == []


def test_an_order_coded_in_loinc_is_the_same_procedure(server: RunningServer) -> None:
    coded = order(code={"coding": [{"system": LOINC, "code": "29252-4"}]})
    assert validate(server, coded) == []


def test_a_deleted_code_names_its_replacement(server: RunningServer) -> None:
    issues = validate(
        server,
        claim(line(1, "71020", day="2024-05-01"), created="2024-05-02", diagnoses=("R05.1",)),
    )
    assert reasons(issues) == [
        (
            "warning",
            "system-unknown",
            "Claim.diagnosis[0].diagnosisCodeableConcept.coding[0].system",
        ),
        ("error", "code-deleted", "Claim.item[0].productOrService.coding[0].code"),
    ]
    assert "Report 71046 instead" in issues[1]["details"]["text"]


def test_g0297_after_2020_names_71271(server: RunningServer) -> None:
    issues = validate(
        server, claim(line(1, "G0297", system=HCPCS, day="2025-11-03"), diagnoses=("Z87.891",))
    )
    assert reasons(issues) == [
        ("error", "code-deleted", "Claim.item[0].productOrService.coding[0].code")
    ]
    assert "71271" in issues[0]["details"]["text"]


def test_71271_before_2021_is_not_yet_valid(server: RunningServer) -> None:
    issues = validate(
        server,
        order(occurrenceDateTime="2020-06-01", code={"coding": [{"system": CPT, "code": "71271"}]}),
    )
    assert ("error", "code-not-yet-valid", "ServiceRequest.code.coding[0].code") in reasons(issues)


def test_a_header_diagnosis_names_the_codes_to_choose_from(server: RunningServer) -> None:
    issues = validate(server, claim(diagnoses=("R05",)))
    assert reasons(issues) == [
        ("error", "dx-not-billable", "Claim.diagnosis[0].diagnosisCodeableConcept.coding[0].code")
    ]
    assert "R05.1, R05.2, R05.3, R05.4, R05.8, R05.9" in issues[0]["details"]["text"]
    issues = validate(server, order(reasonCode=[{"coding": [{"system": ICD10CM, "code": "J18"}]}]))
    assert ("error", "dx-not-billable", "ServiceRequest.reasonCode[0].coding[0].code") in reasons(
        issues
    )


def test_diagnosis_pointers(server: RunningServer) -> None:
    issues = validate(server, claim(line(1, "71250", pointers=(2,)), line(2, "71046", pointers=())))
    assert reasons(issues) == [
        ("error", "dx-pointer-missing", "Claim.item[0].diagnosisSequence[0]"),
        ("warning", "dx-pointer-absent", "Claim.item[1]"),
    ]


@pytest.mark.parametrize(
    ("modifiers", "expected"),
    [
        (
            ((CPT, "26"), (HCPCS, "TC")),
            [("error", "modifier-conflict", "Claim.item[0].modifier[1]")],
        ),
        (
            ((CPT, "59"), (HCPCS, "XS")),
            [("error", "modifier-conflict", "Claim.item[0].modifier[1]")],
        ),
        (((CPT, "25"),), [("error", "modifier-not-allowed", "Claim.item[0].modifier[0]")]),
        (((CPT, "76"),), []),
        (((CPT, "26"),), []),
    ],
)
def test_modifiers(server: RunningServer, modifiers, expected) -> None:
    issues = validate(server, claim(line(1, "71046", modifiers=modifiers)))
    assert reasons(issues) == expected


def test_a_cpt_expression_carries_its_modifier(server: RunningServer) -> None:
    assert validate(server, claim(line(1, "71250:26"))) == []
    issues = validate(server, claim(line(1, "71250:26", modifiers=((HCPCS, "TC"),))))
    assert reasons(issues) == [("error", "modifier-conflict", "Claim.item[0].modifier[0]")]


def test_a_wrong_display_is_a_warning_and_information_for_cpt(server: RunningServer) -> None:
    resource = order(
        reasonCode=[{"coding": [{"system": ICD10CM, "code": "R91.1", "display": "Broken leg"}]}],
        code={"coding": [{"system": CPT, "code": "71250", "display": "Chest"}]},
    )
    assert reasons(validate(server, resource)) == [
        ("information", "display-mismatch", "ServiceRequest.code.coding[0].display"),
        ("warning", "display-mismatch", "ServiceRequest.reasonCode[0].coding[0].display"),
    ]


def test_bindings_by_strength(server: RunningServer) -> None:
    resource = order(
        code={"coding": [{"system": CPT, "code": "71555"}, {"system": CPT, "code": "99213"}]},
        reasonCode=[{"coding": [{"system": ICD10CM, "code": "I50.9"}]}],
        bodySite=[{"coding": [{"system": SNOMED, "code": "399208008"}]}],
    )
    assert reasons(validate(server, resource)) == [
        ("warning", "outside-extensible-valueset", "ServiceRequest.reasonCode[0]"),
        ("information", "outside-preferred-valueset", "ServiceRequest.bodySite[0]"),
    ]
    outside = order(code={"coding": [{"system": CPT, "code": "99213"}]})
    assert reasons(validate(server, outside)) == [
        ("error", "not-in-bound-valueset", "ServiceRequest.code")
    ]


def test_twenty_problems_are_twenty_issues(server: RunningServer) -> None:
    items = [
        line(1, "71020", day="2026-03-02", pointers=(9,)),  # 2
        line(2, "71046", modifiers=((CPT, "26"), (HCPCS, "TC"), (CPT, "25"))),  # 2
        line(3, "71250", pointers=()),  # 1
        line(4, "G0297", system=HCPCS, modifiers=((CPT, "59"), (HCPCS, "XE"))),  # 2
        line(5, "71250:26", modifiers=((HCPCS, "TC"), (CPT, "24"))),  # 2
        line(6, "71010"),  # 1
        line(7, "71275", pointers=(7,), day="2026-03-03"),  # 1
        line(8, "71045", pointers=(8,), modifiers=((CPT, "21"),)),  # 2
        line(9, "71048", pointers=()),  # 1
    ]
    resource = claim(*items, diagnoses=("R05", "J18", "R91", "I50", "R05.7", "R91.1"))
    resource["status"] = "open"  # 1
    issues = validate(server, resource)
    found = reasons(issues)
    # 4 header diagnoses and 1 unknown code, 14 line problems, 1 status
    assert len(found) == 20, found
    assert len(set(found)) == 20
    assert ("error", "required-code", "Claim.status") in found
    assert (
        "error",
        "code-unknown",
        "Claim.diagnosis[4].diagnosisCodeableConcept.coding[0].code",
    ) in found
    assert ("error", "code-deleted", "Claim.item[5].productOrService.coding[0].code") in found


def test_a_bundle_gives_each_entry_the_verdict_it_has_alone(server: RunningServer) -> None:
    good_order, bad_claim = order(), claim(line(1, "71020", day="2026-01-05", pointers=(3,)))
    patient = {"resourceType": "Patient", "id": "example", "birthDate": "1960-05-01"}
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": "urn:uuid:patient", "resource": patient},
            {"fullUrl": "urn:uuid:order", "resource": good_order},
            {"fullUrl": "urn:uuid:claim", "resource": bad_claim},
        ],
    }
    in_bundle = reasons(validate(server, bundle))
    alone = reasons(validate(server, bad_claim))
    assert in_bundle == [
        (s, r, e.replace("Claim", "Bundle.entry[2].resource", 1)) for s, r, e in alone
    ]
    assert validate(server, good_order) == []


def test_a_parameters_body_is_the_same_as_the_resource(server: RunningServer) -> None:
    resource = claim(diagnoses=("R05",))
    wrapped = {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "resource", "resource": resource},
            {"name": "mode", "valueCode": "create"},
            {
                "name": "profile",
                "valueUri": "https://chest-imaging-terminology.org/fhir/StructureDefinition/chest-imaging-claim",
            },
        ],
    }
    assert validate(server, wrapped, "Claim") == validate(server, resource)


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/Claim/$validate", b"{not json", 400),
        ("/Claim/$validate", b'{"resourceType": "ServiceRequest"}', 400),
        ("/ServiceRequest/$validate", b"[]", 400),
        (
            "/Claim/$validate",
            b'{"resourceType": "Parameters", "parameter": [{"name": "profile", '
            b'"valueUri": "http://example.org/unknown"}]}',
            400,
        ),
    ],
)
def test_what_cannot_be_read_is_a_400(
    server: RunningServer, path: str, body: bytes, status: int
) -> None:
    r = server.post(path, data=body, headers=JSON)
    assert r.status_code == status
    assert r.json()["resourceType"] == "OperationOutcome"


def test_structure_problems_are_issues_with_paths(server: RunningServer) -> None:
    resource = claim()
    broken = copy.deepcopy(resource)
    broken["item"][0]["sequence"] = "first"
    broken["item"][0]["colour"] = "blue"
    del broken["patient"]
    found = reasons(validate(server, broken))
    assert ("error", "structure", "Claim.item[0].sequence") in found
    assert ("error", "structure", "Claim.item[0].colour") in found
    assert ("error", "structure", "Claim.patient") in found


def test_a_claim_procedure_is_checked_against_its_preferred_binding(
    server: RunningServer,
) -> None:
    resource = claim()
    resource["procedure"] = [
        {"sequence": 1, "procedureCodeableConcept": {"coding": [{"system": CPT, "code": "71250"}]}},
        {"sequence": 2, "procedureCodeableConcept": {"coding": [{"system": CPT, "code": "99213"}]}},
        {"sequence": 3, "procedureCodeableConcept": {"coding": [{"system": CPT, "code": "71020"}]}},
    ]
    assert reasons(validate(server, resource)) == [
        (
            "information",
            "outside-preferred-valueset",
            "Claim.procedure[1].procedureCodeableConcept",
        ),
        ("error", "code-deleted", "Claim.procedure[2].procedureCodeableConcept.coding[0].code"),
    ]
