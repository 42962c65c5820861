"""Tiny code systems written for the tests (not our published content)."""

from __future__ import annotations

from typing import Any

TOY = "http://example.org/fhir/CodeSystem/toy"


def toy_code_system(
    version: str, start: str, end: str, extra: list[dict] | None = None
) -> dict[str, Any]:
    return {
        "resourceType": "CodeSystem",
        "id": f"toy-{version}",
        "url": TOY,
        "version": version,
        "name": "Toy",
        "status": "active",
        "content": "complete",
        "hierarchyMeaning": "is-a",
        "extension": [
            {
                "url": "http://hl7.org/fhir/5.0/StructureDefinition/extension-CodeSystem.effectivePeriod",
                "valuePeriod": {"start": start, "end": end},
            }
        ],
        "property": [{"code": "colour", "type": "code"}, {"code": "status", "type": "code"}],
        "concept": [
            {
                "code": "A",
                "display": "Animal",
                "property": [{"code": "colour", "valueCode": "none"}],
                "concept": [
                    {
                        "code": "A1",
                        "display": "Cat",
                        "property": [{"code": "colour", "valueCode": "black"}],
                    },
                    {
                        "code": "A2",
                        "display": "Dog",
                        "concept": [{"code": "A2a", "display": "Puppy"}],
                    },
                ],
            },
            {"code": "B", "display": "Bird", "property": [{"code": "parent", "valueCode": "A"}]},
            {
                "code": "R",
                "display": "Retired",
                "property": [{"code": "status", "valueCode": "retired"}],
            },
            *(extra or []),
        ],
    }
