"""What a resource's references reach: the other entries of its Bundle, its contained ones."""

from __future__ import annotations

from datetime import date

from terminology.checks.subject import Subject, bundle_index, day_of

PATIENT = {"resourceType": "Patient", "id": "p1", "birthDate": "1955-04-02"}
COVERAGE = {"resourceType": "Coverage", "id": "c1"}


def test_references_resolve_to_bundle_entries_by_full_url_and_type_and_id() -> None:
    entries = [
        {"fullUrl": "urn:uuid:patient-1", "resource": PATIENT},
        {"fullUrl": "https://example.org/fhir/Coverage/c1", "resource": COVERAGE},
        {"resource": "not a resource"},
        "not an entry",
    ]
    claim = {"resourceType": "Claim", "patient": {"reference": "urn:uuid:patient-1"}}
    subject = Subject(claim, "Bundle.entry[3].resource", bundle_index(entries))
    assert subject.resolve(claim["patient"]) is PATIENT
    assert subject.resolve({"reference": "Patient/p1"}) is PATIENT
    assert subject.resolve({"reference": "Coverage/c1"}) is COVERAGE
    assert subject.resolve({"reference": "Patient/elsewhere"}) is None
    assert subject.resolve({"display": "no reference"}) is None
    assert subject.resolve("Patient/p1") is None
    assert subject.path("item[0]") == "Bundle.entry[3].resource.item[0]"


def test_contained_resources_resolve_by_local_reference() -> None:
    order = {
        "resourceType": "ServiceRequest",
        "contained": [{"resourceType": "Patient", "id": "pat", "birthDate": "1960-01-01"}, 7],
        "subject": {"reference": "#pat"},
    }
    subject = Subject(order, "ServiceRequest")
    found = subject.resolve(order["subject"])
    assert found is not None and found["birthDate"] == "1960-01-01"
    assert subject.resolve({"reference": "#other"}) is None


def test_dates_of_service_are_read_leniently() -> None:
    assert day_of("2026-03-02T10:15:00Z") == date(2026, 3, 2)
    assert day_of("2026-03-02") == date(2026, 3, 2)
    assert day_of("2026-02-30") is None
    assert day_of("2026") is None
    assert day_of(20260302) is None
