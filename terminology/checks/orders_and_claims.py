"""The checks of a chest-imaging order (ServiceRequest) and claim (Claim), on plain data.

Each coded element goes through ``CodingChecks`` with its profile binding and its date of
service; the rules coders apply (billable diagnoses, diagnosis pointers, modifier
combinations) follow. Every finding carries the FHIRPath of the element at fault.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from terminology.checks.claim_lines import (
    MODIFIER_SYSTEMS,
    ClaimLine,
    as_modifier_finding,
    claim_lines,
    line_day,
    modifier_conflicts,
    plain_codings,
    split_expressions,
)
from terminology.checks.codings import Binding, CodingChecks, codings_of
from terminology.checks.crosswalk import Crosswalk
from terminology.checks.findings import Finding
from terminology.checks.ncci import NcciRules
from terminology.checks.ncd_210_14 import ScreeningRules, diagnosis_codings
from terminology.checks.payer import Payer, payer_of, setting_of
from terminology.checks.profiles import Profile
from terminology.checks.subject import Subject, day_of, json_list, json_object
from terminology.model import Coding
from terminology.operations.context import Services
from terminology.uris import CPT, ICD10CM, PROJECT_BASE

CHEST_PROCEDURES = f"{PROJECT_BASE}/ValueSet/chest-imaging-procedures"

#: The codes FHIR R4 itself binds (required) on the elements we read.
REQUIRED_CODES: dict[str, frozenset[str]] = {
    "ServiceRequest.status": frozenset(
        {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"}
    ),
    "ServiceRequest.intent": frozenset(
        {
            "proposal",
            "plan",
            "directive",
            "order",
            "original-order",
            "reflex-order",
            "filler-order",
            "instance-order",
            "option",
        }
    ),
    "ServiceRequest.priority": frozenset({"routine", "urgent", "asap", "stat"}),
    "Claim.status": frozenset({"active", "cancelled", "draft", "entered-in-error"}),
    "Claim.use": frozenset({"claim", "preauthorization", "predetermination"}),
}


class OrderAndClaimChecks:
    def __init__(
        self,
        services: Services,
        profiles: Mapping[str, Profile],
        ncci: NcciRules | None = None,
        *,
        payer_rules: bool = True,
    ) -> None:
        self._services = services
        self._codings = CodingChecks(services)
        self._profiles = profiles
        #: The payer rules (NCD 210.14, NCCI); off only to measure what they cost.
        self._screening = ScreeningRules(self._codings) if payer_rules else None
        self._ncci = ncci if payer_rules else None
        self._crosswalk = Crosswalk(services) if payer_rules else None

    # -- shared ------------------------------------------------------------------------------
    def _binding(self, path: str) -> Binding | None:
        profile = self._profiles.get(path.split(".", 1)[0])
        return profile.bindings.get(path) if profile else None

    def _coded(
        self, subject: Subject, element: Any, relative: str, element_path: str, on: date | None
    ) -> tuple[list[Finding], list[Coding]]:
        checked = self._codings.check(
            element, subject.path(relative), self._binding(element_path), on
        )
        return checked.findings, checked.members

    def _required_codes(self, subject: Subject, rtype: str) -> list[Finding]:
        out = []
        for path, allowed in REQUIRED_CODES.items():
            element_type, name = path.split(".")
            if element_type != rtype or name not in subject.resource:
                continue
            value = subject.resource[name]
            if isinstance(value, str) and value not in allowed:
                out.append(
                    Finding(
                        "error",
                        "code-invalid",
                        "required-code",
                        f"{path} is {value!r}; FHIR allows {', '.join(sorted(allowed))}",
                        subject.path(name),
                    )
                )
        return out

    def _missing_required(self, subject: Subject, rtype: str) -> list[Finding]:
        profile = self._profiles.get(rtype)
        out = []
        for path in sorted(profile.required if profile else ()):
            parts = path.split(".")
            if len(parts) == 2 and subject.resource.get(parts[1]) in (None, [], {}):
                out.append(
                    Finding(
                        "error",
                        "required",
                        "structure",
                        f"{path} is required by the profile {profile.url if profile else ''}",
                        subject.path(parts[1]),
                    )
                )
        return out

    def _diagnosis_codes(
        self, subject: Subject, element: Any, relative: str, on: date | None
    ) -> list[Finding]:
        """ICD-10-CM codings of a reason or diagnosis that are headers on the date."""
        out = []
        for index, coding in enumerate(codings_of(element)):
            if coding.get("system") != ICD10CM or not isinstance(coding.get("code"), str):
                continue
            header = self._header_children(coding["code"], on)
            if header is not None:
                code = coding["code"]
                version, children = header
                choices = ", ".join(children[:12]) + (", ..." if len(children) > 12 else "")
                out.append(
                    Finding(
                        "error",
                        "code-invalid",
                        "dx-not-billable",
                        f"{code} is an ICD-10-CM header in FY{version}, not a billable code: "
                        f"report one of the codes below it ({choices})",
                        subject.path(f"{relative}.coding[{index}].code"),
                    )
                )
        return out

    def _header_children(self, code: str, on: date | None) -> tuple[str, list[str]] | None:
        """The fiscal year and child codes of ``code`` when it is a header in the year in
        force on ``on`` (the newest loaded year without a date, or before the oldest)."""
        provider = self._services.registry.resolve(ICD10CM)
        if provider is None:
            return None
        version = (provider.select(on=on) if on else None) or provider.select()
        concept = version.find(code) if version is not None else None
        if version is None or concept is None or not concept.not_selectable:
            return None
        return version.info.version or "", list(concept.children)

    # -- ServiceRequest ----------------------------------------------------------------------
    def service_request(self, subject: Subject) -> list[Finding]:
        resource = subject.resource
        findings = self._required_codes(subject, "ServiceRequest")
        findings += self._missing_required(subject, "ServiceRequest")
        on = (
            day_of(resource.get("occurrenceDateTime"))
            or day_of(json_object(resource.get("occurrencePeriod")).get("start"))
            or day_of(resource.get("authoredOn"))
        )
        if on is None:
            findings.append(_no_date(subject, "occurrence", "occurrence[x] or authoredOn"))
        if "code" in resource:
            found, _ = self._coded(subject, resource["code"], "code", "ServiceRequest.code", on)
            findings += found
        for name in ("category", "reasonCode", "bodySite"):
            for index, element in enumerate(json_list(resource.get(name))):
                relative = f"{name}[{index}]"
                found, _ = self._coded(subject, element, relative, f"ServiceRequest.{name}", on)
                findings += found
                if name == "reasonCode":
                    findings += self._diagnosis_codes(subject, element, relative, on)
        findings += (
            []
            if self._screening is None or _code_invalid(findings, subject.path("code"))
            else self._screening.check_line(
                subject,
                "code",
                list(plain_codings(resource.get("code"))),
                [d for r in json_list(resource.get("reasonCode")) for d in diagnosis_codings(r)],
                on,
                resource.get("subject"),
                payer=Payer(False),
                order=True,
            )
        )
        if self._crosswalk is not None and not _code_invalid(findings, subject.path("code")):
            findings += self._crosswalk.order_findings(subject, on)
        return findings

    # -- Claim -------------------------------------------------------------------------------
    def claim(self, subject: Subject) -> list[Finding]:
        resource = subject.resource
        findings = self._required_codes(subject, "Claim")
        claim_day = day_of(json_object(resource.get("billablePeriod")).get("start")) or day_of(
            resource.get("created")
        )
        items = json_list(resource.get("item"))
        first_line_day = next((d for d in map(line_day, items) if d is not None), None)
        diagnosis_day = claim_day or first_line_day
        diagnoses = json_list(resource.get("diagnosis"))
        #: The claim's diagnoses by sequence, for the lines' pointers.
        by_sequence = {
            d["sequence"]: d
            for d in diagnoses
            if isinstance(d, Mapping) and isinstance(d.get("sequence"), int)
        }
        for index, diagnosis in enumerate(diagnoses):
            if not isinstance(diagnosis, Mapping):
                continue  # the structure check reports it
            element = diagnosis.get("diagnosisCodeableConcept")
            if element is None:
                continue
            relative = f"diagnosis[{index}].diagnosisCodeableConcept"
            path = "Claim.diagnosis.diagnosisCodeableConcept"
            found, _ = self._coded(subject, element, relative, path, diagnosis_day)
            findings += found
            findings += self._diagnosis_codes(subject, element, relative, diagnosis_day)
        payer = payer_of(subject)
        billed: list[ClaimLine] = []
        for index, item in enumerate(items):
            if not isinstance(item, Mapping):
                continue
            on = line_day(item) or claim_day
            line_findings = self._line(subject, item, index, on, set(by_sequence))
            findings += line_findings
            if _code_invalid(line_findings, subject.path(f"item[{index}].productOrService")):
                continue  # a deleted or unknown service: the payer rules have nothing to judge
            billed += claim_lines(index, item, on)
            if self._crosswalk is None or self._screening is None:
                continue
            service = list(plain_codings(item.get("productOrService")))
            if any(self._codings.membership(CHEST_PROCEDURES, c, on).result for c in service):
                findings += self._crosswalk.line_findings(subject, item, index, service, on)
            pointed = [
                coding
                for pointer in json_list(item.get("diagnosisSequence"))
                if isinstance(pointer, int) and pointer in by_sequence
                for coding in diagnosis_codings(
                    by_sequence[pointer].get("diagnosisCodeableConcept")
                )
            ]
            findings += self._screening.check_line(
                subject,
                f"item[{index}]",
                service,
                pointed,
                on,
                resource.get("patient"),
                payer=payer,
            )
        if self._screening is not None:
            findings += self._screening.check_claim(subject, billed, payer)
        setting = setting_of(resource)
        if self._ncci is not None and setting is not None:
            findings += self._ncci.check(subject, billed, payer, setting)
        for index, procedure in enumerate(json_list(resource.get("procedure"))):
            if not isinstance(procedure, Mapping):
                continue
            element = procedure.get("procedureCodeableConcept")
            if element is not None:
                relative = f"procedure[{index}].procedureCodeableConcept"
                on = day_of(procedure.get("date")) or claim_day
                found, _ = self._coded(
                    subject, element, relative, "Claim.procedure.procedureCodeableConcept", on
                )
                findings += found
        return findings

    def _line(
        self,
        subject: Subject,
        item: Mapping[str, Any],
        index: int,
        on: date | None,
        sequences: set[int],
    ) -> list[Finding]:
        line = f"item[{index}]"
        findings: list[Finding] = []
        if on is None:
            findings.append(_no_date(subject, line, "serviced[x], billablePeriod.start or created"))
        service = item.get("productOrService")
        # A CPT expression (71250:26) is its base code with modifiers: the base code meets the
        # binding, and each modifier is checked as a modifier.
        base_service, expressed = split_expressions(service)
        found, _ = self._coded(
            subject, base_service, f"{line}.productOrService", "Claim.item.productOrService", on
        )
        findings += found
        for j, code in expressed:
            relative = f"{line}.productOrService.coding[{j}].code"
            checked = self._codings.check(
                {"system": CPT, "code": code},
                subject.path(relative),
                self._binding("Claim.item.modifier"),
                on,
                is_codeable_concept=False,
            )
            findings += [
                as_modifier_finding(f, {"system": CPT, "code": code}) for f in checked.findings
            ]
        imaging = any(
            self._codings.membership(CHEST_PROCEDURES, c, on).result for c in plain_codings(service)
        )
        modifiers: list[tuple[str, str]] = [
            (code, f"{line}.productOrService.coding[{j}].code") for j, code in expressed
        ]
        for k, modifier in enumerate(json_list(item.get("modifier"))):
            relative = f"{line}.modifier[{k}]"
            found, _ = self._coded(subject, modifier, relative, "Claim.item.modifier", on)
            findings += [as_modifier_finding(f, modifier) for f in found]
            for coding in codings_of(modifier):
                value = coding.get("code")
                system = coding.get("system")
                if (
                    isinstance(value, str)
                    and isinstance(system, str)
                    and system in MODIFIER_SYSTEMS
                ):
                    modifiers.append((value, relative))
        findings += modifier_conflicts(subject, modifiers)
        if item.get("bodySite"):
            found, _ = self._coded(
                subject, item["bodySite"], f"{line}.bodySite", "Claim.item.bodySite", on
            )
            findings += found
        pointers = json_list(item.get("diagnosisSequence"))
        for k, pointer in enumerate(pointers):
            if isinstance(pointer, int) and pointer not in sequences:
                findings.append(
                    Finding(
                        "error",
                        "business-rule",
                        "dx-pointer-missing",
                        f"Line {item.get('sequence', index + 1)} points at diagnosis {pointer}, "
                        f"but the claim's diagnoses are numbered "
                        f"{', '.join(map(str, sorted(sequences))) or '(none)'}",
                        subject.path(f"{line}.diagnosisSequence[{k}]"),
                    )
                )
        if imaging and not pointers:
            findings.append(
                Finding(
                    "warning",
                    "business-rule",
                    "dx-pointer-absent",
                    f"Imaging line {item.get('sequence', index + 1)} points at no diagnosis: "
                    "add the diagnosisSequence of the indication that supports it",
                    subject.path(line),
                )
            )
        return findings


_CODE_INVALID = frozenset({"code-deleted", "code-not-yet-valid", "code-unknown"})


def _code_invalid(findings: list[Finding], element: str) -> bool:
    """Whether ``element``'s code was found invalid on the date of service."""
    return any(f.reason in _CODE_INVALID and f.expression.startswith(element) for f in findings)


def _no_date(subject: Subject, relative: str, which: str) -> Finding:
    return Finding(
        "warning",
        "required",
        "date-of-service-missing",
        f"No date of service ({which}): the codes were checked against the newest loaded "
        "versions, which may not be the ones in force",
        subject.path(relative),
    )
