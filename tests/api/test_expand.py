"""``ValueSet/$expand`` over real HTTP against the built-in chest-imaging content."""

from __future__ import annotations

import re
from typing import Any

import pytest

from terminology.uris import CPT, LOINC, PROJECT_BASE
from tests.conftest import RunningServer
from tests.helpers import single_issue, tx_type

VS = f"{PROJECT_BASE}/ValueSet"
CT = f"{VS}/chest-ct-procedures"
PROCEDURES = f"{VS}/chest-imaging-procedures"
EXPAND = "/ValueSet/$expand"
TOY = "http://example.org/fhir/CodeSystem/expand-toy"
EXT_CONTAINS_PROPERTY = (
    "http://hl7.org/fhir/5.0/StructureDefinition/extension-ValueSet.expansion.contains.property"
)


def expand(server: RunningServer, **params: Any) -> dict[str, Any]:
    r = server.get(EXPAND, params=params)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["resourceType"] == "ValueSet"
    return body


def post(server: RunningServer, *parameters: dict[str, Any], status: int = 200) -> dict[str, Any]:
    r = server.post(EXPAND, json={"resourceType": "Parameters", "parameter": list(parameters)})
    assert r.status_code == status, r.text
    return r.json()


def expansion_parameters(body: dict[str, Any]) -> list[tuple[str, Any]]:
    return [
        (p["name"], next(v for k, v in p.items() if k.startswith("value")))
        for p in body["expansion"].get("parameter", [])
    ]


def codes(body: dict[str, Any]) -> list[str]:
    out: list[str] = []

    def walk(items: list[dict[str, Any]]) -> None:
        for item in items:
            out.append(item["code"])
            walk(item.get("contains", []))

    walk(body["expansion"].get("contains", []))
    return out


def toy_code_system() -> dict[str, Any]:
    return {
        "resourceType": "CodeSystem",
        "url": TOY,
        "version": "1",
        "name": "ExpandToy",
        "status": "active",
        "content": "complete",
        "language": "en",
        "hierarchyMeaning": "is-a",
        "property": [{"code": "status", "type": "code"}],
        "concept": [
            {
                "code": "lung",
                "display": "Lung finding",
                "designation": [{"language": "de", "value": "Lungenbefund"}],
                "concept": [
                    {"code": "nodule", "display": "Pulmonary nodule"},
                    {
                        "code": "mass",
                        "display": "Pulmonary mass",
                        "property": [{"code": "status", "valueCode": "retired"}],
                    },
                ],
            },
            {"code": "pleura", "display": "Pleural finding"},
        ],
    }


def tx(resource: dict[str, Any]) -> dict[str, Any]:
    return {"name": "tx-resource", "resource": resource}


def inline(compose: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": "valueSet",
        "resource": {
            "resourceType": "ValueSet",
            "url": "http://example.org/fhir/ValueSet/toy",
            "status": "active",
            "compose": compose,
        },
    }


# -- our content -------------------------------------------------------------------------------


def test_chest_ct_procedures(server: RunningServer) -> None:
    body = expand(server, url=CT)
    assert body["url"] == CT and body["status"] == "active"
    expansion = body["expansion"]
    assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", expansion["identifier"])
    assert expansion["timestamp"]
    found = codes(body)
    assert {"71250", "71260", "71270", "71271", "71275"} <= set(found)
    assert expansion["total"] == len(found)
    ct = next(c for c in expansion["contains"] if c["code"] == "71250")
    assert ct["system"] == CPT and ct["display"]
    used = {v for n, v in expansion_parameters(body) if n == "used-codesystem"}
    assert f"{CPT}|2026" in used
    assert any(u.startswith(f"{LOINC}|") for u in used)
    # No parameter the request did not send is echoed.
    assert {n for n, _ in expansion_parameters(body)} <= {"used-codesystem", "used-fragment"}


def test_instance_level_and_post(server: RunningServer) -> None:
    r = server.get("/ValueSet/chest-ct-procedures/$expand")
    assert r.status_code == 200, r.text
    assert r.json()["url"] == CT
    body = post(server, {"name": "url", "valueUri": CT}, {"name": "count", "valueInteger": 3})
    assert len(body["expansion"]["contains"]) == 3


def test_paging(server: RunningServer) -> None:
    first = expand(server, url=PROCEDURES, count=5, offset=0)
    second = expand(server, url=PROCEDURES, count=5, offset=5)
    assert len(codes(first)) == len(codes(second)) == 5
    assert not set(codes(first)) & set(codes(second))
    assert first["expansion"]["total"] == second["expansion"]["total"] > 10
    assert second["expansion"]["offset"] == 5
    assert ("count", 5) in expansion_parameters(second)
    assert ("offset", 5) in expansion_parameters(second)


def test_count_zero_gives_the_total_only(server: RunningServer) -> None:
    body = expand(server, url=PROCEDURES, count=0)
    assert body["expansion"]["total"] > 0
    assert "contains" not in body["expansion"]


def test_text_filter(server: RunningServer) -> None:
    body = expand(server, url=CT, filter="angio")
    found = body["expansion"]["contains"]
    assert found and body["expansion"]["total"] == len(found)
    assert all("angio" in c["display"].lower() for c in found)
    assert ("filter", "angio") in expansion_parameters(body)


def test_date_of_service_picks_the_version_in_force(server: RunningServer) -> None:
    assert "71020" not in codes(expand(server, url=PROCEDURES))
    old = expand(server, url=PROCEDURES, date="2017-06-01")
    assert "71020" in codes(old)
    assert ("used-codesystem", f"{CPT}|2017") in expansion_parameters(old)


