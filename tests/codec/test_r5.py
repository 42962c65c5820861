"""``codec/r5.to_r5``: R4 answers in R5's shapes, on plain dicts."""

from __future__ import annotations

import copy
from typing import Any

from fhir.resources import get_fhir_model_class as r5_model

from terminology.codec.r5 import to_r5
from terminology.engine.filters import EXT_FILTER_OP
from terminology.operations.concept_map_index import index_concept_map

CONCEPT_MAP: dict[str, Any] = {
    "resourceType": "ConceptMap",
    "url": "http://example.org/cm",
    "status": "active",
    "sourceUri": "http://example.org/vs/a",
    "targetCanonical": "http://example.org/vs/b",
    "group": [
        {
            "source": "http://example.org/a",
            "sourceVersion": "1",
            "target": "http://example.org/b",
            "element": [
                {
                    "code": "x",
                    "target": [
                        {
                            "code": "y",
                            "equivalence": "narrower",
                            "dependsOn": [
                                {
                                    "property": "http://example.org/p",
                                    "system": "http://s",
                                    "value": "v",
                                    "display": "V",
                                }
                            ],
                            "product": [{"property": "http://example.org/q", "value": "w"}],
                        }
                    ],
                },
                {"code": "z", "target": [{"equivalence": "unmatched"}]},
            ],
            "unmapped": {"mode": "other-map", "url": "http://example.org/other"},
        }
    ],
}


def test_a_concept_map_becomes_r5_and_reads_the_same() -> None:
    before = copy.deepcopy(CONCEPT_MAP)
    out = to_r5(CONCEPT_MAP)
    assert CONCEPT_MAP == before  # the stored resource is left as it is
    assert list(out)[:5] == [
        "resourceType",
        "url",
        "status",
        "sourceScopeUri",
        "targetScopeCanonical",
    ]
    group = out["group"][0]
    assert group["source"] == "http://example.org/a|1" and "sourceVersion" not in group
    target = group["element"][0]["target"][0]
    assert target["relationship"] == "source-is-broader-than-target"
    assert "equivalence" not in target
    assert target["dependsOn"] == [
        {
            "attribute": "http://example.org/p",
            "valueCoding": {"system": "http://s", "code": "v", "display": "V"},
        }
    ]
    assert target["product"] == [{"attribute": "http://example.org/q", "valueString": "w"}]
    assert group["element"][1] == {"code": "z", "noMap": True}
    assert group["unmapped"] == {"mode": "other-map", "otherMap": "http://example.org/other"}
    r5_model("ConceptMap").model_validate(out)
    assert to_r5(out) == out  # idempotent
    # The engine reads the R5 map as it reads the R4 one.
    r4_index, r5_index = index_concept_map(CONCEPT_MAP), index_concept_map(out)
    assert r4_index.groups[0].source_version == r5_index.groups[0].source_version == "1"
    assert r4_index.groups[0].source == r5_index.groups[0].source == "http://example.org/a"


def test_value_set_extensions_become_elements_inside_parameters() -> None:
    value_set = {
        "resourceType": "ValueSet",
        "status": "active",
        "extension": [
            {
                "url": "http://hl7.org/fhir/StructureDefinition/artifact-versionAlgorithm",
                "valueString": "semver",
            }
        ],
        "version": "1",
        "compose": {
            "include": [
                {
                    "system": "http://s",
                    "filter": [
                        {
                            "property": "concept",
                            "_op": {"extension": [{"url": EXT_FILTER_OP, "valueCode": "child-of"}]},
                            "value": "a",
                        }
                    ],
                }
            ]
        },
    }
    out = to_r5({"resourceType": "Parameters", "parameter": [{"name": "v", "resource": value_set}]})
    converted = out["parameter"][0]["resource"]
    assert converted["versionAlgorithmString"] == "semver" and "extension" not in converted
    assert list(converted).index("versionAlgorithmString") == list(converted).index("version") + 1
    assert converted["compose"]["include"][0]["filter"][0] == {
        "property": "concept",
        "op": "child-of",
        "value": "a",
    }
    r5_model("ValueSet").model_validate(converted)
