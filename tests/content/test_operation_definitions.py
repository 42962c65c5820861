"""Our OperationDefinitions (conformance/OperationDefinition-*.json): valid R4, and each one the
CapabilityStatement names is here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from terminology.codec.capabilities import capability_statement
from terminology.codec.fhir_models import validate_resource
from terminology.uris import PROJECT_BASE

CONFORMANCE = Path(__file__).resolve().parents[2] / "conformance"
FILES = sorted(CONFORMANCE.glob("OperationDefinition-*.json"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_operation_definitions_are_valid_r4(path: Path) -> None:
    definition = json.loads(path.read_text())
    assert validate_resource(definition) == []
    assert path.name == f"OperationDefinition-{definition['id']}.json"
    assert definition["url"] == f"{PROJECT_BASE}/OperationDefinition/{definition['id']}"


def test_every_definition_of_ours_the_capability_statement_names_is_published() -> None:
    ours = {json.loads(path.read_text())["url"] for path in FILES}
    named = {
        op["definition"]
        for resource in capability_statement("http://x/fhir", "0")["rest"][0]["resource"]
        for op in resource.get("operation", [])
        if op["definition"].startswith(PROJECT_BASE)
    }
    assert named == ours and len(ours) == 2
