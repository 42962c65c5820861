"""``ConceptMap/$translate`` over real HTTP against the built-in content."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from terminology.uris import CPT, HCPCS, LOINC, RADLEX, SNOMED
from tests.conftest import CONTENT_DIR, RunningServer
from tests.helpers import message_id, param, single_issue, tx_type

TRANSLATE = "/ConceptMap/$translate"
BASE = "https://chest-imaging-terminology.org/fhir/ConceptMap/"
REPLACEMENTS = BASE + "deleted-code-replacements"
MAPS = [json.loads(p.read_text()) for p in sorted(Path(CONTENT_DIR).glob("ConceptMap-*"))]


def matches(body: dict[str, Any]) -> list[dict[str, Any]]:
    """Each match as {part name: value}."""
    out = []
    for p in body["parameter"]:
        if p["name"] == "match":
            parts: dict[str, Any] = {}
            for part in p["part"]:
                value = next((v for k, v in part.items() if k.startswith("value")), None)
                parts[part["name"]] = value if value is not None else part.get("part")
            out.append(parts)
    return out


def codes(body: dict[str, Any]) -> set[str]:
    return {m["concept"]["code"] for m in matches(body)}


def parameters(*params: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Parameters", "parameter": list(params)}


def post(server: RunningServer, body: dict[str, Any], path: str = TRANSLATE) -> Any:
    return server.post(path, json=body, headers={"Content-Type": "application/fhir+json"})


def test_get_forward_answers_in_r4_shape(server: RunningServer) -> None:
    r = server.get(TRANSLATE, params={"system": CPT, "code": "71046", "targetsystem": LOINC})
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/fhir+json")
    body = r.json()
    assert param(body, "result") is True
    assert param(body, "message") is None
    found = {m["concept"]["code"]: m for m in matches(body)}
    assert set(found) == {"36643-5", "24647-0", "30746-2", "30745-4"}
    two_views = found["36643-5"]
    assert two_views["equivalence"] == "equivalent"
    assert two_views["concept"] == {
        "system": LOINC,
        "code": "36643-5",
        "display": "XR Chest 2 Views",
    }
    assert two_views["source"] == BASE + "cpt-to-loinc-chest-imaging|1.0.0"
    assert "Unverified" in two_views["comment"]
    assert "relationship" not in two_views and "originMap" not in two_views
    assert found["24647-0"]["equivalence"] == "narrower"


@pytest.mark.parametrize("cm", MAPS, ids=[cm["id"] for cm in MAPS])
def test_every_published_map_forward_and_reverse_at_its_instance(
    server: RunningServer, cm: dict[str, Any]
) -> None:
    path = f"/ConceptMap/{cm['id']}/$translate"
    canonical = f"{cm['url']}|{cm['version']}"
    for group in cm["group"]:
        element = group["element"][0]
        target = element["target"][-1]
        forward = server.get(path, params={"system": group["source"], "code": element["code"]})
        assert forward.status_code == 200, forward.text
        answers = {
            (m["concept"]["code"], m["equivalence"], m["source"]) for m in matches(forward.json())
        }
        assert (target["code"], target["equivalence"], canonical) in answers
        back = server.get(
            path,
            params={"system": group["target"], "code": target["code"], "reverse": "true"},
        )
        assert back.status_code == 200, back.text
        assert param(back.json(), "result") is True
        sources = {m["concept"]["code"] for m in matches(back.json())}
        assert element["code"] in sources
        assert all(m["concept"]["system"] == group["source"] for m in matches(back.json()))


def test_reverse_inverts_the_equivalence(server: RunningServer) -> None:
    r = server.get(
        TRANSLATE,
        params={"system": LOINC, "code": "36572-6", "reverse": "true", "targetsystem": CPT},
    )
    [match] = matches(r.json())
    assert match["concept"]["code"] == "71045"
    assert match["equivalence"] == "wider"  # the map says the LOINC term is narrower


def test_the_instance_answers_from_its_own_map_only(server: RunningServer) -> None:
    r = server.get(
        "/ConceptMap/cpt-to-radlex-chest-imaging/$translate",
        params={"system": CPT, "code": "71250"},
    )
    assert [m["concept"]["system"] for m in matches(r.json())] == [RADLEX]
    assert codes(r.json()) == {"RPID16"}


def test_targetsystem_filters_the_answers(server: RunningServer) -> None:
    every = server.get(TRANSLATE, params={"system": CPT, "code": "71250"}).json()
    assert {m["concept"]["system"] for m in matches(every)} == {LOINC, SNOMED, RADLEX}
    snomed = server.get(
        TRANSLATE, params={"system": CPT, "code": "71250", "targetsystem": SNOMED}
    ).json()
    assert {m["concept"]["system"] for m in matches(snomed)} == {SNOMED}


@pytest.mark.parametrize(
    ("system", "code", "on", "expected"),
    [
        (CPT, "71020", "2024-05-01", {"71046"}),
        (CPT, "71021", "2024", {"71047"}),
        (CPT, "71035", "2019-03-01", {"71045", "71046", "71047", "71048"}),
        (HCPCS, "G0297", "2024-05-01", {"71271"}),
    ],
)
def test_what_replaced_a_deleted_code_on_a_date(
    server: RunningServer, system: str, code: str, on: str, expected: set[str]
) -> None:
    r = server.get(
        TRANSLATE, params={"url": REPLACEMENTS, "system": system, "code": code, "date": on}
    )
    assert r.status_code == 200
    assert param(r.json(), "result") is True
    assert codes(r.json()) == expected


def test_no_replacement_before_the_code_was_deleted(server: RunningServer) -> None:
    r = server.get(TRANSLATE, params={"system": CPT, "code": "71020", "date": "2017-06-01"})
    assert r.status_code == 200
    body = r.json()
    assert param(body, "result") is False
    assert "2018-01-01" in param(body, "message")
    assert matches(body) == []


def test_post_parameters_with_a_coding(server: RunningServer) -> None:
    r = post(
        server,
        parameters(
            {"name": "coding", "valueCoding": {"system": CPT, "code": "71275"}},
            {"name": "targetsystem", "valueUri": RADLEX},
        ),
    )
    assert r.status_code == 200, r.text
    assert codes(r.json()) == {"RPID6", "RPID147"}


def test_post_a_form_and_a_codeable_concept(server: RunningServer) -> None:
    form = server.post(
        TRANSLATE,
        data={"system": CPT, "code": "71550", "targetsystem": RADLEX},
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert form.status_code == 200, form.text
    assert codes(form.json()) == {"RPID489"}
    cc = post(
        server,
        parameters(
            {
                "name": "codeableConcept",
                "valueCodeableConcept": {
                    "coding": [{"system": CPT, "code": "71550"}, {"system": CPT, "code": "71551"}]
                },
            },
            {"name": "targetsystem", "valueUri": RADLEX},
        ),
    )
    assert codes(cc.json()) == {"RPID489", "RPID491"}


def test_r5_names_get_relationship_and_origin_map(server: RunningServer) -> None:
    r = post(
        server,
        parameters(
            {"name": "sourceSystem", "valueUri": CPT},
            {"name": "sourceCode", "valueCode": "71045"},
            {"name": "targetSystem", "valueUri": LOINC},
        ),
    )
    found = {m["concept"]["code"]: m for m in matches(r.json())}
    assert found["36572-6"]["equivalence"] == "narrower"
    assert found["36572-6"]["relationship"] == "source-is-broader-than-target"
    assert found["36572-6"]["originMap"] == BASE + "cpt-to-loinc-chest-imaging|1.0.0"
    assert "source" not in found["36572-6"]


def test_r5_reverse_by_target_code(server: RunningServer) -> None:
    r = server.get(
        TRANSLATE, params={"targetCode": "RPID6035", "targetSystem": RADLEX, "system": CPT}
    )
    assert r.status_code == 200, r.text
    [match] = matches(r.json())
    # As tx.fhir.org answers: the concept asked about, the one mapping to it as source, and
    # the relationship as the map states it (71045 is broader than the RadLex portable study).
    assert match["concept"] == {
        "system": RADLEX,
        "code": "RPID6035",
        "display": match["concept"]["display"],
    }
    assert match["source"]["system"] == CPT and match["source"]["code"] == "71045"
    assert match["equivalence"] == "narrower"
    assert match["relationship"] == "source-is-broader-than-target"


def test_no_applicable_map_is_200_result_false(server: RunningServer) -> None:
    r = server.get(TRANSLATE, params={"system": CPT, "code": "99213"})
    assert r.status_code == 200
    assert param(r.json(), "result") is False
    assert "99213" in param(r.json(), "message")
    icd = server.get(
        TRANSLATE, params={"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "J18.9"}
    )
    assert icd.status_code == 200 and param(icd.json(), "result") is False


@pytest.mark.parametrize(
    "params",
    [
        {"url": BASE + "no-such-map", "system": CPT, "code": "71250"},
        {"url": REPLACEMENTS, "conceptMapVersion": "9.9", "system": CPT, "code": "71020"},
    ],
)
def test_an_unknown_map_url_is_404(server: RunningServer, params: dict[str, str]) -> None:
    r = server.get(TRANSLATE, params=params)
    assert r.status_code == 404
    issue = single_issue(r.json())
    assert issue["code"] == "not-found"
    assert message_id(issue) == "chest-imaging:TRANSLATE_MAP_NOT_FOUND"
    assert tx_type(issue) == "not-found"


def test_an_unknown_instance_is_404(server: RunningServer) -> None:
    r = server.get("/ConceptMap/no-such-map/$translate", params={"system": CPT, "code": "71250"})
    assert r.status_code == 404
    assert message_id(single_issue(r.json())) == "chest-imaging:UNKNOWN_RESOURCE"


@pytest.mark.parametrize(
    ("params", "message", "expression"),
    [
        ({"system": CPT}, "TRANSLATE_NO_CODE", "code"),
        ({"code": "71250"}, "TRANSLATE_NO_SYSTEM", "system"),
        (
            {"system": CPT, "code": "71250", "sourceCode": "71260"},
            "TRANSLATE_SEVERAL_FORMS",
            "sourceCode",
        ),
        (
            {"targetCode": "RPID16", "targetSystem": RADLEX, "reverse": "true"},
            "TRANSLATE_REVERSE_CONFLICT",
            "reverse",
        ),
        ({"system": CPT, "code": "71250", "date": "2024-13-45"}, "BAD_DATE", "date"),
        ({"system": CPT, "code": "71250", "reverse": "maybe"}, "BAD_BOOLEAN", "reverse"),
        (
            {"system": CPT, "code": "71250", "targetsystem": LOINC, "targetSystem": SNOMED},
            "LOOKUP_CONFLICT",
            None,
        ),
    ],
)
def test_bad_requests_are_400_with_message_ids(
    server: RunningServer, params: dict[str, str], message: str, expression: str | None
) -> None:
    r = server.get(TRANSLATE, params=params)
    assert r.status_code == 400, r.text
    issue = single_issue(r.json())
    assert message_id(issue) == f"chest-imaging:{message}"
    if expression:
        assert issue["expression"] == [expression]


def test_both_code_and_coding_in_a_post_is_400(server: RunningServer) -> None:
    r = post(
        server,
        parameters(
            {"name": "code", "valueCode": "71250"},
            {"name": "system", "valueUri": CPT},
            {"name": "coding", "valueCoding": {"system": CPT, "code": "71250"}},
        ),
    )
    assert r.status_code == 400
    assert message_id(single_issue(r.json())) == "chest-imaging:TRANSLATE_SEVERAL_FORMS"
    empty = post(server, parameters({"name": "codeableConcept", "valueCodeableConcept": {}}))
    assert empty.status_code == 400
    assert message_id(single_issue(empty.json())) == "chest-imaging:TRANSLATE_EMPTY_CC"


def test_a_malformed_inline_map_is_400(server: RunningServer) -> None:
    bad = {"resourceType": "ConceptMap", "url": "http://x.org/cm", "group": [{"element": 3}]}
    r = post(
        server,
        parameters(
            {"name": "conceptMap", "resource": bad},
            {"name": "system", "valueUri": CPT},
            {"name": "code", "valueCode": "71250"},
        ),
    )
    assert r.status_code == 400
    issue = single_issue(r.json())
    assert message_id(issue) == "chest-imaging:MALFORMED_RESOURCE"
    assert "ConceptMap.group[0].element" in issue["details"]["text"]


def test_an_inline_map_is_used_for_the_request(server: RunningServer) -> None:
    inline = {
        "resourceType": "ConceptMap",
        "url": "http://example.org/cm/inline",
        "version": "2",
        "group": [
            {
                "source": CPT,
                "target": "http://example.org/local",
                "element": [
                    {"code": "71250", "target": [{"code": "CT-CHEST", "equivalence": "equal"}]}
                ],
            }
        ],
    }
    r = post(
        server,
        parameters(
            {"name": "conceptMap", "resource": inline},
            {"name": "system", "valueUri": CPT},
            {"name": "code", "valueCode": "71250"},
        ),
    )
    [match] = matches(r.json())
    assert match["concept"] == {"system": "http://example.org/local", "code": "CT-CHEST"}
    assert match["equivalence"] == "equal"
    assert match["source"] == "http://example.org/cm/inline|2"


def test_metadata_lists_translate(server: RunningServer) -> None:
    statement = server.get("/metadata").json()
    [concept_map] = [r for r in statement["rest"][0]["resource"] if r["type"] == "ConceptMap"]
    assert concept_map["operation"] == [
        {
            "name": "translate",
            "definition": "http://hl7.org/fhir/OperationDefinition/ConceptMap-translate",
        }
    ]


def test_dependency_parts_pick_the_target_that_applies(server: RunningServer) -> None:
    side = "http://example.org/element/laterality"
    inline = {
        "resourceType": "ConceptMap",
        "url": "http://example.org/cm/dep",
        "group": [
            {
                "source": CPT,
                "target": "http://example.org/local",
                "element": [
                    {
                        "code": "71250",
                        "target": [
                            {
                                "code": "CT-L",
                                "equivalence": "wider",
                                "dependsOn": [{"property": side, "value": "L"}],
                            },
                            {
                                "code": "CT-R",
                                "equivalence": "wider",
                                "dependsOn": [{"property": side, "value": "R"}],
                            },
                        ],
                    }
                ],
            }
        ],
    }
    common = (
        {"name": "conceptMap", "resource": inline},
        {"name": "system", "valueUri": CPT},
        {"name": "code", "valueCode": "71250"},
    )
    every = post(server, parameters(*common))
    assert codes(every.json()) == {"CT-L", "CT-R"}
    first = matches(every.json())[0]
    assert first["dependsOn"] == [
        {"name": "element", "valueUri": side},
        {"name": "concept", "valueCoding": {"code": "L"}},
    ]
    right = post(
        server,
        parameters(
            *common,
            {
                "name": "dependency",
                "part": [
                    {"name": "element", "valueUri": side},
                    {"name": "concept", "valueCodeableConcept": {"coding": [{"code": "R"}]}},
                ],
            },
        ),
    )
    assert right.status_code == 200, right.text
    assert codes(right.json()) == {"CT-R"}
    bad = post(server, parameters(*common, {"name": "dependency", "valueString": "R"}))
    assert bad.status_code == 400
    assert message_id(single_issue(bad.json())) == "chest-imaging:BAD_PARAMETER_TYPE"


def test_translate_in_a_batch(server: RunningServer) -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "batch",
        "entry": [
            {
                "request": {
                    "method": "GET",
                    "url": f"ConceptMap/$translate?system={CPT}&code=71020&date=2024-05-01",
                }
            },
            {"request": {"method": "GET", "url": "ConceptMap/nope/$translate?code=1"}},
        ],
    }
    r = server.post("", json=bundle, headers={"Content-Type": "application/fhir+json"})
    assert r.status_code == 200, r.text
    first, second = r.json()["entry"]
    assert first["response"]["status"] == "200 OK"
    assert codes(first["resource"]) == {"71046"}
    assert second["response"]["status"] == "404 Not Found"


def test_terminology_capabilities_say_no_map_need_be_named(server: RunningServer) -> None:
    capabilities = server.get("/metadata", params={"mode": "terminology"}).json()
    assert capabilities["translation"] == {"needsMap": False}


def test_a_map_sent_without_a_url_is_not_named_in_the_matches(server: RunningServer) -> None:
    inline = {
        "resourceType": "ConceptMap",
        "group": [
            {
                "source": CPT,
                "target": "http://example.org/local",
                "element": [{"code": "71250", "target": [{"code": "X", "equivalence": "equal"}]}],
            }
        ],
    }
    r = post(
        server,
        parameters(
            {"name": "conceptMap", "resource": inline},
            {"name": "system", "valueUri": CPT},
            {"name": "code", "valueCode": "71250"},
        ),
    )
    [match] = matches(r.json())
    assert set(match) == {"equivalence", "concept"}
