"""FHIR R5 beside R4 over real HTTP: ``/fhir/r5`` (and ``fhirVersion=5.0`` on ``/fhir``) asks
the same engine and gets R5 shapes; the same question on ``/fhir`` gets R4's.

R5 answers are checked against fhir.resources' R5 models (its default package), used in the
tests only.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fhir.resources import get_fhir_model_class as r5_model

from terminology.codec.fhir_xml_read import parse_xml
from terminology.uris import CPT, PROJECT_BASE
from tests.conftest import CONTENT_DIR, RunningServer
from tests.helpers import message_id, single_issue

R5_JSON = "application/fhir+json; fhirVersion=5.0"
X5 = "http://hl7.org/fhir/5.0/StructureDefinition/extension-"
REPLACEMENTS = f"{PROJECT_BASE}/ConceptMap/deleted-code-replacements"
TOY = "http://example.org/fhir/CodeSystem/r5-toy"
STORED = [json.loads(p.read_text()) for p in sorted(Path(CONTENT_DIR).glob("*.json"))]


def r5_valid(resource: dict[str, Any]) -> None:
    """``resource`` is valid FHIR R5 (fhir.resources' R5 models)."""
    r5_model(resource["resourceType"]).model_validate(resource)


def cross_version_extensions(value: Any) -> list[str]:
    """The R5 cross-version extensions anywhere in ``value`` (an R5 answer has none)."""
    found: list[str] = []
    if isinstance(value, dict):
        url = value.get("url")
        if isinstance(url, str) and url.startswith(X5):
            found.append(url)
        for item in value.values():
            found += cross_version_extensions(item)
    elif isinstance(value, list):
        for item in value:
            found += cross_version_extensions(item)
    return found


def toy_expand_request() -> dict[str, Any]:
    code_system = {
        "resourceType": "CodeSystem",
        "url": TOY,
        "version": "1",
        "name": "R5Toy",
        "status": "active",
        "content": "complete",
        "versionAlgorithmString": "semver",  # an R5 element in the request
        "property": [
            {
                "code": "status",
                "uri": "http://hl7.org/fhir/concept-properties#status",
                "type": "code",
            }
        ],
        "concept": [
            {
                "code": "lung",
                "display": "Lung finding",
                "concept": [
                    {
                        "code": "mass",
                        "display": "Pulmonary mass",
                        "property": [{"code": "status", "valueCode": "retired"}],
                    },
                ],
            },
        ],
    }
    value_set = {
        "resourceType": "ValueSet",
        "url": "http://example.org/fhir/ValueSet/r5-toy",
        "status": "active",
        # child-of is R5's; an R5 client sends it as the element
        "compose": {
            "include": [
                {
                    "system": TOY,
                    "filter": [{"property": "concept", "op": "child-of", "value": "lung"}],
                }
            ]
        },
    }
    return {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "valueSet", "resource": value_set},
            {"name": "tx-resource", "resource": code_system},
            {"name": "property", "valueString": "status"},
        ],
    }


def test_expansion_properties_are_extensions_on_r4_and_elements_on_r5(
    server: RunningServer,
) -> None:
    r4 = server.post("/ValueSet/$expand", json=toy_expand_request())
    r5 = server.post("/r5/ValueSet/$expand", json=toy_expand_request())
    assert r4.status_code == r5.status_code == 200, (r4.text, r5.text)
    r4_mass = r4.json()["expansion"]["contains"][0]
    r5_body = r5.json()
    r5_mass = r5_body["expansion"]["contains"][0]
    assert r4_mass["code"] == r5_mass["code"] == "mass"
    assert "property" not in r4_mass
    assert [e["url"] for e in r4_mass["extension"]] == [X5 + "ValueSet.expansion.contains.property"]
    assert r5_mass["property"] == [{"code": "status", "valueCode": "retired"}]
    assert r5_body["expansion"]["property"] == [
        {"code": "status", "uri": "http://hl7.org/fhir/concept-properties#status"}
    ]
    assert cross_version_extensions(r5_body) == []
    r5_valid(r5_body)


