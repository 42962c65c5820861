"""Regression tests for the fuzz findings: malformed inline resources, deep nesting, cyclic
hierarchies and circular supplements. Each once answered HTTP 500 or a wrong answer; each must
be a clear 4xx OperationOutcome, the same in every operation."""

from __future__ import annotations

from typing import Any

import pytest

from terminology.codec.summary import SEARCH_CONCEPT_LIMIT, search_entry
from terminology.uris import CPT, ICD10CM
from tests.conftest import RunningServer
from tests.helpers import parameters, single_issue

TOY = "http://example.org/fhir/CodeSystem/toy"
VS_URL = "http://example.org/fhir/ValueSet/toy"



def value_set(compose: Any, url: str = VS_URL) -> dict[str, Any]:
    return {"resourceType": "ValueSet", "url": url, "status": "active", "compose": compose}


def code_system(concept: Any, url: str = TOY, **more: Any) -> dict[str, Any]:
    return {
        "resourceType": "CodeSystem",
        "url": url,
        "version": "1",
        "status": "active",
        "content": "complete",
        "concept": concept,
        **more,
    }


def outcome(server: RunningServer, path: str, body: dict[str, Any], status: int) -> str:
    r = server.post(path, json=body)
    assert r.status_code == status, r.text[:500]
    assert r.headers["Content-Type"].startswith("application/fhir+json")
    return str(single_issue(r.json())["details"]["text"])


CPT_CODE = [{"name": "system", "valueUri": CPT}, {"name": "code", "valueCode": "71250"}]


@pytest.mark.parametrize("include", [[5], ["x"], [None], [[]]])
@pytest.mark.parametrize("operation", ["$expand", "$validate-code"])
def test_include_that_is_not_an_object(
    server: RunningServer, include: list[Any], operation: str
) -> None:
    extra = CPT_CODE if operation == "$validate-code" else []
    body = parameters({"name": "valueSet", "resource": value_set({"include": include})}, *extra)
    text = outcome(server, f"/ValueSet/{operation}", body, 400)
    assert "ValueSet.compose.include[0] must be an object" in text


@pytest.mark.parametrize("compose", [[], "x", 5])
@pytest.mark.parametrize("operation", ["$expand", "$validate-code"])
def test_compose_that_is_not_an_object(server: RunningServer, compose: Any, operation: str) -> None:
    extra = CPT_CODE if operation == "$validate-code" else []
    body = parameters({"name": "valueSet", "resource": value_set(compose)}, *extra)
    assert "ValueSet.compose must be an object" in outcome(
        server, f"/ValueSet/{operation}", body, 400
    )


@pytest.mark.parametrize(
    ("concept", "where"),
    [
        ([None], "CodeSystem.concept[0] must be an object"),
        ("x", "CodeSystem.concept must be an array"),
        ([{"code": "A", "concept": "x"}], "CodeSystem.concept[0].concept must be an array"),
        ([{"code": 5}], "CodeSystem.concept[0].code must be a string"),
    ],
)
@pytest.mark.parametrize("operation", ["/CodeSystem/$lookup", "/CodeSystem/$validate-code"])
def test_tx_resource_with_malformed_concepts(
    server: RunningServer, concept: Any, where: str, operation: str
) -> None:
    body = parameters(
        {"name": "tx-resource", "resource": code_system(concept)},
        {"name": "system" if "lookup" in operation else "url", "valueUri": TOY},
        {"name": "code", "valueCode": "A"},
    )
    assert where in outcome(server, operation, body, 400)


def test_parts_nested_too_deep(server: RunningServer) -> None:
    nested: dict[str, Any] = {"name": "x", "valueString": "y"}
    for _ in range(260):
        nested = {"name": "x", "part": [nested]}
    for path in ("/CodeSystem/$lookup", "/ValueSet/$expand", "/ValueSet/$validate-code"):
        assert "nested more than 16 deep" in outcome(server, path, parameters(nested), 400)


def test_concepts_nested_too_deep(server: RunningServer) -> None:
    top: dict[str, Any] = {"code": "c0"}
    current = top
    for i in range(1, 300):
        child = {"code": f"c{i}"}
        current["concept"] = [child]
        current = child
    include_all = value_set(
        {
            "include": [
                {"system": TOY, "filter": [{"property": "concept", "op": "is-a", "value": "c0"}]}
            ]
        }
    )
    body = parameters(
        {"name": "valueSet", "resource": include_all},
        {"name": "tx-resource", "resource": code_system([top])},
    )
    assert "nested more than 100 levels deep" in outcome(server, "/ValueSet/$expand", body, 400)


def test_a_parent_chain_too_deep_is_refused(server: RunningServer) -> None:
    chain = [{"code": "c0"}] + [
        {"code": f"c{i}", "property": [{"code": "parent", "valueCode": f"c{i - 1}"}]}
        for i in range(1, 300)
    ]
    body = parameters(
        {"name": "valueSet", "resource": value_set({"include": [{"system": TOY}]})},
        {"name": "tx-resource", "resource": code_system(chain)},
    )
    assert "more than 100 levels deep" in outcome(server, "/ValueSet/$expand", body, 422)


