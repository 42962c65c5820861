"""Everything the server builds as a plain dict is valid FHIR R4 (checked with the R4B models)."""

from __future__ import annotations

import pytest
from fhir.resources.R4B.codesystem import CodeSystem
from fhir.resources.R4B.conceptmap import ConceptMap
from fhir.resources.R4B.valueset import ValueSet

from terminology.codec.capabilities import (
    SystemEntry,
    capability_statement,
    terminology_capabilities,
    versions_parameters,
)
from terminology.codec.fhir_models import validate_resource
from terminology.codec.outcome import from_error
from terminology.codec.outputs import lookup_parameters, searchset, subsumes_parameters
from terminology.codec.summary import SUMMARY_ELEMENTS, apply_summary
from terminology.errors import TerminologyError
from terminology.operations.context import Services
from terminology.operations.lookup import LookupRequest, lookup
from terminology.operations.search import SearchRequest, search
from terminology.operations.subsumes import SubsumesResult
from terminology.uris import CPT, HCPCS, ICD10CM


@pytest.mark.parametrize(
    ("system", "code", "version"),
    [
        (CPT, "71250", None),
        (CPT, "71010", "2017"),
        (CPT, "71250:26", None),
        (ICD10CM, "R05", None),
        (HCPCS, "G0297", "2020"),
    ],
)
def test_lookup_parameters_are_valid(
    services: Services, system: str, code: str, version: str | None
) -> None:
    result = lookup(LookupRequest(system, code, version), services)
    assert validate_resource(lookup_parameters(result)) == []


@pytest.mark.parametrize("outcome", ["equivalent", "subsumes", "subsumed-by", "not-subsumed"])
def test_subsumes_parameters_are_valid(outcome: str) -> None:
    body = subsumes_parameters(SubsumesResult(outcome, ICD10CM, "2026"))  # type: ignore[arg-type]
    assert validate_resource(body) == []
    assert body["parameter"] == [{"name": "outcome", "valueCode": outcome}]


@pytest.mark.parametrize("summary", [None, "true", "data", "text", "count"])
def test_searchset_bundles_are_valid(services: Services, summary: str | None) -> None:
    request = SearchRequest("CodeSystem", {"url": [CPT]}, {}, 3, 0, summary)
    bundle = searchset(request, search(request, services), "http://x/fhir", [("url", CPT)])
    assert validate_resource(bundle) == []


def test_capabilities_are_valid() -> None:
    assert validate_resource(capability_statement("http://x/fhir", "1.0.0")) == []
    entries = [
        SystemEntry(CPT, ("2026", "2025"), "fragment"),
        SystemEntry("http://example.org/grouped", ("1",), "complete", subsumption=False),
    ]
    capabilities = terminology_capabilities(entries, "1.0.0")
    assert validate_resource(capabilities) == []
    assert [c["subsumption"] for c in capabilities["codeSystem"]] == [True, False]
    assert validate_resource(versions_parameters()) == []


def test_operation_outcome_is_valid() -> None:
    error = TerminologyError("x", code="not-found", tx_type="not-found", expression="code")
    assert validate_resource(from_error(error)) == []


@pytest.mark.parametrize("model", [CodeSystem, ValueSet, ConceptMap])
def test_summary_elements_match_the_r4_definitions(model) -> None:
    flagged = {
        field.alias or name
        for name, field in model.model_fields.items()
        if (field.json_schema_extra or {}).get("summary_element_property")
    }
    assert SUMMARY_ELEMENTS[model.__name__] - {"resourceType"} == flagged


def test_summary_of_a_stored_resource_is_still_valid(services: Services) -> None:
    resource = services.code_systems.read("icd10cm-2026")
    assert resource is not None
    assert validate_resource(apply_summary(resource, "true", None)) == []
