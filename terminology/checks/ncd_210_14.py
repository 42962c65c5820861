"""NCD 210.14, Medicare's coverage of lung-cancer screening with low-dose CT, as rules on a
claim or order (reference §6a; decision memo CAG-00439R, v2 effective 2022-02-10).

A screening line (71271; HCPCS G0297 before 2021; the G0296 counselling visit) must point at
a qualifying diagnosis, the patient must be of screening age on the date of service, and a
screening CT reported for symptoms or findings is probably a diagnostic CT. The rules are
Medicare's: errors when the claim's Coverage is Medicare, warnings otherwise (and always
warnings on an order, which is not yet a claim). What the claim alone cannot show (counselling
before the first screen, one screen a year) is left to the payer's claim history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from terminology.checks.claim_lines import ClaimLine
from terminology.checks.codings import CodingChecks, codings_of
from terminology.checks.findings import Finding
from terminology.checks.payer import Payer
from terminology.checks.subject import Subject, day_of
from terminology.messages import ours
from terminology.model import Coding, Severity
from terminology.uris import CPT, HCPCS, HCPCS_HTTPS, ICD10CM, PROJECT_BASE

SOURCE = "NCD 210.14 (Medicare, lung-cancer screening with LDCT)"
QUALIFYING = f"{PROJECT_BASE}/ValueSet/ldct-screening-qualifying-diagnoses"

NO_VERSION_ON_DATE = ours("NO_VERSION_ON_DATE")

#: Screening services: (system, code). G0297 is the LDCT code until 2020-12-31.
SCREENING = frozenset({(CPT, "71271"), (HCPCS, "G0297"), (HCPCS, "G0296")})
#: The screening CTs themselves (not the counselling visit).
SCREENING_CT = frozenset({"71271", "G0297"})
COUNSELLING = "G0296"


@dataclass(frozen=True, slots=True)
class AgeBand:
    start: date | None
    end: date | None
    low: int
    high: int
    version: str


#: The NCD's two versions (reference §6a).
AGE_BANDS = (
    AgeBand(None, date(2022, 2, 9), 55, 77, "v1 (2015)"),
    AgeBand(date(2022, 2, 10), None, 50, 77, "v2 (effective 2022-02-10)"),
)
#: Diagnoses that say the patient has signs or findings (cough, haemoptysis, a nodule): a
#: screening CT for them is probably the wrong code. Prefixes of ICD-10-CM codes.
SYMPTOMATIC = ("R05", "R04.2", "R91.1")
DIAGNOSTIC_CT = "71250, 71260 or 71270"


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


class ScreeningRules:
    def __init__(self, codings: CodingChecks) -> None:
        self._codings = codings

    def check_line(
        self,
        subject: Subject,
        line: str,
        services: list[Coding],
        diagnoses: list[Coding],
        on: date | None,
        patient_reference: Any,
        *,
        payer: Payer,
        order: bool = False,
    ) -> list[Finding]:
        """Findings for one screening line (an order's code, or a claim item)."""
        if not any(
            (c.system if c.system != HCPCS_HTTPS else HCPCS, c.code) in SCREENING for c in services
        ):
            return []
        binding = payer.medicare and not order
        severity: Severity = "error" if binding else "warning"
        whose = (
            f" The claim is Medicare's ({payer.evidence})."
            if binding
            else (
                " This is Medicare's rule, and this is an order, not yet a claim."
                if order
                else " This is Medicare's rule; the claim's coverage is not Medicare."
            )
        )
        out: list[Finding] = []
        code = next(c.code or "" for c in services)
        qualifying = [d for d in diagnoses if self._qualifies(d, on)]
        if not qualifying:
            listed = ", ".join(d.code or "" for d in diagnoses) or "none"
            out.append(
                Finding(
                    severity,
                    "business-rule",
                    "ncd-screening-diagnosis",
                    f"{SOURCE}: screening {code} needs a qualifying diagnosis (Z87.891 former "
                    f"smoker, or F17.210-F17.219 current smoker); its diagnoses are {listed}. "
                    f"Point the line at one.{whose}",
                    subject.path(line),
                )
            )
        symptoms = [d.code for d in diagnoses if d.code and d.code.startswith(SYMPTOMATIC)]
        if symptoms:
            out.append(
                Finding(
                    "warning",
                    "business-rule",
                    "ncd-screening-symptomatic",
                    f"{SOURCE}: screening is for people without signs of lung cancer, but "
                    f"{code} is reported for {', '.join(symptoms)}: a diagnostic chest CT "
                    f"({DIAGNOSTIC_CT}) may be the right code",
                    subject.path(line),
                )
            )
        out += self._age(subject, line, code, on, patient_reference, severity, whose)
        return out

    def check_claim(self, subject: Subject, lines: list[ClaimLine], payer: Payer) -> list[Finding]:
        """What one claim's dated lines show of the rules on a patient's history: one
        screening CT a year (11 full months after the month of the last), and the counselling
        visit before the first screen. Screens and visits on other claims are the payer's
        history, out of reach here."""
        severity: Severity = "error" if payer.medicare else "warning"
        whose = (
            f" The claim is Medicare's ({payer.evidence})."
            if payer.medicare
            else " This is Medicare's rule; the claim's coverage is not Medicare."
        )
        dated = sorted((line.day, line.index, line.code) for line in lines if line.day is not None)
        screens = [(day, index) for day, index, code in dated if code in SCREENING_CT]
        out: list[Finding] = []
        for (earlier, _), (later, index) in zip(screens, screens[1:], strict=False):
            if (later.year - earlier.year) * 12 + later.month - earlier.month < 12:
                out.append(
                    Finding(
                        severity,
                        "business-rule",
                        "ncd-screening-frequency",
                        f"{SOURCE}: screening CTs on {earlier} and {later} are less than 11 "
                        "full months apart; one screen a year is covered (the next from "
                        f"{_next_screen(earlier)}). Remove the repeat, or code a diagnostic CT "
                        f"({DIAGNOSTIC_CT}) if it was one.{whose}",
                        subject.path(f"item[{index}]"),
                    )
                )
        visits = [(day, index) for day, index, code in dated if code == COUNSELLING]
        if screens and visits and visits[0][0] > screens[0][0]:
            out.append(
                Finding(
                    "warning",
                    "business-rule",
                    "ncd-screening-counselling",
                    f"{SOURCE}: the counselling visit (G0296, {visits[0][0]}) comes after the "
                    f"screening CT of {screens[0][0]}; before a first screen the visit must "
                    "come first. If this was not the first screen, no visit is needed.",
                    subject.path(f"item[{visits[0][1]}]"),
                )
            )
        return out

    def _qualifies(self, diagnosis: Coding, on: date | None) -> bool:
        """Whether the diagnosis is a qualifying one. When the fiscal year of the date is not
        loaded, the newest year answers: the rule is about which codes qualify, and the
        code's own validity is reported apart (as unchecked)."""
        answer = self._codings.membership(QUALIFYING, diagnosis, on)
        if answer.result is None or any(i.message_id == NO_VERSION_ON_DATE for i in answer.issues):
            answer = self._codings.membership(QUALIFYING, diagnosis, None)
        return bool(answer.result)

    def _age(
        self,
        subject: Subject,
        line: str,
        code: str,
        on: date | None,
        reference: Any,
        severity: Severity,
        whose: str,
    ) -> list[Finding]:
        patient = subject.resolve(reference)
        birth = day_of(patient.get("birthDate")) if patient is not None else None
        if birth is None or on is None:
            missing = "the date of service" if on is None else "the patient's birthDate"
            return [
                Finding(
                    "warning",
                    "business-rule",
                    "ncd-screening-age-unchecked",
                    f"{SOURCE}: the age rule could not run for {code}: {missing} is not in the "
                    "request (send the Patient in the Bundle or as a contained resource)",
                    subject.path(line),
                )
            ]
        band = next(
            b
            for b in AGE_BANDS
            if (b.start is None or b.start <= on) and (b.end is None or on <= b.end)
        )
        age = age_on(birth, on)
        if band.low <= age <= band.high:
            return []
        return [
            Finding(
                severity,
                "business-rule",
                "ncd-screening-age",
                f"{SOURCE} {band.version}: screening is covered from age {band.low} to "
                f"{band.high}; the patient is {age} on {on}.{whose}",
                subject.path(line),
            )
        ]


def _next_screen(last: date) -> date:
    """The first day of the 12th month after ``last``'s: 11 full months have passed."""
    month = last.month + 12
    return date(last.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def diagnosis_codings(element: Any) -> list[Coding]:
    return [
        Coding(ICD10CM, c["code"])
        for c in codings_of(element)
        if c.get("system") == ICD10CM and isinstance(c.get("code"), str)
    ]
