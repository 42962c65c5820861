"""Failures the fuzz campaign found, one plain test each (issue 17 §5).

Each is a request the server answered with a 5xx (or broke the connection for), reduced by
hand from the campaign's smallest reproduction. Every reply must be a 4xx/2xx FHIR JSON answer;
an error must be an OperationOutcome. Failures already known and being fixed elsewhere
(compose.include [5], compose [], tx-resource concept [null]/"x", deep part / concept nesting,
"//" redirects, OPTIONS, catastrophic regexes, diamond imports, 414/431) are not repeated here.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from terminology.uris import CPT
from tests.conftest import RunningServer
from tests.helpers import parameters

FZ_CS = "http://fuzz.example.org/CodeSystem/fz"
CT_VS = "https://chest-imaging-terminology.org/fhir/ValueSet/chest-ct-procedures"


def assert_fhir_answer(r: requests.Response) -> None:
    assert r.status_code < 500, r.text[:300]
    assert r.headers["Content-Type"].startswith(("application/fhir+json", "application/json"))
    body = r.json()
    if r.status_code >= 400:
        assert body["resourceType"] == "OperationOutcome"
        assert body["issue"]


def inline_value_set(compose: Any, **extra: Any) -> dict[str, Any]:
    return {
        "name": "valueSet",
        "resource": {"resourceType": "ValueSet", "compose": compose, **extra},
    }


def tx_code_system(**fields: Any) -> dict[str, Any]:
    resource = {"resourceType": "CodeSystem", "url": FZ_CS, "content": "complete", **fields}
    return {"name": "tx-resource", "resource": resource}


LOOKUP_A = ({"name": "system", "valueUri": FZ_CS}, {"name": "code", "valueCode": "A"})


@pytest.mark.parametrize(
    "query",
    ["offset=99999999999999999999", "count=99999999999999999999", "offset=18446744073709551616"],
)
def test_expand_paging_beyond_64_bits_is_not_a_500(server: RunningServer, query: str) -> None:
    # orjson cannot encode the echoed integer: TypeError in api/http.py fhir_json
    assert_fhir_answer(server.get(f"/ValueSet/chest-ct-procedures/$expand?{query}"))


@pytest.mark.parametrize(
    ("label", "compose"),
    [
        (
            "filter [null]: engine/expansion.py _filters",
            {"include": [{"system": CPT, "filter": [None]}]},
        ),
        ("filter 'x': engine/expansion.py _filters", {"include": [{"system": CPT, "filter": "x"}]}),
        (
            "concept [null]: engine/expansion.py _from_system",
            {"include": [{"system": CPT, "concept": [None]}]},
        ),
        ("valueSet [5]: engine/expansion.py _imported", {"include": [{"valueSet": [5]}]}),
        (
            "version 5: operations/versions_in_vs.py is_pattern",
            {"include": [{"system": CPT, "version": 5}]},
        ),
        ("exclude 5: engine/expansion.py evaluate", {"include": [{"system": CPT}], "exclude": 5}),
    ],
)
def test_malformed_inline_value_set_parts_are_400(
    server: RunningServer, label: str, compose: Any
) -> None:
    assert_fhir_answer(server.post("/ValueSet/$expand", json=parameters(inline_value_set(compose))))


def test_inline_value_set_with_non_object_contained_is_400(server: RunningServer) -> None:
    # engine/expansion.py _imported: contained entries are assumed to be objects
    vs = inline_value_set({"include": [{"valueSet": ["#a"]}]}, contained=[5])
    assert_fhir_answer(server.post("/ValueSet/$expand", json=parameters(vs)))


def test_validate_code_against_inline_value_set_with_null_filter_is_400(
    server: RunningServer,
) -> None:
    # operations/membership.py prepare
    body = parameters(
        inline_value_set({"include": [{"system": CPT, "filter": [None]}]}),
        {"name": "system", "valueUri": CPT},
        {"name": "code", "valueCode": "71250"},
    )
    assert_fhir_answer(server.post("/ValueSet/$validate-code", json=body))


@pytest.mark.parametrize(
    ("label", "fields"),
    [
        ("concept.property [5]: concept_table.py", {"concept": [{"code": "A", "property": [5]}]}),
        (
            "concept.property without code: concept_table.py _property_value",
            {"concept": [{"code": "A", "property": [{"valueCode": "x"}]}]},
        ),
        (
            "property definition without code: concept_table.py read_info",
            {"property": [{"type": "code"}], "concept": [{"code": "A"}]},
        ),
        (
            "designation [null]: concept_table.py",
            {"concept": [{"code": "A", "designation": [None]}]},
        ),
        (
            "extension [5]: concept_table.py extension_value",
            {"extension": [5], "concept": [{"code": "A"}]},
        ),
        ("version 5: versions.py version_sort_key", {"version": 5, "concept": [{"code": "A"}]}),
    ],
)
def test_malformed_tx_resource_code_system_parts_are_400(
    server: RunningServer, label: str, fields: dict[str, Any]
) -> None:
    body = parameters(*LOOKUP_A, tx_code_system(**fields))
    assert_fhir_answer(server.post("/CodeSystem/$lookup", json=body))


def test_codeable_concept_without_codings_against_a_value_set_url_as_code_system(
    server: RunningServer,
) -> None:
    # IndexError in validate_code.py validate_in_code_system (found through
    # CodeSystem/$batch-validate-code; the single request failed the same way).
    body = parameters(
        {"name": "url", "valueUri": CT_VS},
        {"name": "codeableConcept", "valueCodeableConcept": {"text": "x"}},
    )
    for path in ("/CodeSystem/$validate-code", "/CodeSystem/$batch-validate-code"):
        sent = body if "batch" not in path else parameters({"name": "validation", "resource": body})
        r = server.post(path, json=sent)
        assert_fhir_answer(r)
        assert r.status_code == 200, r.text
