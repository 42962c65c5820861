"""FHIR XML out and in (codec/fhir_xml.py) on plain dicts: round trips over every shipped
resource, agreement with fhir.resources' own XML reading, and hostile XML refused."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class

from terminology.codec.fhir_models import ELEMENT_TABLE, ELEMENT_TABLE_R5, element_table
from terminology.codec.fhir_xml import to_xml
from terminology.codec.fhir_xml_read import MAX_DEPTH, parse_xml
from terminology.errors import TerminologyError
from tests.conftest import CONTENT_DIR

ROOT = CONTENT_DIR.parent
SHIPPED = sorted(CONTENT_DIR.rglob("*.json")) + sorted((ROOT / "conformance").rglob("*.json"))
MESSAGE_ID = "http://hl7.org/fhir/StructureDefinition/operationoutcome-message-id"


def pruned(value: Any) -> Any:
    """``value`` as FHIR XML can carry it: no empty arrays or objects, no nulls."""
    if isinstance(value, dict):
        out = {k: pruned(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in (None, [], {})}
    if isinstance(value, list):
        return [pruned(v) for v in value]
    return value


@pytest.mark.parametrize(("path", "release"), [(ELEMENT_TABLE, "R4B"), (ELEMENT_TABLE_R5, "R5")])
def test_the_element_table_is_what_the_pinned_models_give(path: Path, release: str) -> None:
    committed = json.loads(path.read_text(encoding="utf-8"))
    assert committed == element_table(release), (
        "regenerate with: python -m terminology.codec.fhir_models"
    )


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_resource_round_trips(path: Path) -> None:
    resource = json.loads(path.read_text(encoding="utf-8"))
    if "resourceType" not in resource:
        pytest.skip("not a resource")
    assert parse_xml(to_xml(resource)) == pruned(resource)


PARAMETERS: dict[str, Any] = {
    "resourceType": "Parameters",
    "parameter": [
        {"name": "result", "valueBoolean": False},
        {"name": "count", "valueInteger": 20},
        {"name": "weight", "valueDecimal": 1.5},
        {"name": "display", "valueString": 'a & b < c > "d"\n\ttab'},
        {
            "name": "issues",
            "resource": {
                "resourceType": "OperationOutcome",
                "issue": [
                    {
                        "extension": [{"url": MESSAGE_ID, "valueString": "X"}],
                        "severity": "error",
                        "code": "code-invalid",
                        "details": {"text": "t"},
                        "expression": ["Coding.code", "Coding.system"],
                    }
                ],
            },
        },
        {"name": "property", "part": [{"name": "code", "valueCode": "inactive"}]},
    ],
}

PRIMITIVE_EXTRAS: dict[str, Any] = {
    "resourceType": "ValueSet",
    "id": "x",
    "text": {
        "status": "generated",
        "div": '<div xmlns="http://www.w3.org/1999/xhtml"><p class="a">x &amp; <b>y</b></p></div>',
    },
    "contained": [
        {"resourceType": "CodeSystem", "id": "cs", "status": "draft", "content": "complete"}
    ],
    "url": "http://example.org/vs",
    "identifier": [{"id": "i1", "system": "urn:x", "value": "1"}],
    "status": "active",
    "_status": {"id": "s1", "extension": [{"url": "urn:e", "valueCode": "c"}]},
    "compose": {
        "include": [
            {
                "system": "urn:x",
                "concept": [
                    {"code": "a", "_code": {"extension": [{"url": "urn:e", "valueInteger": 1}]}}
                ],
            }
        ]
    },
    "jurisdiction": [{"coding": [{"system": "urn:iso:std:iso:3166", "code": "US"}]}],
}

PRIMITIVE_ARRAY: dict[str, Any] = {
    "resourceType": "OperationOutcome",
    "issue": [
        {
            "severity": "error",
            "code": "invalid",
            "expression": ["a", None, "c"],
            "_expression": [None, {"extension": [{"url": "urn:e", "valueString": "b"}]}, None],
        }
    ],
}


@pytest.mark.parametrize("resource", [PARAMETERS, PRIMITIVE_EXTRAS, PRIMITIVE_ARRAY])
def test_round_trip_keeps_types_ids_extensions_and_arrays(resource: dict[str, Any]) -> None:
    assert parse_xml(to_xml(resource)) == resource


def test_elements_are_written_in_fhir_order_whatever_the_dict_order() -> None:
    shuffled = {
        "compose": PRIMITIVE_EXTRAS["compose"],
        "status": "active",
        "url": "http://example.org/vs",
        "resourceType": "ValueSet",
        "id": "x",
    }
    xml = to_xml(shuffled).decode()
    positions = [xml.index(f"<{name}") for name in ("id", "url", "status", "compose")]
    assert positions == sorted(positions)
    assert xml.startswith(
        '<?xml version="1.0" encoding="UTF-8"?><ValueSet xmlns="http://hl7.org/fhir">'
    )


def test_datatype_id_and_extension_url_are_attributes() -> None:
    xml = to_xml(PRIMITIVE_EXTRAS).decode()
    assert '<identifier id="i1">' in xml
    assert '<status id="s1" value="active"><extension url="urn:e"><valueCode value="c"/>' in xml
    assert '<contained><CodeSystem><id value="cs"/>' in xml
    assert '<div xmlns="http://www.w3.org/1999/xhtml"><p class="a">' in xml


def test_characters_xml_cannot_carry_are_replaced_not_sent() -> None:
    outcome = {
        "resourceType": "OperationOutcome",
        "issue": [
            {"severity": "error", "code": "invalid", "details": {"text": "a\x00b\x1bc\ud800"}}
        ],
    }
    back = parse_xml(to_xml(outcome))
    assert back["issue"][0]["details"]["text"] == "a\ufffdb\ufffdc\ufffd"


def test_a_malformed_narrative_is_sent_as_text() -> None:
    resource = {
        "resourceType": "CodeSystem",
        "text": {"status": "generated", "div": "<div><p>x</div>"},
    }
    back = parse_xml(to_xml(resource))
    assert (
        back["text"]["div"]
        == '<div xmlns="http://www.w3.org/1999/xhtml">&lt;div&gt;&lt;p&gt;x&lt;/div&gt;</div>'
    )


def test_unknown_elements_are_kept_for_the_structure_check() -> None:
    xml = (
        b'<Claim xmlns="http://hl7.org/fhir"><status value="active"/>'
        b'<bogus value="1"/><bogus value="2"/><weird><inner value="x"/></weird></Claim>'
    )
    assert parse_xml(xml) == {
        "resourceType": "Claim",
        "status": "active",
        "bogus": ["1", "2"],
        "weird": {"inner": "x"},
    }


lxml = pytest.importorskip("lxml")


def without_element_ids(value: Any, is_resource: bool = False) -> Any:
    if isinstance(value, list):
        return [without_element_ids(v) for v in value]
    if not isinstance(value, dict):
        return value
    is_resource = is_resource or "resourceType" in value
    return {
        k: without_element_ids(v, k in ("resource", "contained"))
        for k, v in value.items()
        if is_resource or k != "id"
    }


@pytest.mark.parametrize(
    "resource",
    [PARAMETERS, PRIMITIVE_EXTRAS, PRIMITIVE_ARRAY]
    + [json.loads(p.read_text(encoding="utf-8")) for p in SHIPPED[:40:4]],
    ids=lambda r: str(r.get("id") or r["resourceType"]),
)
def test_fhir_resources_reads_our_xml_as_our_json(resource: dict[str, Any]) -> None:
    """An independent reading: fhir.resources' XML parser (lxml) gets the same resource from
    our XML as its JSON parser gets from our JSON. (Less the ids of datatypes and primitives:
    FHIR XML carries them as an ``id`` attribute, which fhir.resources 8.3 neither reads nor
    writes; it writes an ``<id>`` child element instead.)"""
    resource = without_element_ids(resource, True)
    model = get_fhir_model_class(resource["resourceType"])
    from_xml = model.model_validate_xml(to_xml(resource))
    from_json = model.model_validate(resource)
    assert from_xml.model_dump(mode="json") == from_json.model_dump(mode="json")


# ------------------------------------------------------------------------------- hostile XML


def refused(body: bytes) -> TerminologyError:
    started = time.monotonic()
    with pytest.raises(TerminologyError) as caught:
        parse_xml(body)
    assert time.monotonic() - started < 1
    assert caught.value.status == 400
    return caught.value


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE Parameters [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
 <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
]>
<Parameters xmlns="http://hl7.org/fhir"><parameter><name value="&g;"/></parameter></Parameters>
"""


