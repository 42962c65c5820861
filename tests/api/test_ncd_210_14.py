"""NCD 210.14 (Medicare lung-cancer screening with LDCT) on claims and orders, over HTTP."""

from __future__ import annotations

from typing import Any

from terminology.uris import CPT, HCPCS
from tests.api.test_validate_resources import claim, line, order, reasons, validate
from tests.conftest import RunningServer

SOPT = "https://nahdo.org/sopt"
MEDICARE = {"coding": [{"system": SOPT, "code": "1", "display": "MEDICARE"}]}
COMMERCIAL = {"coding": [{"system": SOPT, "code": "5", "display": "PRIVATE HEALTH INSURANCE"}]}


def screening_bundle(
    *,
    born: str | None = "1960-04-01",
    day: str = "2025-11-03",
    diagnoses: tuple[str, ...] = ("Z87.891",),
    coverage: dict[str, Any] = MEDICARE,
    code: tuple[str, str] = (CPT, "71271"),
) -> dict[str, Any]:
    resource = claim(line(1, code[1], system=code[0], day=day), diagnoses=diagnoses, created=day)
    resource["patient"] = {"reference": "urn:uuid:patient"}
    resource["insurance"][0]["coverage"] = {"reference": "urn:uuid:coverage"}
    patient: dict[str, Any] = {"resourceType": "Patient", "id": "p"}
    if born:
        patient["birthDate"] = born
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": "urn:uuid:claim", "resource": resource},
            {"fullUrl": "urn:uuid:patient", "resource": patient},
            {
                "fullUrl": "urn:uuid:coverage",
                "resource": {
                    "resourceType": "Coverage",
                    "id": "c",
                    "status": "active",
                    "type": coverage,
                    "beneficiary": {"reference": "urn:uuid:patient"},
                    "payor": [{"display": "Payer"}],
                },
            },
        ],
    }


LINE = "Bundle.entry[0].resource.item[0]"


def test_a_valid_ldct_claim_passes(server: RunningServer) -> None:
    assert validate(server, screening_bundle()) == []  # 65 years old, former smoker


def test_without_a_qualifying_diagnosis_medicare_denies(server: RunningServer) -> None:
    found = reasons(validate(server, screening_bundle(diagnoses=("J44.9",))))
    assert found == [("error", "business-rule", LINE)[:1] + ("ncd-screening-diagnosis", LINE)]


def test_for_a_commercial_plan_the_rule_is_a_warning(server: RunningServer) -> None:
    issues = validate(server, screening_bundle(diagnoses=("J44.9",), coverage=COMMERCIAL))
    assert reasons(issues) == [("warning", "ncd-screening-diagnosis", LINE)]
    assert "Medicare's rule" in issues[0]["details"]["text"]


