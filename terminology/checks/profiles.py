"""The bindings our profiles declare (``conformance/StructureDefinition-*.json``), read once:
the checks take their value sets and strengths from the published profiles, so the profiles
and the checks cannot disagree."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from terminology.checks.codings import Binding
from terminology.errors import TerminologyError


@dataclass(frozen=True, slots=True)
class Profile:
    url: str
    resource_type: str
    #: element path (``Claim.item.modifier``) -> binding
    bindings: Mapping[str, Binding]
    #: element paths the profile makes required (min 1)
    required: frozenset[str]


def read_profiles(directory: Path) -> dict[str, Profile]:
    """Our profiles by resource type (one each), from the StructureDefinitions in ``directory``."""
    profiles: dict[str, Profile] = {}
    for path in sorted(directory.glob("StructureDefinition-*.json")):
        try:
            resource: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise TerminologyError(f"{path}: not readable ({exc})") from exc
        profile = _profile(resource)
        if profile.resource_type in profiles:
            raise TerminologyError(f"{path}: a second profile of {profile.resource_type}")
        profiles[profile.resource_type] = profile
    return profiles


def _profile(resource: Mapping[str, Any]) -> Profile:
    bindings: dict[str, Binding] = {}
    required: set[str] = set()
    for element in resource.get("differential", {}).get("element", ()):
        path = element["path"]
        binding = element.get("binding")
        if binding and binding.get("valueSet"):
            bindings[path] = Binding(path, binding["strength"], binding["valueSet"])
        if element.get("min", 0) >= 1:
            required.add(path)
    return Profile(resource["url"], resource["type"], bindings, frozenset(required))