@pytest.mark.parametrize(
    "body",
    [
        BILLION_LAUGHS,
        b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<Parameters xmlns="http://hl7.org/fhir"><parameter><name value="&x;"/></parameter>'
        b"</Parameters>",
        b'<?xml version="1.0"?><!DOCTYPE Parameters SYSTEM "http://127.0.0.1:9/x.dtd">'
        b'<Parameters xmlns="http://hl7.org/fhir"/>',
        b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY % x SYSTEM "http://127.0.0.1:9/">%x;]>'
        b'<Parameters xmlns="http://hl7.org/fhir"/>',
    ],
    ids=["billion-laughs", "external-file", "external-dtd", "parameter-entity"],
)
def test_dtds_and_entities_are_refused(body: bytes) -> None:
    error = refused(body)
    assert error.code == "security"
    assert "DTD" in error.message or "entity" in error.message


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"<Parameters xmlns='http://hl7.org/fhir'><parameter>", "not well-formed"),
        (b"", "not well-formed"),
        (b"<Parameters/>", "FHIR namespace"),
        (b"<x:Parameters xmlns:x='urn:other'/>", "FHIR namespace"),
        (b"<Patientt xmlns='http://hl7.org/fhir'/>", "not a FHIR R4 resource type"),
        (b"<Parameters xmlns='http://hl7.org/fhir'>text</Parameters>", "holds text"),
        (
            b"<Parameters xmlns='http://hl7.org/fhir'><parameter xmlns='urn:x'/></Parameters>",
            "not in the FHIR namespace",
        ),
        (
            b"<Parameters xmlns='http://hl7.org/fhir'><parameter><resource><Parameters/>"
            b"<Parameters/></resource></parameter></Parameters>",
            "more than one resource",
        ),
    ],
)
def test_what_is_not_fhir_xml_is_a_clear_400(body: bytes, words: str) -> None:
    assert words in refused(body).message


def test_deep_nesting_is_refused_early() -> None:
    depth = 200_000
    body = (
        b"<Parameters xmlns='http://hl7.org/fhir'>"
        + b"<parameter><part>" * depth
        + b"</part></parameter>" * depth
        + b"</Parameters>"
    )
    error = refused(body)
    assert str(MAX_DEPTH) in error.message