def test_translate_answers_r4_names_on_r4_and_r5_names_on_r5(server: RunningServer) -> None:
    params = {"url": REPLACEMENTS, "system": CPT, "code": "71020"}
    r4 = server.get("/ConceptMap/$translate", params=params).json()
    r5 = server.get("/r5/ConceptMap/$translate", params=params).json()
    (r4_match,) = [p for p in r4["parameter"] if p["name"] == "match"]
    (r5_match,) = [p for p in r5["parameter"] if p["name"] == "match"]
    r4_parts = {p["name"] for p in r4_match["part"]}
    r5_parts = {p["name"] for p in r5_match["part"]}
    assert {"equivalence", "concept", "source"} <= r4_parts and "relationship" not in r4_parts
    assert {"relationship", "concept", "originMap"} <= r5_parts
    assert not {"equivalence", "source"} & r5_parts
    relationship = next(p for p in r5_match["part"] if p["name"] == "relationship")
    assert relationship["valueCode"] == "source-is-narrower-than-target"
    r5_valid(r5)


def test_a_concept_map_read_on_r5_is_an_r5_concept_map(server: RunningServer) -> None:
    r4 = server.get("/ConceptMap/deleted-code-replacements").json()
    r5 = server.get("/r5/ConceptMap/deleted-code-replacements").json()
    assert "sourceCanonical" in r4 and "sourceScopeCanonical" not in r4
    assert r5["sourceScopeCanonical"] == r4["sourceCanonical"]
    assert r5["targetScopeCanonical"] == r4["targetCanonical"]
    r4_target = r4["group"][0]["element"][0]["target"][0]
    r5_target = r5["group"][0]["element"][0]["target"][0]
    assert r4_target["equivalence"] == "wider"
    assert r5_target["relationship"] == "source-is-narrower-than-target"
    assert "equivalence" not in r5_target
    assert r5["versionAlgorithmCoding"]["code"] == "semver"
    assert cross_version_extensions(r5) == []
    r5_valid(r5)


@pytest.mark.parametrize(
    "resource",
    [r for r in STORED if r.get("resourceType") in ("CodeSystem", "ValueSet", "ConceptMap")],
    ids=lambda r: f"{r['resourceType']}/{r['id']}",
)
def test_every_stored_resource_reads_as_valid_r5(
    server: RunningServer, resource: dict[str, Any]
) -> None:
    r = server.get(f"/r5/{resource['resourceType']}/{resource['id']}")
    assert r.status_code == 200
    body = r.json()
    r5_valid(body)
    assert cross_version_extensions(body) == []


def test_metadata_and_versions_on_each_base(server: RunningServer) -> None:
    assert server.get("/metadata").json()["fhirVersion"] == "4.0.1"
    capability = server.get("/r5/metadata").json()
    assert capability["fhirVersion"] == "5.0.0"
    assert capability["implementation"]["url"].endswith("/fhir/r5")
    r5_valid(capability)
    terminology = server.get("/r5/metadata", params={"mode": "terminology"}).json()
    assert all("content" in cs for cs in terminology["codeSystem"])
    assert cross_version_extensions(terminology) == []
    r5_valid(terminology)
    for path, default in (("/$versions", "4.0"), ("/r5/$versions", "5.0")):
        params = [(p["name"], p["valueCode"]) for p in server.get(path).json()["parameter"]]
        assert params == [("version", "4.0"), ("version", "5.0"), ("default", default)]


def test_fhir_version_in_accept_routes_the_r4_base_to_r5(server: RunningServer) -> None:
    headers = {"Accept": R5_JSON}
    metadata = server.get("/metadata", headers=headers).json()
    assert metadata["fhirVersion"] == "5.0.0"
    assert metadata["implementation"]["url"].endswith("/fhir")  # the base the client used
    params = {"url": REPLACEMENTS, "system": CPT, "code": "71020"}
    # The response cache keeps R4 and R5 answers apart: ask R4 first, then R5, then R4.
    for accept, part in ((None, "equivalence"), (R5_JSON, "relationship"), (None, "equivalence")):
        h = {"Accept": accept} if accept else {}
        body = server.get("/ConceptMap/$translate", params=params, headers=h).json()
        (match,) = [p for p in body["parameter"] if p["name"] == "match"]
        names = {p["name"] for p in match["part"]}
        assert part in names
        assert ("equivalence" in names) == (accept is None)


