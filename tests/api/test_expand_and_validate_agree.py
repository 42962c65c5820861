"""``$expand`` and ``$validate-code`` read a definition the same way: for each definition below,
every code of the code system validates exactly when the expansion lists it.

Both walk one compose plan (``engine/compose.py``); these cases are the ones where the two
once disagreed or easily could: an R5 operator carried in the ``_op`` extension, imports with
a ``default-valueset-version``, excludes, and filters combined with enumerated codes."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.conftest import RunningServer
from tests.helpers import param, parameters

SYSTEM = "http://example.org/fhir/CodeSystem/agree"
EXT_OP = "http://hl7.org/fhir/5.0/StructureDefinition/extension-ValueSet.compose.include.filter.op"

#: code -> parent
TREE = {"root": None, "a": "root", "a1": "a", "a2": "a", "a21": "a2", "b": "root", "b1": "b"}


def code_system() -> dict[str, Any]:
    def children(parent: str | None) -> list[dict[str, Any]]:
        return [
            {"code": c, "display": f"Code {c}", **({"concept": children(c)} if children(c) else {})}
            for c, p in TREE.items()
            if p == parent
        ]

    return {
        "resourceType": "CodeSystem",
        "url": SYSTEM,
        "version": "1",
        "status": "active",
        "content": "complete",
        "hierarchyMeaning": "is-a",
        "concept": children(None),
    }


def value_set(url: str, compose: dict[str, Any], version: str | None = None) -> dict[str, Any]:
    resource = {"resourceType": "ValueSet", "url": url, "status": "active", "compose": compose}
    if version:
        resource["version"] = version
    return resource


CHILD_OF_BY_EXTENSION = {
    "include": [
        {
            "system": SYSTEM,
            "filter": [
                {
                    "property": "concept",
                    "_op": {"extension": [{"url": EXT_OP, "valueCode": "child-of"}]},
                    "value": "a",
                }
            ],
        }
    ]
}
IS_A_MINUS_ENUMERATED = {
    "include": [
        {"system": SYSTEM, "filter": [{"property": "concept", "op": "is-a", "value": "a"}]}
    ],
    "exclude": [{"system": SYSTEM, "concept": [{"code": "a2"}]}],
}
REGEX_AND_LISTED = {
    "include": [
        {
            "system": SYSTEM,
            "concept": [{"code": "a1"}, {"code": "b1"}, {"code": "b"}],
            "filter": [{"property": "code", "op": "regex", "value": "[a-z]1"}],
        }
    ]
}
#: Imports the library value set without a version: default-valueset-version picks version 1.
IMPORT_WITH_DEFAULT_VERSION = {"include": [{"valueSet": ["http://example.org/fhir/ValueSet/lib"]}]}
LIBRARY = [
    value_set(
        "http://example.org/fhir/ValueSet/lib",
        {"include": [{"system": SYSTEM, "concept": [{"code": "b1"}]}]},
        "1",
    ),
    value_set(
        "http://example.org/fhir/ValueSet/lib",
        {"include": [{"system": SYSTEM, "concept": [{"code": "a"}]}]},
        "2",
    ),
]
DEFAULT_VERSION = {
    "name": "default-valueset-version",
    "valueCanonical": "http://example.org/fhir/ValueSet/lib|1",
}


def codes(contains: list[dict[str, Any]]) -> list[str]:
    """Every code of a (possibly nested) expansion."""
    return [c for item in contains for c in (item["code"], *codes(item.get("contains", [])))]


def post(server: RunningServer, operation: str, *items: dict[str, Any]) -> dict[str, Any]:
    response = requests.post(
        f"{server.base}/ValueSet/{operation}",
        json=parameters(*items),
        headers={"Content-Type": "application/fhir+json"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


@pytest.mark.parametrize(
    ("compose", "extra", "members"),
    [
        (CHILD_OF_BY_EXTENSION, (), {"a1", "a2"}),
        (IS_A_MINUS_ENUMERATED, (), {"a", "a1", "a21"}),
        (REGEX_AND_LISTED, (), {"a1", "b1"}),
        (IMPORT_WITH_DEFAULT_VERSION, (DEFAULT_VERSION,), {"b1"}),
    ],
    ids=["child-of-in-_op", "is-a-minus-exclude", "regex-and-listed", "import-default-version"],
)
def test_validate_code_agrees_with_expand(
    server: RunningServer,
    compose: dict[str, Any],
    extra: tuple[dict[str, Any], ...],
    members: set[str],
) -> None:
    definition = value_set("http://example.org/fhir/ValueSet/agree", compose)
    shared = [
        {"name": "tx-resource", "resource": code_system()},
        *({"name": "tx-resource", "resource": vs} for vs in LIBRARY),
        *extra,
        {"name": "valueSet", "resource": definition},
    ]
    expansion = post(server, "$expand", *shared)
    listed = set(codes(expansion["expansion"].get("contains", [])))
    assert listed == members
    for code in TREE:
        answer = post(
            server,
            "$validate-code",
            *shared,
            {"name": "system", "valueUri": SYSTEM},
            {"name": "code", "valueCode": code},
        )
        assert param(answer, "result") is (code in members), (code, answer)
