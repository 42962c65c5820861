"""Reads the published JSON in valuesets/ directly (never the server's code)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

VALUESETS = Path(__file__).resolve().parents[2] / "valuesets"
BASE = "https://chest-imaging-terminology.org/fhir"
EXT_UNVERIFIED = f"{BASE}/StructureDefinition/unverified"
EXT_DISPLAY_NOT_OFFICIAL = f"{BASE}/StructureDefinition/display-not-official"
EXT_EFFECTIVE_PERIOD = (
    "http://hl7.org/fhir/5.0/StructureDefinition/extension-CodeSystem.effectivePeriod"
)
EXT_VERSION_ALGORITHM = "http://hl7.org/fhir/StructureDefinition/artifact-versionAlgorithm"

CPT = "http://www.ama-assn.org/go/cpt"
HCPCS = "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
RADLEX = "http://radlex.org"

Resource = dict[str, Any]


def file_names() -> list[str]:
    return sorted(p.name for p in VALUESETS.glob("*.json"))


@cache
def _load(name: str) -> str:
    return (VALUESETS / name).read_text(encoding="utf-8")


def load(name: str) -> Resource:
    # Parsed afresh on each call so that no test can alter another test's data.
    return json.loads(_load(name))


def resources(resource_type: str | None = None) -> list[Resource]:
    out = [load(n) for n in file_names()]
    return [r for r in out if resource_type is None or r["resourceType"] == resource_type]


def code_system(resource_id: str) -> Resource:
    return load(f"CodeSystem-{resource_id}.json")


def walk(concepts: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for c in concepts:
        yield c
        yield from walk(c.get("concept", []))


def concepts_by_code(cs: Resource) -> dict[str, dict[str, Any]]:
    return {c["code"]: c for c in walk(cs.get("concept", []))}


def versions(system: str) -> dict[str, Resource]:
    """version -> CodeSystem for one system URI."""
    return {cs["version"]: cs for cs in resources("CodeSystem") if cs["url"] == system}


def codes_in_any_version(system: str) -> dict[str, set[str]]:
    """code -> displays it has across the versions of the system."""
    out: dict[str, set[str]] = {}
    for cs in versions(system).values():
        for code, c in concepts_by_code(cs).items():
            out.setdefault(code, set()).add(c["display"])
    return out


def props(concept: dict[str, Any], code: str) -> list[Any]:
    out: list[Any] = []
    for p in concept.get("property", []):
        if p["code"] == code:
            out.extend(v for k, v in p.items() if k.startswith("value"))
    return out


def ext(element: dict[str, Any], url: str) -> Any:
    for e in element.get("extension", []):
        if e["url"] == url:
            return next(v for k, v in e.items() if k.startswith("value"))
    return None
