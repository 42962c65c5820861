"""Who pays for a claim, and in which setting: what decides whether Medicare's rules (NCD,
NCCI, MUE) are errors or warnings, and which NCCI table (practitioner or outpatient hospital)
applies.

Medicare is recognised from the claim's focal (else first) Coverage, in this order:

1. ``Coverage.type`` in the Source of Payment Typology (``https://nahdo.org/sopt``, the URI HL7
   THO publishes): codes under 1 are Medicare (1 Medicare, 11x managed care, 12x fee for
   service, 19 other). When the type is a SOPT code it decides, either way.
2. Otherwise, a Medicare Beneficiary Identifier on the Coverage (``Coverage.identifier`` with
   system ``http://hl7.org/fhir/sid/us-mbi``, HL7 THO's NamingSystem cmsMBI): only Medicare
   coverage is keyed by an MBI.

A payer Organization's own identifier is not used: Medicare contractors bill under many payer
IDs, and no registry of them is public, so matching one would be a guess.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from terminology.checks.codings import codings_of
from terminology.checks.subject import Subject, json_list
from terminology.loaders.ncci import Setting

SOPT = "https://nahdo.org/sopt"
MBI = "http://hl7.org/fhir/sid/us-mbi"
CLAIM_TYPE = "http://terminology.hl7.org/CodeSystem/claim-type"

@dataclass(frozen=True, slots=True)
class Payer:
    medicare: bool
    #: How Medicare was recognised ("Coverage.type SOPT 121"), for the issue texts.
    evidence: str | None = None


def payer_of(subject: Subject) -> Payer:
    coverages = _coverages(subject)
    for coverage in coverages:
        for coding in codings_of(coverage.get("type")):
            code = coding.get("code")
            if coding.get("system") == SOPT and isinstance(code, str) and code:
                if code.startswith("1"):
                    return Payer(True, f"Coverage.type is SOPT {code}")
                return Payer(False)
    for coverage in coverages:
        for identifier in json_list(coverage.get("identifier")):
            if isinstance(identifier, Mapping) and identifier.get("system") == MBI:
                return Payer(True, "the Coverage carries a Medicare Beneficiary Identifier")
    return Payer(False)


def _coverages(subject: Subject) -> list[Mapping[str, Any]]:
    """The claim's Coverages the request holds, the focal one first."""
    entries = [e for e in json_list(subject.resource.get("insurance")) if isinstance(e, Mapping)]
    entries.sort(key=lambda e: e.get("focal") is not True)
    found = [subject.resolve(e.get("coverage")) for e in entries]
    return [c for c in found if c is not None]


def setting_of(claim: Mapping[str, Any]) -> Setting | None:
    """Professional (CMS-1500: the practitioner NCCI tables) or institutional (UB-04: the
    outpatient hospital tables), from ``Claim.type``; None for the other claim types (oral,
    vision, pharmacy), which NCCI does not edit. A claim without a type is read as
    professional, the form imaging reads are billed on."""
    for coding in codings_of(claim.get("type")):
        if coding.get("system") == CLAIM_TYPE:
            code = coding.get("code")
            if code == "institutional":
                return "institutional"
            return "professional" if code == "professional" else None
    return "professional"
