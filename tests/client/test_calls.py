"""Every call shape of the client, against ``responses``: the request it sends (method, path,
query or Parameters body) and the typed result it reads."""

from __future__ import annotations

import json

import pytest
import responses
from responses import matchers

from terminology.client import CodeableConcept, Coding, TerminologyClient, TerminologyClientError

BASE = "http://tx.test/fhir"
CPT = "http://www.ama-assn.org/go/cpt"
ICD = "http://hl7.org/fhir/sid/icd-10-cm"


@pytest.fixture
def client():
    with TerminologyClient(BASE, retries=0) as c:
        yield c


def _validate_answer(result: bool, **extra) -> dict:
    parameter = [{"name": "result", "valueBoolean": result}]
    parameter += [{"name": k, "valueString": v} for k, v in extra.items()]
    return {"resourceType": "Parameters", "parameter": parameter}


def _body(call) -> dict:
    return json.loads(call.request.body)


@responses.activate
def test_lookup_by_system_and_code_is_a_get_with_fhir_names(client):
    responses.get(
        f"{BASE}/CodeSystem/$lookup",
        match=[
            matchers.query_param_matcher({"system": CPT, "code": "71250", "date": "2024-05-01"})
        ],
        json={
            "resourceType": "Parameters",
            "parameter": [
                {"name": "name", "valueString": "CPT"},
                {"name": "display", "valueString": "CT thorax without contrast"},
                {"name": "version", "valueString": "2026"},
                {
                    "name": "designation",
                    "part": [
                        {"name": "language", "valueCode": "en"},
                        {"name": "value", "valueString": "CT chest"},
                    ],
                },
                {
                    "name": "property",
                    "part": [
                        {"name": "code", "valueCode": "parent"},
                        {"name": "value", "valueCode": "71250-71275"},
                    ],
                },
            ],
        },
    )
    found = client.lookup(system=CPT, code="71250", date="2024-05-01")
    assert found.display == "CT thorax without contrast"
    assert found.version == "2026" and found.name == "CPT"
    assert found.designations[0].value == "CT chest" and found.designations[0].language == "en"
    assert found.property("parent") == ["71250-71275"]
    assert responses.calls[0].request.headers["Accept"] == "application/fhir+json"


@responses.activate
def test_lookup_by_coding_posts_parameters(client):
    responses.post(
        f"{BASE}/CodeSystem/$lookup",
        match=[
            matchers.json_params_matcher(
                {
                    "resourceType": "Parameters",
                    "parameter": [
                        {"name": "coding", "valueCoding": {"system": ICD, "code": "J18.9"}},
                        {"name": "property", "valueCode": "parent"},
                        {"name": "property", "valueCode": "child"},
                    ],
                }
            )
        ],
        json={
            "resourceType": "Parameters",
            "parameter": [{"name": "display", "valueString": "Pneumonia, unspecified organism"}],
        },
    )
    found = client.lookup(coding=Coding(ICD, "J18.9"), property=["parent", "child"])
    assert found.display == "Pneumonia, unspecified organism"


@responses.activate
def test_validate_code_in_code_system_sends_system_as_url(client):
    responses.get(
        f"{BASE}/CodeSystem/$validate-code",
        match=[matchers.query_param_matcher({"url": ICD, "code": "I50.9", "date": "2025-06-01"})],
        json=_validate_answer(True, display="Heart failure, unspecified"),
    )
    verdict = client.validate_code(system=ICD, code="I50.9", date="2025-06-01")
    assert verdict.result is True and verdict.display == "Heart failure, unspecified"


@responses.activate
def test_validate_code_in_value_set_with_issues(client):
    outcome = {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": "error",
                "code": "code-invalid",
                "details": {
                    "coding": [
                        {
                            "system": "http://hl7.org/fhir/tools/CodeSystem/tx-issue-type",
                            "code": "not-in-vs",
                        }
                    ],
                    "text": "The provided code was not found in the value set",
                },
                "expression": ["code"],
                "extension": [
                    {
                        "url": "http://hl7.org/fhir/StructureDefinition/operationoutcome-message-id",
                        "valueString": "None_of_the_provided_codes_are_in_the_value_set_one",
                    }
                ],
            }
        ],
    }
    answer = _validate_answer(False, message="not in the value set")
    answer["parameter"].append({"name": "issues", "resource": outcome})
    responses.get(
        f"{BASE}/ValueSet/$validate-code",
        match=[matchers.query_param_matcher({"url": "http://vs", "system": CPT, "code": "99999"})],
        json=answer,
    )
    verdict = client.validate_code("http://vs", "99999", system=CPT)
    assert verdict.result is False and verdict.message == "not in the value set"
    (issue,) = verdict.issues
    assert (issue.severity, issue.code, issue.tx_type, issue.expression) == (
        "error",
        "code-invalid",
        "not-in-vs",
        ("code",),
    )
    assert issue.message_id == "None_of_the_provided_codes_are_in_the_value_set_one"
    assert issue.is_error


