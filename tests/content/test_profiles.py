"""Our profiles (conformance/StructureDefinition-*.json): valid R4, and their bindings name
value sets the server holds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from terminology.checks.profiles import read_profiles
from terminology.codec.fhir_models import validate_resource
from terminology.operations.context import Services
from terminology.operations.value_sets import ValueSets

CONFORMANCE = Path(__file__).resolve().parents[2] / "conformance"
FILES = sorted(CONFORMANCE.glob("StructureDefinition-*.json"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_profiles_are_valid_r4(path: Path) -> None:
    assert validate_resource(json.loads(path.read_text())) == []


def test_every_binding_names_a_value_set_we_hold(services: Services) -> None:
    profiles = read_profiles(CONFORMANCE)
    assert set(profiles) == {"ServiceRequest", "Claim"}
    value_sets = ValueSets(services)
    for profile in profiles.values():
        assert profile.bindings
        for binding in profile.bindings.values():
            assert binding.strength in {"required", "extensible", "preferred"}
            value_sets.get(binding.value_set)  # raises when not held
    assert profiles["ServiceRequest"].required == frozenset({"ServiceRequest.code"})
