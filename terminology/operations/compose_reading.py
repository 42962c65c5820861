"""What a ValueSet says beside its compose's codes: its label, the displays and status it gives
an enumerated concept, the supplements and display language it asks for. (The compose itself
is read by ``engine/compose.py``.)"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from terminology.engine.compose import ComposePlan
from terminology.engine.cycles import vs_key
from terminology.errors import TerminologyError
from terminology.messages import msg
from terminology.operations.displays import Candidate, valid_language_list
from terminology.uris import EXT_STANDARDS_STATUS

EXT_EXPANSION_PARAMETER = "http://hl7.org/fhir/StructureDefinition/valueset-expansion-parameter"
EXT_VS_DEPRECATED = "http://hl7.org/fhir/StructureDefinition/valueset-deprecated"


def vs_label(value_set: Mapping[str, Any]) -> str:
    return vs_key(value_set) or "(unidentified)"


def entry_displays(entry: Mapping[str, Any], owner: Mapping[str, Any]) -> list[Candidate]:
    out = []
    if entry.get("display"):
        out.append(Candidate(entry["display"], owner.get("language")))
    for d in entry.get("designation", ()):
        if d.get("value"):
            out.append(Candidate(d["value"], d.get("language")))
    return out


def entry_status(entry: Mapping[str, Any]) -> str | None:
    for ext in entry.get("extension", ()):
        if ext.get("url") == EXT_STANDARDS_STATUS and ext.get("valueCode") in (
            "deprecated",
            "withdrawn",
        ):
            return str(ext["valueCode"])
        if ext.get("url") == EXT_VS_DEPRECATED and ext.get("valueBoolean"):
            return "deprecated"
    return None


def required_supplements(use_supplements: tuple[str, ...], plan: ComposePlan) -> tuple[str, ...]:
    """Supplements a request needs: those it names and those its value set names."""
    if not use_supplements:
        return plan.supplements
    return tuple(dict.fromkeys([*use_supplements, *plan.supplements]))


def display_language_parameter(value_set: Mapping[str, Any]) -> str | None:
    """The ``displayLanguage`` a value set sets for itself (valueset-expansion-parameter)."""
    for ext in value_set.get("compose", {}).get("extension", ()):
        if ext.get("url") != EXT_EXPANSION_PARAMETER:
            continue
        parts = {e.get("url"): e for e in ext.get("extension", ())}
        if parts.get("name", {}).get("valueCode") == "displayLanguage":
            value = parts.get("value", {})
            language = value.get("valueCode") or value.get("valueString")
            if isinstance(language, str) and language:
                return language
    return None


def requested_language(
    display_language: str | None, accept_language: str | None, value_set: Mapping[str, Any]
) -> str | None:
    """The language a request asks displays in: the ``displayLanguage`` parameter (refused
    when malformed), else the value set's own ``displayLanguage`` expansion parameter, else
    the Accept-Language header. Callers fall back to the value set's ``language``."""
    if display_language is not None:
        if not valid_language_list(display_language):
            raise TerminologyError(
                msg("INVALID_DISPLAY_LANGUAGE", value=display_language[:40]),
                code="processing",
                tx_type="invalid-display",
            )
        return display_language
    return display_language_parameter(value_set) or accept_language or None