def test_a_body_that_says_r5_is_answered_as_r5(server: RunningServer) -> None:
    r = server.post(
        "/ValueSet/$expand",
        data=json.dumps(toy_expand_request()),
        headers={"Content-Type": R5_JSON},
    )
    assert r.status_code == 200, r.text
    assert r.json()["expansion"]["contains"][0]["property"][0]["code"] == "status"


@pytest.mark.parametrize(
    ("path", "headers", "status"),
    [
        ("/metadata", {"Accept": "application/fhir+json; fhirVersion=3.0"}, 406),
        ("/r5/metadata", {"Accept": "application/fhir+json; fhirVersion=6.0"}, 406),
        ("/r5/metadata", {"Accept": "application/fhir+json; fhirVersion=4.0"}, 406),
        ("/metadata?_format=application/fhir%2Bjson;fhirVersion=3.0", {}, 406),
    ],
)
def test_an_unsupported_fhir_version_is_refused(
    server: RunningServer, path: str, headers: dict[str, str], status: int
) -> None:
    r = server.get(path, headers=headers)
    assert r.status_code == status
    issue = single_issue(r.json())
    assert issue["code"] == "not-supported"
    assert message_id(issue) in (
        "chest-imaging:NOT_ACCEPTABLE_VERSION",
        "chest-imaging:R5_ENDPOINT_VERSION",
    )


def test_a_body_in_an_unsupported_fhir_version_is_415(server: RunningServer) -> None:
    r = server.post(
        "/r5/ValueSet/$expand",
        data=json.dumps(toy_expand_request()),
        headers={"Content-Type": "application/fhir+json; fhirVersion=3.0"},
    )
    assert r.status_code == 415
    assert single_issue(r.json())["code"] == "not-supported"


def test_xml_on_r5_is_r5_xml(server: RunningServer) -> None:
    xml = server.get(
        "/r5/ConceptMap/deleted-code-replacements", headers={"Accept": "application/fhir+xml"}
    )
    assert xml.status_code == 200
    assert xml.headers["Content-Type"].startswith("application/fhir+xml")
    as_json = server.get("/r5/ConceptMap/deleted-code-replacements").json()
    # Read back with the R5 table, and by fhir.resources' own R5 XML reader.
    assert parse_xml(xml.content, r5=True) == as_json
    model = r5_model("ConceptMap")
    assert model.model_validate_xml(xml.content).model_dump(mode="json") == (
        model.model_validate(as_json).model_dump(mode="json")
    )
    text = xml.text
    assert "<relationship value=" in text and "<equivalence" not in text
    assert text.index("<versionAlgorithmCoding>") < text.index("<name ")  # R5 element order


def test_xml_bodies_and_answers_on_r5(server: RunningServer) -> None:
    headers = {"Accept": "application/fhir+xml"}
    r = server.post(
        "/r5/ValueSet/$expand",
        data=json.dumps(toy_expand_request()),
        headers={**headers, "Content-Type": "application/fhir+json"},
    )
    assert r.status_code == 200, r.text
    expansion = parse_xml(r.content, r5=True)
    as_json = server.post("/r5/ValueSet/$expand", json=toy_expand_request()).json()
    mass = expansion["expansion"]["contains"][0]
    assert mass["property"] == as_json["expansion"]["contains"][0]["property"]
    r5_valid(expansion)


def test_a_batch_on_r5_answers_each_entry_in_r5(server: RunningServer) -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "batch",
        "entry": [
            {
                "request": {
                    "method": "GET",
                    "url": f"ConceptMap/$translate?url={REPLACEMENTS}&system={CPT}&code=71020",
                }
            },
            {"request": {"method": "GET", "url": "ConceptMap/deleted-code-replacements"}},
        ],
    }
    for path in ("/r5", "/"):
        headers = {} if path == "/r5" else {"Accept": R5_JSON}
        r = server.post(path, json=bundle, headers=headers)
        assert r.status_code == 200, r.text
        translated, concept_map = (e["resource"] for e in r.json()["entry"])
        (match,) = [p for p in translated["parameter"] if p["name"] == "match"]
        assert {p["name"] for p in match["part"]} >= {"relationship", "originMap"}
        assert "sourceScopeCanonical" in concept_map
    r4 = server.post("/", json=bundle).json()
    assert "sourceCanonical" in r4["entry"][1]["resource"]
