"""The lines of a claim as the modifier and pair rules see them: the services of a line, the
modifiers it carries (those of a CPT expression such as ``71250:26`` too), its date of
service, and the modifier combinations a line may not carry."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from terminology.checks.codings import codings_of
from terminology.checks.findings import Finding
from terminology.checks.subject import Subject, day_of, json_list, json_object
from terminology.model import Coding
from terminology.uris import CPT, HCPCS, HCPCS_HTTPS, PROJECT_BASE

#: Pairs of modifiers one line may not carry together, with why.
CONFLICTS: tuple[tuple[frozenset[str], str], ...] = (
    (
        frozenset({"26", "TC"}),
        "26 (professional component) and TC (technical component) together are the global "
        "service: report the line without either",
    ),
    *(
        (
            frozenset({"59", x}),
            f"59 and {x} both say the service is distinct: report {x} alone (it says why)",
        )
        for x in ("XE", "XS", "XP", "XU")
    ),
)
MODIFIER_SYSTEMS = frozenset({CPT, HCPCS, HCPCS_HTTPS})


@dataclass(frozen=True, slots=True)
class ClaimLine:
    """One CPT or HCPCS service of a claim item, as the rules across lines see it."""

    index: int
    code: str
    day: date | None
    modifiers: frozenset[str]
    units: int = 1


def claim_lines(index: int, item: Mapping[str, Any], on: date | None) -> list[ClaimLine]:
    """The CPT and HCPCS services of one claim item, with its modifiers (those of a CPT
    expression too), for the procedure-pair edits."""
    service, expressed = split_expressions(item.get("productOrService"))
    modifiers = {code for _, code in expressed}
    for modifier in json_list(item.get("modifier")):
        for coding in codings_of(modifier):
            if isinstance(coding.get("code"), str):
                modifiers.add(coding["code"])
    quantity = json_object(item.get("quantity")).get("value", 1)
    units = int(quantity) if isinstance(quantity, (int, float)) and quantity >= 0 else 1
    return [
        ClaimLine(index, coding.code or "", on, frozenset(modifiers), units)
        for coding in plain_codings(service)
        if coding.system in MODIFIER_SYSTEMS
    ]


def line_day(item: Any) -> date | None:
    if not isinstance(item, Mapping):
        return None
    return day_of(item.get("servicedDate")) or day_of(
        json_object(item.get("servicedPeriod")).get("start")
    )


def plain_codings(element: Any) -> Iterable[Coding]:
    for coding in codings_of(element):
        system, code = coding.get("system"), coding.get("code")
        if isinstance(system, str) and isinstance(code, str):
            yield Coding(system, code.split(":", 1)[0])


def split_expressions(element: Any) -> tuple[Any, list[tuple[int, str]]]:
    """``element`` with each CPT expression (``71250:26``, THO's way to send modifiers in the
    code) replaced by its base code, and the (coding index, modifier) pairs it carried."""
    codings = codings_of(element)
    if not any(
        c.get("system") == CPT and ":" in str(c.get("code", "")) for c in codings
    ) or not isinstance(element, Mapping):
        return element, []
    modifiers: list[tuple[int, str]] = []
    rewritten = []
    for j, coding in enumerate(codings):
        code = coding.get("code")
        if coding.get("system") == CPT and isinstance(code, str) and ":" in code:
            base, *parts = code.split(":")
            modifiers += [(j, part) for part in parts if part]
            coding = {k: v for k, v in coding.items() if k != "display"} | {"code": base}
        rewritten.append(coding)
    return {**element, "coding": rewritten}, modifiers


def modifier_conflicts(subject: Subject, modifiers: list[tuple[str, str]]) -> list[Finding]:
    out = []
    present = {code for code, _ in modifiers}
    for pair, why in CONFLICTS:
        if pair <= present:
            where = [relative for code, relative in modifiers if code in pair][-1]
            out.append(
                Finding(
                    "error",
                    "business-rule",
                    "modifier-conflict",
                    f"Modifiers {' and '.join(sorted(pair))} on one line: {why}",
                    subject.path(where),
                )
            )
    return out


def as_modifier_finding(finding: Finding, modifier: Any) -> Finding:
    """A modifier outside the chest-imaging modifiers is 'not allowed', not 'not in a VS'."""
    if finding.reason != "not-in-bound-valueset":
        return finding
    codes = ", ".join(
        f"{c.get('code')} ({c.get('system')})" for c in codings_of(modifier) if c.get("code")
    )
    return Finding(
        finding.severity,
        "business-rule",
        "modifier-not-allowed",
        f"Modifier {codes or '(none)'} is not allowed on a chest-imaging line: the allowed "
        "modifiers are those of "
        f"{PROJECT_BASE}/ValueSet/chest-imaging-claim-modifiers (26, 52, 53, 59, 76, 77, TC, "
        "FX, FY, XE, XP, XS, XU)",
        finding.expression,
    )