def test_unknown_value_set_is_404(server: RunningServer) -> None:
    r = server.get(EXPAND, params={"url": f"{VS}/nope"})
    assert r.status_code == 404
    issue = single_issue(r.json())
    assert issue["code"] == "not-found" and tx_type(issue) == "not-found"
    assert server.get("/ValueSet/nope/$expand").status_code == 404


def test_too_costly_with_a_lowered_threshold(server: RunningServer) -> None:
    r = server.get(EXPAND, params={"url": CT}, headers={"X-TOO-COSTLY-THRESHOLD": "5"})
    assert 400 <= r.status_code < 500
    assert single_issue(r.json())["code"] == "too-costly"
    paged = server.get(
        EXPAND, params={"url": CT, "count": 5}, headers={"X-TOO-COSTLY-THRESHOLD": "5"}
    )
    assert paged.status_code == 200


def test_too_costly_beyond_the_default_limit(server: RunningServer) -> None:
    big = toy_code_system()
    big["concept"] = [{"code": f"c{i}", "display": f"Code {i}"} for i in range(1001)]
    r = server.post(
        EXPAND,
        json={
            "resourceType": "Parameters",
            "parameter": [tx(big), inline({"include": [{"system": TOY}]})],
        },
    )
    assert 400 <= r.status_code < 500
    assert single_issue(r.json())["code"] == "too-costly"
    body = post(
        server,
        tx(big),
        inline({"include": [{"system": TOY}]}),
        {"name": "count", "valueInteger": 10},
    )
    assert body["expansion"]["total"] == 1001 and len(body["expansion"]["contains"]) == 10


# -- tx-resource content -----------------------------------------------------------------------


def test_filters_nest_by_hierarchy_unless_excluded(server: RunningServer) -> None:
    compose = {
        "include": [
            {"system": TOY, "filter": [{"property": "concept", "op": "is-a", "value": "lung"}]}
        ]
    }
    nested = post(server, tx(toy_code_system()), inline(compose))
    (root,) = nested["expansion"]["contains"]
    assert root["code"] == "lung"
    assert {c["code"] for c in root["contains"]} == {"nodule", "mass"}
    assert nested["expansion"]["total"] == 3
    assert ("used-codesystem", f"{TOY}|1") in expansion_parameters(nested)
    flat = post(
        server,
        tx(toy_code_system()),
        inline(compose),
        {"name": "excludeNested", "valueBoolean": True},
    )
    assert [c["code"] for c in flat["expansion"]["contains"]] == ["lung", "nodule", "mass"]


def test_inactive_codes_are_flagged_and_active_only_drops_them(server: RunningServer) -> None:
    compose = {"include": [{"system": TOY}]}
    body = post(
        server,
        tx(toy_code_system()),
        inline(compose),
        {"name": "excludeNested", "valueBoolean": True},
    )
    mass = next(c for c in body["expansion"]["contains"] if c["code"] == "mass")
    assert mass["inactive"] is True
    status = next(e for e in mass["extension"] if e["url"] == EXT_CONTAINS_PROPERTY)
    assert {"url": "value", "valueCode": "retired"} in status["extension"]
    active = post(
        server,
        tx(toy_code_system()),
        inline(compose),
        {"name": "activeOnly", "valueBoolean": True},
    )
    assert "mass" not in codes(active)
    assert ("activeOnly", True) in expansion_parameters(active)


def test_designations_and_display_language(server: RunningServer) -> None:
    compose = {"include": [{"system": TOY, "concept": [{"code": "lung"}]}]}
    plain = post(server, tx(toy_code_system()), inline(compose))
    assert "designation" not in plain["expansion"]["contains"][0]
    body = post(
        server,
        tx(toy_code_system()),
        inline(compose),
        {"name": "includeDesignations", "valueBoolean": True},
    )
    assert body["expansion"]["contains"][0]["designation"] == [
        {"language": "de", "value": "Lungenbefund"}
    ]
    german = post(
        server,
        tx(toy_code_system()),
        inline(compose),
        {"name": "displayLanguage", "valueCode": "de"},
    )
    assert german["expansion"]["contains"][0]["display"] == "Lungenbefund"
    assert ("displayLanguage", "de") in expansion_parameters(german)


@pytest.mark.parametrize(
    ("compose", "tx_code"),
    [
        (
            {"include": [{"system": TOY, "filter": [{"property": "concept", "op": "is-a"}]}]},
            "vs-invalid",
        ),
        (
            {
                "include": [
                    {"system": TOY, "filter": [{"property": "size", "op": "=", "value": "big"}]}
                ]
            },
            "vs-invalid",
        ),
        ({"include": [{"system": TOY, "version": "9"}]}, "not-found"),
        ({"include": [{"system": "http://example.org/unknown"}]}, "not-found"),
    ],
)
def test_broken_definitions_are_4xx(
    server: RunningServer, compose: dict[str, Any], tx_code: str
) -> None:
    r = server.post(
        EXPAND,
        json={"resourceType": "Parameters", "parameter": [tx(toy_code_system()), inline(compose)]},
    )
    assert 400 <= r.status_code < 500, r.text
    issue = single_issue(r.json())
    assert tx_type(issue) == tx_code
    if compose["include"][0].get("version"):
        assert "Valid versions: 1" in issue["details"]["text"]


def test_capabilities_list_expand(server: RunningServer) -> None:
    statement = server.get("/metadata").json()
    value_set = next(r for r in statement["rest"][0]["resource"] if r["type"] == "ValueSet")
    assert {o["name"] for o in value_set["operation"]} == {
        "expand",
        "validate-code",
        "batch-validate-code",
    }
    caps = server.get("/metadata", params={"mode": "terminology"}).json()
    names = {p["name"] for p in caps["expansion"]["parameter"]}
    assert {"count", "offset", "filter", "activeOnly", "tx-resource"} <= names
    assert caps["expansion"]["paging"] is True
