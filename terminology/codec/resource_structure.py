"""A resource parsed against its R4 model (the R4B models) once, its structural problems
turned into FHIRPath expressions: an unknown element, a wrong type, a missing required
element, a malformed value. Parsing is the only use of the models here; every other check
runs on the plain JSON."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

#: At most this many structural problems are reported per resource.
MAX_PROBLEMS = 100


@dataclass(frozen=True, slots=True)
class StructureProblem:
    #: FHIRPath from the resource root, without the type: ``item[0].sequence``.
    relative: str
    text: str
    #: ``required`` for a missing element, else ``structure``.
    code: str


def structure_problems(resource: Mapping[str, Any]) -> list[StructureProblem]:
    """The R4 structure problems of ``resource`` (whose resourceType the caller checked)."""
    model = get_fhir_model_class(str(resource["resourceType"]))
    try:
        model.model_validate(resource)
    except ValidationError as exc:
        return [_problem(error) for error in exc.errors()[:MAX_PROBLEMS]]
    except (TypeError, ValueError, RecursionError) as exc:
        return [
            StructureProblem("", f"the resource cannot be read as R4: {exc}"[:300], "structure")
        ]
    return []


def _problem(error: Mapping[str, Any]) -> StructureProblem:
    relative = fhirpath(error.get("loc", ()))
    kind = str(error.get("type", ""))
    if kind == "missing":
        return StructureProblem(
            relative, f"{relative or 'element'}: required element missing", "required"
        )
    if kind == "extra_forbidden":
        return StructureProblem(
            relative, f"{relative}: unknown element (not in FHIR R4)", "structure"
        )
    message = str(error.get("msg", "invalid"))
    return StructureProblem(relative, f"{relative or 'resource'}: {message}"[:300], "structure")


def fhirpath(loc: Any) -> str:
    """``('item', 0, 'sequence')`` -> ``item[0].sequence``."""
    out = ""
    for part in loc if isinstance(loc, (tuple, list)) else ():
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
