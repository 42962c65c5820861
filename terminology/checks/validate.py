"""``$validate`` of a ServiceRequest, a Claim, or a Bundle of them: structure first (the
problems the R4 parse found, handed in as plain data), then the code and rule checks.

A Bundle's entries are checked one by one, each exactly as it would be alone, with the other
entries reachable by reference and every expression rooted in the Bundle.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from terminology.checks.findings import Finding
from terminology.checks.ncci import NcciRules
from terminology.checks.orders_and_claims import OrderAndClaimChecks
from terminology.checks.profiles import Profile
from terminology.checks.subject import Subject, bundle_index
from terminology.operations.context import Services

#: Resource types ``$validate`` checks, alone or in a Bundle.
CHECKED_TYPES = ("ServiceRequest", "Claim")
#: Bundle types whose entries are resources to check (a batch holds requests instead).
CHECKED_BUNDLE_TYPES = frozenset({"collection", "transaction", "document", "message"})

#: (relative FHIRPath, text, issue code) of each structural problem of one resource.
StructureOf = Callable[[Mapping[str, Any]], list[tuple[str, str, str]]]


def structure_findings(problems: list[tuple[str, str, str]], root: str) -> list[Finding]:
    out = []
    for relative, text, code in problems:
        expression = f"{root}.{relative}" if relative else root
        out.append(Finding("error", code, "structure", f"{root}.{text}", expression))
    return out


class ResourceValidator:
    def __init__(
        self,
        services: Services,
        profiles: Mapping[str, Profile],
        ncci: NcciRules | None = None,
        *,
        payer_rules: bool = True,
    ) -> None:
        self._checks = OrderAndClaimChecks(services, profiles, ncci, payer_rules=payer_rules)

    def resource(self, resource: Mapping[str, Any], structure: StructureOf) -> list[Finding]:
        rtype = str(resource["resourceType"])
        return self._one(Subject(resource, rtype), structure)

    def _one(self, subject: Subject, structure: StructureOf) -> list[Finding]:
        findings = structure_findings(structure(subject.resource), subject.root)
        if subject.resource.get("resourceType") == "ServiceRequest":
            findings += self._checks.service_request(subject)
        else:
            findings += self._checks.claim(subject)
        return findings

    def bundle(self, bundle: Mapping[str, Any], structure: StructureOf) -> list[Finding]:
        entries = bundle.get("entry")
        reachable = bundle_index(entries)
        findings: list[Finding] = []
        kind = bundle.get("type")
        if not isinstance(kind, str) or kind not in CHECKED_BUNDLE_TYPES:
            findings.append(
                Finding(
                    "error",
                    "not-supported",
                    "structure",
                    f"Bundle.type is {bundle.get('type')!r}: Bundle/$validate checks the "
                    "ServiceRequests and Claims of a collection, transaction, document or "
                    "message Bundle (a batch of $validate requests goes to the base URL)",
                    "Bundle.type",
                )
            )
            return findings
        for index, entry in enumerate(entries if isinstance(entries, list) else ()):
            resource = entry.get("resource") if isinstance(entry, Mapping) else None
            if not isinstance(resource, Mapping):
                findings.append(
                    Finding(
                        "error",
                        "required",
                        "structure",
                        f"Bundle.entry[{index}] holds no resource",
                        f"Bundle.entry[{index}]",
                    )
                )
                continue
            if resource.get("resourceType") in CHECKED_TYPES:
                subject = Subject(resource, f"Bundle.entry[{index}].resource", reachable)
                findings += self._one(subject, structure)
        return findings