SELF_PARENT = [{"code": "A", "property": [{"code": "parent", "valueCode": "A"}]}]
MUTUAL = [
    {"code": "A", "property": [{"code": "parent", "valueCode": "B"}]},
    {"code": "B", "property": [{"code": "parent", "valueCode": "A"}]},
]


@pytest.mark.parametrize(("concepts", "cycle"), [(SELF_PARENT, "A -> A"), (MUTUAL, "A -> B -> A")])
@pytest.mark.parametrize("filter_op", [None, "is-a", "generalizes", "child-of"])
def test_a_cyclic_hierarchy_is_refused_by_every_operation(
    server: RunningServer, concepts: list[Any], cycle: str, filter_op: str | None
) -> None:
    include: dict[str, Any] = {"system": TOY}
    if filter_op:
        include["filter"] = [{"property": "concept", "op": filter_op, "value": "A"}]
    resources = [
        {"name": "valueSet", "resource": value_set({"include": [include]})},
        {"name": "tx-resource", "resource": code_system(concepts)},
    ]
    coding = [{"name": "system", "valueUri": TOY}, {"name": "code", "valueCode": "A"}]
    for path, extra in (
        ("/ValueSet/$expand", []),
        ("/ValueSet/$validate-code", coding),
        ("/CodeSystem/$lookup", coding),
    ):
        text = outcome(server, path, parameters(*resources, *extra), 422)
        assert f"its hierarchy has a cycle ({cycle})" in text, (path, text)


def test_a_value_set_importing_itself_is_circular(server: RunningServer) -> None:
    own = value_set({"include": [{"valueSet": [VS_URL]}]})
    for path, extra in (("/ValueSet/$expand", []), ("/ValueSet/$validate-code", CPT_CODE)):
        text = outcome(server, path, parameters({"name": "valueSet", "resource": own}, *extra), 422)
        assert "circular" in text.lower() or "cycle" in text.lower(), text
        assert VS_URL in text


@pytest.mark.parametrize(
    "supplements",
    [
        [("http://example.org/sup/a", "http://example.org/sup/a")],
        [
            ("http://example.org/sup/a", "http://example.org/sup/b"),
            ("http://example.org/sup/b", "http://example.org/sup/a"),
        ],
    ],
)
def test_circular_supplements_are_422_with_the_path(
    server: RunningServer, supplements: list[tuple[str, str]]
) -> None:
    resources = [
        {
            "name": "tx-resource",
            "resource": code_system(
                [{"code": "71250", "display": "x"}],
                url=url,
                content="supplement",
                supplements=target,
            ),
        }
        for url, target in supplements
    ]
    body = parameters(
        *resources,
        {"name": "system", "valueUri": CPT},
        {"name": "code", "valueCode": "71250"},
        {"name": "useSupplement", "valueCanonical": supplements[0][0]},
    )
    text = outcome(server, "/CodeSystem/$lookup", body, 422)
    assert "supplements itself through http://example.org/sup/a" in text


def test_a_stored_code_system_is_served_as_its_header(server: RunningServer) -> None:
    """ICD-10-CM's ~98,000 concepts per fiscal year live in the store: its resource says how
    many there are and that they are not in it, on search and on read alike."""
    bundle = server.get("/CodeSystem", params={"url": ICD10CM, "version": "2026"}).json()
    listed = bundle["entry"][0]["resource"]
    assert "concept" not in listed
    assert listed["content"] == "not-present"
    assert listed["count"] == 98_220
    read = server.get(f"/CodeSystem/{listed['id']}").json()
    assert read == listed
    small = server.get("/CodeSystem", params={"url": CPT, "version": "2026"}).json()
    assert small["entry"][0]["resource"]["concept"]


def test_search_leaves_out_the_concepts_of_large_code_systems() -> None:
    concepts = [{"code": str(n)} for n in range(SEARCH_CONCEPT_LIMIT + 1)]
    large = {"resourceType": "CodeSystem", "id": "x", "url": "http://x", "concept": concepts}
    listed = search_entry(large, None, None)
    assert "concept" not in listed
    assert listed["meta"]["tag"][0]["code"] == "SUBSETTED"
    assert search_entry(large, "false", None)["concept"] == concepts
    assert search_entry(large, None, ["concept"])["concept"] == concepts
    small = {**large, "concept": concepts[:SEARCH_CONCEPT_LIMIT]}
    assert search_entry(small, None, None) == small


def test_a_search_page_is_bounded(server: RunningServer) -> None:
    bundle = server.get("/CodeSystem", params={"_count": "5"}).json()
    assert len(bundle["entry"]) == 5
    assert any(link["relation"] == "next" for link in bundle["link"])
