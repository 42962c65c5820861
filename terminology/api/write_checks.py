"""What a resource written over REST must be before anything is stored: valid R4 and the shape
the server reads (400), and servable (422: no url, a value set that includes itself, duplicate
codes, a hierarchy the providers refuse)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from terminology.codec.outcome import issue
from terminology.codec.resource_structure import structure_problems
from terminology.codec.shapes import check_resource
from terminology.errors import TerminologyError
from terminology.messages import msg, shorten
from terminology.providers.registry import build_providers


class Rejected(Exception):
    """A resource refused before anything was stored, with every issue found."""

    def __init__(self, status: int, issues: list[dict[str, Any]]) -> None:
        super().__init__(status)
        self.status = status
        self.issues = issues


def check_written(resource: dict[str, Any]) -> None:
    """400 for what is not valid R4 or not the shape the server reads; 422 for what would be
    valid FHIR the server cannot serve."""
    rtype = str(resource["resourceType"])
    problems = structure_problems(resource)
    if problems:
        raise Rejected(
            400,
            [
                issue(
                    "error",
                    p.code,
                    msg("WRITE_STRUCTURE", text=p.text),
                    expression=f"{rtype}.{p.relative}" if p.relative else rtype,
                )
                for p in problems
            ],
        )
    check_resource(resource, "body")
    url = resource.get("url")
    if not isinstance(url, str) or not url:
        raise unprocessable(msg("WRITE_NO_URL", type=rtype), f"{rtype}.url")
    if rtype == "ValueSet":
        compose = resource.get("compose") or {}
        for part in ("include", "exclude"):
            for index, entry in enumerate(compose.get(part) or ()):
                for ref in entry.get("valueSet") or ():
                    if ref.split("|")[0] == url:
                        raise unprocessable(
                            msg("WRITE_VS_INCLUDES_ITSELF", url=shorten(url), part=part),
                            f"ValueSet.compose.{part}[{index}].valueSet",
                        )
    elif rtype == "CodeSystem":
        _check_code_system(resource, url)


def _codes(concepts: Iterable[Mapping[str, Any]]) -> Iterable[str]:
    pending = list(concepts)
    while pending:
        concept = pending.pop()
        yield str(concept.get("code"))
        pending.extend(concept.get("concept") or ())


def _check_code_system(resource: Mapping[str, Any], url: str) -> None:
    seen: set[str] = set()
    for code in _codes(resource.get("concept") or ()):
        if code in seen:
            raise unprocessable(
                msg("WRITE_CS_DUPLICATE_CODE", url=shorten(url), code=shorten(code)),
                "CodeSystem.concept",
            )
        seen.add(code)
    try:
        # What each worker will build from it: a hierarchy it refuses (a cycle, too deep)
        # would otherwise fail every replica's next snapshot.
        build_providers([resource])
    except TerminologyError as exc:
        raise unprocessable(
            msg("WRITE_CS_INVALID", url=shorten(url), reason=exc.message), "CodeSystem"
        ) from exc


def unprocessable(text: str, expression: str) -> Rejected:
    return Rejected(422, [issue("error", "business-rule", text, expression=expression)])