@responses.activate
def test_validate_codeable_concept_and_inline_value_set_post(client):
    vs = {"resourceType": "ValueSet", "compose": {"include": [{"system": CPT}]}}
    concept = CodeableConcept((Coding(CPT, "71250", display="CT"), Coding(ICD, "J18.9")))
    responses.post(
        f"{BASE}/ValueSet/$validate-code",
        match=[
            matchers.json_params_matcher(
                {
                    "resourceType": "Parameters",
                    "parameter": [
                        {"name": "valueSet", "resource": vs},
                        {
                            "name": "codeableConcept",
                            "valueCodeableConcept": {
                                "coding": [
                                    {"system": CPT, "code": "71250", "display": "CT"},
                                    {"system": ICD, "code": "J18.9"},
                                ]
                            },
                        },
                        {"name": "date", "valueDateTime": "2026-01-02"},
                    ],
                }
            )
        ],
        json=_validate_answer(True),
    )
    import datetime

    verdict = client.validate_code(
        valueSet=vs, codeableConcept=concept, date=datetime.date(2026, 1, 2)
    )
    assert verdict.result is True


def _page(total: int, offset: int, codes: list[str]) -> dict:
    return {
        "resourceType": "ValueSet",
        "expansion": {
            "total": total,
            "offset": offset,
            "contains": [{"system": ICD, "code": c, "display": f"d{c}"} for c in codes],
        },
    }


@responses.activate
def test_expand_pages_through_the_expansion_lazily(client):
    for offset, codes in ((0, ["A", "B"]), (2, ["C", "D"]), (4, ["E"])):
        responses.get(
            f"{BASE}/ValueSet/$expand",
            match=[
                matchers.query_param_matcher(
                    {"url": "http://vs", "filter": "pneu", "offset": str(offset), "count": "2"}
                )
            ],
            json=_page(5, offset, codes),
        )
    items = client.expand("http://vs", filter="pneu", page_size=2)
    assert next(items).code == "A"
    assert len(responses.calls) == 1  # the next page is fetched only when reached
    assert [i.code for i in items] == ["B", "C", "D", "E"]
    assert len(responses.calls) == 3


@responses.activate
def test_expand_limit_and_nested_contains(client):
    nested = {
        "resourceType": "ValueSet",
        "expansion": {
            "total": 3,
            "contains": [
                {
                    "system": ICD,
                    "code": "J18",
                    "abstract": True,
                    "contains": [{"system": ICD, "code": "J18.9"}],
                },
                {"system": ICD, "code": "J15.9"},
            ],
        },
    }
    responses.get(f"{BASE}/ValueSet/$expand", json=nested)
    page = client.expand_page("http://vs")
    assert [(c.code, c.abstract) for c in page.contains] == [
        ("J18", True),
        ("J18.9", False),
        ("J15.9", False),
    ]
    assert [c.code for c in client.expand("http://vs", limit=2, page_size=10)] == ["J18", "J18.9"]


@responses.activate
def test_subsumes_and_translate(client):
    responses.get(
        f"{BASE}/CodeSystem/$subsumes",
        match=[matchers.query_param_matcher({"codeA": "J09-J18", "codeB": "J18.9", "system": ICD})],
        json={
            "resourceType": "Parameters",
            "parameter": [{"name": "outcome", "valueCode": "subsumes"}],
        },
    )
    assert client.subsumes("J09-J18", "J18.9", system=ICD).outcome == "subsumes"
    responses.get(
        f"{BASE}/ConceptMap/$translate",
        match=[
            matchers.query_param_matcher({"code": "71020", "system": CPT, "date": "2024-05-01"})
        ],
        json={
            "resourceType": "Parameters",
            "parameter": [
                {"name": "result", "valueBoolean": True},
                {
                    "name": "match",
                    "part": [
                        {"name": "equivalence", "valueCode": "equivalent"},
                        {"name": "concept", "valueCoding": {"system": CPT, "code": "71046"}},
                        {"name": "source", "valueUri": "http://map"},
                    ],
                },
            ],
        },
    )
    translated = client.translate(code="71020", system=CPT, date="2024-05-01")
    assert translated.result is True
    (match,) = translated.matches
    assert (match.relationship, match.concept, match.source) == (
        "equivalent",
        Coding(CPT, "71046"),
        "http://map",
    )


@responses.activate
def test_validate_resource_posts_to_its_type(client):
    claim = {"resourceType": "Claim", "status": "active"}
    responses.post(
        f"{BASE}/Claim/$validate",
        match=[matchers.json_params_matcher(claim)],
        json={
            "resourceType": "OperationOutcome",
            "issue": [
                {
                    "severity": "error",
                    "code": "required",
                    "details": {"text": "no patient"},
                    "expression": ["Claim.patient"],
                }
            ],
        },
    )
    outcome = client.validate_resource(claim)
    assert not outcome.valid and outcome.issues[0].expression == ("Claim.patient",)
    assert responses.calls[0].request.headers["Content-Type"] == "application/fhir+json"
    with pytest.raises(ValueError, match="Patient"):
        client.validate_resource({"resourceType": "Patient"})