def ncd(issues: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """The NCD findings (a 2022 date also draws "ICD-10-CM FY2022 not loaded" warnings)."""
    return [r for r in reasons(issues) if r[1].startswith("ncd-")]


def test_age_bands_either_side_of_2022_02_10(server: RunningServer) -> None:
    born = "1971-06-01"  # 50 on both dates below
    assert ncd(validate(server, screening_bundle(born=born, day="2022-02-10"))) == []
    assert ncd(validate(server, screening_bundle(born=born, day="2022-02-09"))) == [
        ("error", "ncd-screening-age", LINE)
    ]
    assert reasons(validate(server, screening_bundle(born="1944-01-01"))) == [
        ("error", "ncd-screening-age", LINE)  # 81
    ]


def test_without_a_birth_date_the_age_rule_says_it_could_not_run(server: RunningServer) -> None:
    assert reasons(validate(server, screening_bundle(born=None))) == [
        ("warning", "ncd-screening-age-unchecked", LINE)
    ]


def test_screening_for_symptoms_suggests_a_diagnostic_ct(server: RunningServer) -> None:
    issues = validate(server, screening_bundle(diagnoses=("Z87.891", "R05.1")))
    # the line points at diagnosis 1 only; point it at both
    assert reasons(issues) == []
    bundle = screening_bundle(diagnoses=("Z87.891", "R05.1"))
    bundle["entry"][0]["resource"]["item"][0]["diagnosisSequence"] = [1, 2]
    issues = validate(server, bundle)
    assert reasons(issues) == [("warning", "ncd-screening-symptomatic", LINE)]
    assert "71250, 71260 or 71270" in issues[0]["details"]["text"]


def test_g0297_before_2021_is_a_screening_line(server: RunningServer) -> None:
    bundle = screening_bundle(
        day="2020-06-01", born="1955-01-01", diagnoses=("J44.9",), code=(HCPCS, "G0297")
    )
    assert ncd(validate(server, bundle)) == [("error", "ncd-screening-diagnosis", LINE)]


def test_an_order_gets_the_same_findings_as_warnings(server: RunningServer) -> None:
    resource = order(
        code={"coding": [{"system": CPT, "code": "71271"}]},
        reasonCode=[{"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "R91.1"}]}],
        contained=[{"resourceType": "Patient", "id": "pat", "birthDate": "1940-01-01"}],
        subject={"reference": "#pat"},
    )
    found = reasons(validate(server, resource))
    assert found == [
        ("warning", "ncd-screening-diagnosis", "ServiceRequest.code"),
        ("warning", "ncd-screening-symptomatic", "ServiceRequest.code"),
        ("warning", "ncd-screening-age", "ServiceRequest.code"),
    ]


MBI = "http://hl7.org/fhir/sid/us-mbi"


def without_type(bundle: dict[str, Any], identifier: str | None = MBI) -> dict[str, Any]:
    coverage = bundle["entry"][2]["resource"]
    del coverage["type"]
    if identifier:
        coverage["identifier"] = [{"system": identifier, "value": "1EG4TE5MK73"}]
    return bundle


def test_a_medicare_beneficiary_identifier_says_medicare(server: RunningServer) -> None:
    issues = validate(server, without_type(screening_bundle(diagnoses=("J44.9",))))
    assert reasons(issues) == [("error", "ncd-screening-diagnosis", LINE)]
    assert "Medicare Beneficiary Identifier" in issues[0]["details"]["text"]
    other_id = without_type(screening_bundle(diagnoses=("J44.9",)), "urn:oid:1.2.3")
    assert reasons(validate(server, other_id)) == [("warning", "ncd-screening-diagnosis", LINE)]


def test_a_sopt_type_decides_before_an_identifier(server: RunningServer) -> None:
    bundle = screening_bundle(diagnoses=("J44.9",), coverage=COMMERCIAL)
    bundle["entry"][2]["resource"]["identifier"] = [{"system": MBI, "value": "1EG4TE5MK73"}]
    assert reasons(validate(server, bundle)) == [("warning", "ncd-screening-diagnosis", LINE)]


def two_screens(first: str, second: str, coverage: dict[str, Any] = MEDICARE) -> dict[str, Any]:
    bundle = screening_bundle(day=first, coverage=coverage)
    bundle["entry"][0]["resource"]["item"].append(line(2, "71271", day=second))
    return bundle


def test_two_screens_within_11_full_months_are_one_too_many(server: RunningServer) -> None:
    issues = validate(server, two_screens("2025-01-10", "2025-12-29"))
    second = "Bundle.entry[0].resource.item[1]"
    assert reasons(issues) == [("error", "ncd-screening-frequency", second)]
    assert "the next from 2026-01-01" in issues[0]["details"]["text"]
    assert reasons(validate(server, two_screens("2025-01-10", "2026-01-02"))) == []
    commercial = validate(server, two_screens("2025-11-03", "2025-11-03", COMMERCIAL))
    assert reasons(commercial) == [("warning", "ncd-screening-frequency", second)]


def test_counselling_after_the_screen_is_questioned(server: RunningServer) -> None:
    bundle = screening_bundle(day="2025-11-03")
    visit = line(2, "G0296", system=HCPCS, day="2025-11-10")
    bundle["entry"][0]["resource"]["item"].append(visit)
    # ncd() keeps the NCD reasons only; G0296 is in the claim lines' binding (issue 16), see
    # tests/api/test_content_audit.py.
    assert ncd(validate(server, bundle)) == [
        ("warning", "ncd-screening-counselling", "Bundle.entry[0].resource.item[1]")
    ]
    visit["servicedDate"] = "2025-10-20"
    assert ncd(validate(server, bundle)) == []
