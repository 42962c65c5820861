"""Reads a content directory of FHIR JSON files into memory, once, at start-up.

The loader checks what the server itself relies on (resource type, url, unique url|version and
id); full validation against the FHIR models is done by ``terminology check-content``, which
``terminology serve`` runs before it starts its workers, so workers never pay for the models.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from terminology.errors import TerminologyError

SERVED_TYPES = ("CodeSystem", "ValueSet", "ConceptMap")


@dataclass(slots=True)
class ContentSet:
    """The raw resources of a content directory, grouped by type, in a stable order."""

    by_type: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {t: [] for t in SERVED_TYPES}
    )
    sources: dict[tuple[str, str], Path] = field(default_factory=dict)

    def add(self, resource: dict[str, Any], source: Path) -> None:
        rtype = resource.get("resourceType")
        if rtype not in self.by_type:
            raise TerminologyError(f"{source}: resourceType {rtype!r} is not served here")
        rid = resource.get("id")
        if not isinstance(rid, str) or not rid:
            raise TerminologyError(f"{source}: the resource has no id")
        if not resource.get("url"):
            raise TerminologyError(f"{source}: the resource has no url")
        key = (rtype, rid)
        if key in self.sources:
            raise TerminologyError(f"{source}: id {rid!r} is already used by {self.sources[key]}")
        canonical = (resource["url"], resource.get("version"))
        for other in self.by_type[rtype]:
            if (other["url"], other.get("version")) == canonical:
                raise TerminologyError(
                    f"{source}: {rtype} {canonical[0]}|{canonical[1]} is defined twice"
                )
        self.sources[key] = source
        self.by_type[rtype].append(resource)

    @property
    def code_systems(self) -> list[dict[str, Any]]:
        return self.by_type["CodeSystem"]

    @property
    def value_sets(self) -> list[dict[str, Any]]:
        return self.by_type["ValueSet"]

    @property
    def concept_maps(self) -> list[dict[str, Any]]:
        return self.by_type["ConceptMap"]


def read_json(path: Path) -> Mapping[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TerminologyError(f"{path}: not readable FHIR JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise TerminologyError(f"{path}: not a FHIR resource")
    return data


def load_content(directory: Path) -> ContentSet:
    """Every ``*.json`` file below ``directory`` is one CodeSystem, ValueSet or ConceptMap."""
    if not directory.is_dir():
        raise TerminologyError(f"content directory {directory} does not exist")
    content = ContentSet()
    for path in sorted(directory.rglob("*.json")):
        content.add(dict(read_json(path)), path)
    if not any(content.by_type.values()):
        raise TerminologyError(f"content directory {directory} holds no FHIR resources")
    return content
