"""The one place the FHIR model release is chosen: R4 content is parsed with the R4B models.

fhir.resources' default package is R5, whose ServiceRequest and ConceptMap differ from R4; its
R4B models match R4 (4.0.1) element for element for the resources we serve.
"""

from __future__ import annotations

from collections.abc import Mapping
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
