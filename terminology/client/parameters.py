"""Building an operation's input from keyword arguments named as FHIR names its parameters.

Primitive values go in the query string of a GET (which the server and any cache in front of
it can answer from cache); a Coding, a CodeableConcept or an inline resource needs a POSTed
``Parameters`` resource, typed by the table below."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from terminology.client.results import CodeableConcept, Coding

#: The FHIR type of each primitive parameter of the terminology operations (others: string).
_PRIMITIVE_TYPES = {
    "url": "Uri",
    "system": "Uri",
    "code": "Code",
    "codeA": "Code",
    "codeB": "Code",
    "date": "DateTime",
    "valueSetVersion": "String",
    "displayLanguage": "Code",
    "property": "Code",
    "targetsystem": "Uri",
    "target": "Uri",
    "source": "Uri",
    "conceptMapVersion": "String",
    "count": "Integer",
    "offset": "Integer",
    "activeOnly": "Boolean",
    "includeDesignations": "Boolean",
    "abstract": "Boolean",
    "reverse": "Boolean",
}
#: Parameters whose value is a whole resource.
_RESOURCE_PARAMETERS = frozenset({"valueSet", "codeSystem", "conceptMap", "tx-resource"})


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _is_complex(name: str, value: Any) -> bool:
    return (
        name in _RESOURCE_PARAMETERS
        or isinstance(value, Coding | CodeableConcept | dict)
        or (isinstance(value, list | tuple) and any(_is_complex(name, v) for v in value))
    )


def _values(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def present(arguments: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in arguments.items() if value is not None}


def needs_post(arguments: Mapping[str, Any]) -> bool:
    return any(_is_complex(name, value) for name, value in arguments.items())


def query(arguments: Mapping[str, Any]) -> dict[str, str | list[str]]:
    out: dict[str, str | list[str]] = {}
    for name, value in arguments.items():
        texts = [_text(v) for v in _values(value)]
        out[name] = texts[0] if len(texts) == 1 else texts
    return out


def _part(name: str, value: Any) -> dict[str, Any]:
    if name in _RESOURCE_PARAMETERS:
        return {"name": name, "resource": value}
    if isinstance(value, Coding):
        return {"name": name, "valueCoding": value.to_fhir()}
    if isinstance(value, CodeableConcept):
        return {"name": name, "valueCodeableConcept": value.to_fhir()}
    if isinstance(value, dict):
        # A Coding or CodeableConcept given as FHIR JSON.
        kind = "CodeableConcept" if "coding" in value or "text" in value else "Coding"
        return {"name": name, f"value{kind}": value}
    fhir_type = _PRIMITIVE_TYPES.get(name, "String")
    if isinstance(value, bool):
        fhir_type = "Boolean"
    elif isinstance(value, int):
        fhir_type = "Integer"
    return {
        "name": name,
        f"value{fhir_type}": value if fhir_type in ("Boolean", "Integer") else _text(value),
    }


def parameters_resource(arguments: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Parameters",
        "parameter": [
            _part(name, value) for name, many in arguments.items() for value in _values(many)
        ],
    }