@responses.activate
def test_capabilities_both_kinds(client):
    responses.get(
        f"{BASE}/metadata",
        match=[matchers.query_param_matcher({"mode": "terminology"})],
        json={
            "resourceType": "TerminologyCapabilities",
            "codeSystem": [{"uri": ICD, "version": [{"code": "2025"}, {"code": "2026"}]}],
        },
    )
    responses.get(
        f"{BASE}/metadata",
        match=[matchers.query_param_matcher({})],
        json={
            "resourceType": "CapabilityStatement",
            "fhirVersion": "4.0.1",
            "software": {"name": "x"},
        },
    )
    caps = client.capabilities(terminology=True)
    assert caps.code_systems[0].url == ICD and caps.code_systems[0].versions == ("2025", "2026")
    plain = client.capabilities()
    assert (plain.resource_type, plain.fhir_version, plain.software) == (
        "CapabilityStatement",
        "4.0.1",
        "x",
    )


@responses.activate
def test_token_is_sent_as_bearer():
    responses.get(f"{BASE}/metadata", json={"resourceType": "CapabilityStatement"})
    with TerminologyClient(BASE, token="s3cret-token-value") as c:
        c.capabilities()
    assert responses.calls[0].request.headers["Authorization"] == "Bearer s3cret-token-value"


@responses.activate
def test_reads_searches_and_writes(client):
    vs = {"resourceType": "ValueSet", "id": "v1", "url": "http://local/vs"}
    responses.get(f"{BASE}/ValueSet/v1", json=vs)
    responses.get(
        f"{BASE}/ValueSet",
        match=[matchers.query_param_matcher({"url": "http://local/vs"})],
        json={"resourceType": "Bundle", "entry": [{"resource": vs}]},
    )
    responses.post(f"{BASE}/ValueSet", json=vs, status=201)
    responses.put(f"{BASE}/ValueSet/v1", json=vs)
    responses.delete(f"{BASE}/ValueSet/v1", status=204)
    assert client.read("ValueSet", "v1") == vs
    assert client.search("ValueSet", url="http://local/vs") == [vs]
    assert client.create(vs) == vs
    assert client.update(vs) == vs
    client.delete("ValueSet", "v1")
    assert [c.request.method for c in responses.calls] == ["GET", "GET", "POST", "PUT", "DELETE"]


@responses.activate
def test_an_answer_of_the_wrong_kind_is_an_error_not_an_empty_result(client):
    responses.get(f"{BASE}/CodeSystem/$validate-code", json={"resourceType": "Bundle"})
    with pytest.raises(TerminologyClientError, match="expected a Parameters"):
        client.validate_code(system=ICD, code="x")
    responses.get(f"{BASE}/CodeSystem/$lookup", body="<html>proxy</html>", content_type="text/html")
    with pytest.raises(TerminologyClientError):
        client.lookup(system=ICD, code="x")


@responses.activate
def test_batch_validate_code_against_value_sets_and_code_systems(client):
    ok = _validate_answer(True)
    failed = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "invalid"}],
    }
    responses.post(
        f"{BASE}/ValueSet/$batch-validate-code",
        match=[
            matchers.json_params_matcher(
                {
                    "resourceType": "Parameters",
                    "parameter": [
                        {"name": "url", "valueUri": "http://vs"},
                        {
                            "name": "validation",
                            "resource": {
                                "resourceType": "Parameters",
                                "parameter": [
                                    {"name": "system", "valueUri": CPT},
                                    {"name": "code", "valueCode": "71250"},
                                ],
                            },
                        },
                        {
                            "name": "validation",
                            "resource": {
                                "resourceType": "Parameters",
                                "parameter": [{"name": "code", "valueCode": "x"}],
                            },
                        },
                    ],
                }
            )
        ],
        json={
            "resourceType": "Parameters",
            "parameter": [
                {"name": "validation", "resource": ok},
                {"name": "validation", "resource": failed},
            ],
        },
    )
    first, second = client.batch_validate_code(
        [{"system": CPT, "code": "71250"}, {"code": "x"}], url="http://vs"
    )
    assert first.result is True and not second.valid
    responses.post(
        f"{BASE}/CodeSystem/$batch-validate-code",
        match=[
            matchers.json_params_matcher(
                {
                    "resourceType": "Parameters",
                    "parameter": [
                        {
                            "name": "validation",
                            "resource": {
                                "resourceType": "Parameters",
                                "parameter": [
                                    {"name": "code", "valueCode": "I50.9"},
                                    {"name": "url", "valueUri": ICD},
                                ],
                            },
                        },
                    ],
                }
            )
        ],
        json={"resourceType": "Parameters", "parameter": [{"name": "validation", "resource": ok}]},
    )
    (only,) = client.batch_validate_code([{"system": ICD, "code": "I50.9"}])
    assert only.result is True


@responses.activate
def test_batch_bundle_posts_to_the_base(client):
    bundle = {"resourceType": "Bundle", "type": "batch", "entry": []}
    responses.post(
        BASE,
        match=[matchers.json_params_matcher(bundle)],
        json={"resourceType": "Bundle", "type": "batch-response"},
    )
    assert client.batch(bundle)["type"] == "batch-response"
