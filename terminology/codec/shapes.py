"""The shape of every resource a request brings (``valueSet``, ``codeSystem``, ``tx-resource``),
checked once at the edge before anything walks it.

The core reads these resources as plain dicts, trusting that ``compose.include`` is a list of
objects and ``concept.code`` a string. Rather than guard every read, the parts the core reads are
checked here against a small schema: a wrong JSON type is a 400 OperationOutcome naming the
element, never an ``AttributeError`` deep inside expansion. Elements the core does not read are
not checked (clients and conformance suites send R5 elements and extensions of their own), and
parsing every inline resource with the FHIR models would cost far more than this walk. The walk
is iterative with a depth bound, so a deeply nested resource cannot exhaust the stack.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from terminology.errors import TerminologyError
from terminology.messages import Whole, msg, shorten

#: Deepest nesting of ``concept`` (or ``contains``, ``extension``) a request may send. ICD-10-CM
#: nests seven levels and the deepest SNOMED CT hierarchy about thirty.
MAX_DEPTH = 100

# A schema is a type name, a list of one schema (a JSON array of it), or a dict of element
# schemas (a JSON object whose other elements are not checked; a key written "!code" must be
# present).
Schema = str | list[Any] | dict[str, Any]

_STR = "string"
_BOOL = "boolean"
# Recursive elements refer to their schema by name, resolved in ``_SCHEMAS``.
_EXTENSIONS = "@extension"
_CONCEPTS = "@concept"
_RESOURCE = "@resource"

_CODING: dict[str, Any] = {
    "system": _STR,
    "version": _STR,
    "code": _STR,
    "display": _STR,
}
_DESIGNATION: dict[str, Any] = {
    "language": _STR,
    "value": _STR,
    "use": _CODING,
    "extension": _EXTENSIONS,
}
_PROPERTY_VALUE: dict[str, Any] = {
    "!code": _STR,
    "valueCode": _STR,
    "valueString": _STR,
    "valueBoolean": _BOOL,
    "valueCoding": _CODING,
    "valueDateTime": _STR,
    "extension": _EXTENSIONS,
}
_CONCEPT: dict[str, Any] = {
    "code": _STR,
    "display": _STR,
    "definition": _STR,
    "designation": [_DESIGNATION],
    "property": [_PROPERTY_VALUE],
    "extension": _EXTENSIONS,
    "concept": _CONCEPTS,
}
_FILTER: dict[str, Any] = {
    "property": _STR,
    "op": _STR,
    "_op": {"extension": _EXTENSIONS},
    "value": _STR,
}
_INCLUDE: dict[str, Any] = {
    "system": _STR,
    "version": _STR,
    "concept": [
        {
            "code": _STR,
            "display": _STR,
            "designation": [_DESIGNATION],
            "extension": _EXTENSIONS,
        }
    ],
    "filter": [_FILTER],
    "valueSet": [_STR],
    "extension": _EXTENSIONS,
}
_COMMON: dict[str, Any] = {
    "resourceType": _STR,
    "id": _STR,
    "url": _STR,
    "version": _STR,
    "name": _STR,
    "title": _STR,
    "status": _STR,
    "language": _STR,
    "extension": _EXTENSIONS,
    "contained": [_RESOURCE],
}
_VALUE_SET: dict[str, Any] = {
    **_COMMON,
    "compose": {
        "inactive": _BOOL,
        "include": [_INCLUDE],
        "exclude": [_INCLUDE],
        "extension": _EXTENSIONS,
    },
}
_CODE_SYSTEM: dict[str, Any] = {
    **_COMMON,
    "content": _STR,
    "supplements": _STR,
    "caseSensitive": _BOOL,
    "hierarchyMeaning": _STR,
    "property": [{"!code": _STR, "type": _STR, "uri": _STR, "description": _STR}],
    "concept": _CONCEPTS,
}
_MAP_DEPENDENCY: dict[str, Any] = {
    "property": _STR,
    "attribute": _STR,
    "system": _STR,
    "value": _STR,
    "display": _STR,
    "valueCode": _STR,
    "valueString": _STR,
    "valueCoding": _CODING,
}
_CONCEPT_MAP: dict[str, Any] = {
    **_COMMON,
    **{
        f"{side}{kind}": _STR
        for side in ("source", "target")
        for kind in ("Uri", "Canonical", "ScopeUri", "ScopeCanonical")
    },
    "group": [
        {
            "source": _STR,
            "sourceVersion": _STR,
            "target": _STR,
            "targetVersion": _STR,
            "element": [
                {
                    "code": _STR,
                    "display": _STR,
                    "target": [
                        {
                            "code": _STR,
                            "display": _STR,
                            "equivalence": _STR,
                            "relationship": _STR,
                            "comment": _STR,
                            "dependsOn": [_MAP_DEPENDENCY],
                            "product": [_MAP_DEPENDENCY],
                        }
                    ],
                }
            ],
            "unmapped": {
                "mode": _STR,
                "code": _STR,
                "display": _STR,
                "url": _STR,
                "otherMap": _STR,
                "equivalence": _STR,
                "relationship": _STR,
            },
        }
    ],
}
_SCHEMAS: dict[str, Schema] = {
    _EXTENSIONS: [{"url": _STR, "extension": _EXTENSIONS}],
    _CONCEPTS: [_CONCEPT],
    _RESOURCE: {"resourceType": _STR},
}
_BY_TYPE: dict[str, dict[str, Any]] = {
    "ValueSet": _VALUE_SET,
    "CodeSystem": _CODE_SYSTEM,
    "ConceptMap": _CONCEPT_MAP,
}


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, Mapping):
        return "an object"
    return "null"


def _fail(parameter: str, resource_type: str, path: str, reason: str) -> TerminologyError:
    return TerminologyError(
        msg(
            "MALFORMED_RESOURCE",
            parameter=parameter,
            type=resource_type,
            path=shorten(path),
            reason=Whole(reason),
        ),
        code="structure",
        expression=parameter,
    )


def _schema_for(resource: Any) -> dict[str, Any] | None:
    resource_type = resource.get("resourceType") if isinstance(resource, Mapping) else None
    return _BY_TYPE.get(resource_type) if isinstance(resource_type, str) else None


def check_resource(resource: Mapping[str, Any], parameter: str) -> None:
    """Raise a 400 when the parts of ``resource`` the server reads have the wrong JSON type or
    nest deeper than ``MAX_DEPTH``; resources of other types are left alone."""
    top = _schema_for(resource)
    if top is None:
        return
    resource_type = str(resource["resourceType"])
    pending: list[tuple[Any, Schema, str, int]] = [(resource, top, resource_type, 0)]
    while pending:
        value, schema, path, depth = pending.pop()
        if isinstance(schema, str) and schema.startswith("@"):
            if depth >= MAX_DEPTH:
                reason = msg("NESTED_TOO_DEEP", limit=MAX_DEPTH)
                raise _fail(parameter, resource_type, path, reason)
            depth += 1
            if schema == _RESOURCE:
                # A contained resource: checked as its own type, if it is one the core reads.
                if not isinstance(value, Mapping):
                    raise _fail(parameter, resource_type, path, _wrong("an object", value))
                schema = _schema_for(value) or {}
            else:
                schema = _SCHEMAS[schema]
        if schema == _STR:
            if not isinstance(value, str):
                raise _fail(parameter, resource_type, path, _wrong("a string", value))
        elif schema == _BOOL:
            if not isinstance(value, bool):
                raise _fail(parameter, resource_type, path, _wrong("a boolean", value))
        elif isinstance(schema, list):
            if not isinstance(value, list):
                raise _fail(parameter, resource_type, path, _wrong("an array", value))
            for index, item in enumerate(value):
                pending.append((item, schema[0], f"{path}[{index}]", depth))
        elif isinstance(schema, dict):
            if not isinstance(value, Mapping):
                raise _fail(parameter, resource_type, path, _wrong("an object", value))
            for key, element in schema.items():
                if key.startswith("!"):
                    key = key[1:]
                    if value.get(key) is None:
                        raise _fail(parameter, resource_type, f"{path}.{key}", "is required")
                # An element given as JSON null is read as absent.
                if value.get(key) is not None:
                    pending.append((value[key], element, f"{path}.{key}", depth))


def _wrong(expected: str, value: Any) -> str:
    return f"must be {expected}, not {_json_type(value)}"
