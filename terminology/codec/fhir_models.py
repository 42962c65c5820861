"""The one place the FHIR model release is chosen: R4 content is parsed with the R4B models.

fhir.resources' default package is R5, whose ServiceRequest and ConceptMap differ from R4; its
R4B models match R4 (4.0.1) element for element for the resources we serve.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError


def validate_resource(resource: Mapping[str, Any]) -> list[str]:
    """Problems the R4B model finds in ``resource``; empty when it is valid."""
    rtype = resource.get("resourceType")
    if not isinstance(rtype, str):
        return ["no resourceType"]
    try:
        model = get_fhir_model_class(rtype)
    except (KeyError, ValueError):
        return [f"unknown resourceType {rtype!r}"]
    try:
        model.model_validate(resource)
    except ValidationError as exc:
        return [
            f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}"
            for error in exc.errors()[:20]
        ]
    return []


#: Where the element table derived from the models is kept (see ``element_table``).
ELEMENT_TABLE = Path(__file__).with_name("fhir_elements.json")


def element_table() -> dict[str, list[str]]:
    """Every R4B resource type and the complex types they use, each as its elements in FHIR
    order, each ``name:type``, with ``*`` after an element that repeats (a JSON array), and
    ``type`` a primitive's name (``boolean``, ``decimal``, ``xhtml``, ...), a complex type's or
    backbone element's class name (``Coding``, ``ParametersParameter``) or ``Resource`` (a
    resource in its own right: ``contained``, ``Bundle.entry.resource``,
    ``Parameters.parameter.resource``).

    FHIR XML needs the order (JSON dicts do not carry it) and XML in needs which elements repeat
    and which primitives are numbers or booleans. Deriving it costs about 4 s and 100 MB (every
    model module is imported), so it is derived once by ``python -m
    terminology.codec.fhir_models`` into ``fhir_elements.json``, which the server reads, and a
    test keeps that file identical to what the pinned models give.
    """
    from fhir.resources.R4B import fhirtypes
    from fhir_core.constraints import FHIR_TYPES_MAPS
    from fhir_core.utils import (
        _get_fhir_type,
        determine_version_prefix_from_class,
        get_fhir_type_name,
        is_list_type,
        is_primitive_type,
    )
    from pydantic._internal._validators import import_string

    tables: dict[str, list[str]] = {}

    def add(cls: Any) -> None:
        name = cls.get_resource_type()
        if name in tables:
            return
        prefix = determine_version_prefix_from_class(cls)
        rows: list[str] = []
        tables[name] = rows
        aliases = cls.get_alias_mapping()
        for element in cls.elements_sequence():
            field = cls.model_fields[aliases.get(element, element)]
            type_name = get_fhir_type_name(field, prefix=prefix)
            rows.append(f"{element}:{type_name}{'*' if is_list_type(field) else ''}")
            if not is_primitive_type(field) and type_name != "Resource":
                found = _get_fhir_type(field.annotation, field, version_prefix=prefix)
                add(import_string(FHIR_TYPES_MAPS[prefix + found]))

    for attribute in sorted(dir(fhirtypes)):
        if not attribute.endswith("Type"):
            continue
        try:
            model = get_fhir_model_class(attribute[:-4])
        except (KeyError, ValueError, AttributeError):
            continue
        if model.has_resource_base() and model.get_resource_type() not in (
            "Resource",
            "DomainResource",
        ):
            add(model)
    return dict(sorted(tables.items()))


def write_element_table(path: Path = ELEMENT_TABLE) -> None:
    table = element_table()
    lines = [f"{json.dumps(name)}: {json.dumps(rows)}" for name, rows in table.items()]
    path.write_text("{\n" + ",\n".join(lines) + "\n}\n", encoding="utf-8")


if __name__ == "__main__":
    write_element_table()
