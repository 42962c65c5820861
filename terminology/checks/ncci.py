"""NCCI edits on one claim. Procedure-to-procedure: two lines on the same date of service whose
codes form an edit in force that day (the column 2 line is the one at fault). Medically
unlikely edits: more units of a code than the MUE allows on a line, or on a date of service.

A modifier indicator of 1 with 59, XE, XP, XS or XU on either line bypasses the edit (it is then
information: the modifier must be supported by the record); 0 never bypasses. The edits are
Medicare's: errors for Medicare, warnings otherwise. Edits our table marks unverified say so.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from terminology.checks.claim_lines import ClaimLine
from terminology.checks.findings import Finding
from terminology.checks.payer import Payer
from terminology.checks.subject import Subject
from terminology.loaders.ncci import Kind, MueEdit, NcciTable, PtpEdit, Setting
from terminology.model import Severity

BYPASS_MODIFIERS = frozenset({"59", "XE", "XP", "XS", "XU"})
_KINDS: tuple[tuple[Kind, str], ...] = (
    ("ptp", "procedure-to-procedure"),
    ("mue", "medically unlikely"),
)


class NcciRules:
    """The NCCI tables in force: PTP and MUE, for practitioners (professional claims) and
    outpatient hospitals (institutional claims)."""

    def __init__(self, tables: Iterable[NcciTable]) -> None:
        self.tables = {(t.setting, t.kind): t for t in tables}
        self._edits: dict[Setting, dict[tuple[str, str], list[PtpEdit]]] = {}
        self._mue: dict[Setting, dict[str, MueEdit]] = {}
        for (setting, kind), table in self.tables.items():
            if kind == "ptp":
                pairs = self._edits.setdefault(setting, {})
                for edit in table.ptp:
                    pairs.setdefault((edit.column1, edit.column2), []).append(edit)
            else:
                self._mue[setting] = {m.code: m for m in table.mue}

    def check(
        self, subject: Subject, lines: list[ClaimLine], payer: Payer, setting: Setting
    ) -> list[Finding]:
        if not lines:
            return []
        out: list[Finding] = []
        for kind, what in _KINDS:
            table = self.tables.get((setting, kind))
            if table is None:
                out.append(_not_loaded(subject, setting, what))
            elif kind == "ptp":
                out += self._pairs(subject, lines, payer, table.source, self._edits[setting])
            else:
                out += self._units(subject, lines, payer, table.source, self._mue[setting])
        return out

    def _units(
        self,
        subject: Subject,
        lines: list[ClaimLine],
        payer: Payer,
        source: str,
        limits: dict[str, MueEdit],
    ) -> list[Finding]:
        out: list[Finding] = []
        totals: dict[tuple[str, date | None], tuple[int, ClaimLine]] = {}
        for line in lines:
            edit = limits.get(line.code)
            if edit is None:
                continue
            if not edit.per_day:
                if line.units > edit.units:
                    out.append(_mue_finding(subject, edit, line, line.units, payer, source))
                continue
            units, _ = totals.get((line.code, line.day), (0, line))
            totals[(line.code, line.day)] = (units + line.units, line)
        for (code, _day), (units, last) in totals.items():
            edit = limits[code]
            if units > edit.units:
                out.append(_mue_finding(subject, edit, last, units, payer, source))
        return out

    def _pairs(
        self,
        subject: Subject,
        lines: list[ClaimLine],
        payer: Payer,
        source: str,
        edits: dict[tuple[str, str], list[PtpEdit]],
    ) -> list[Finding]:
        out: list[Finding] = []
        for first in lines:
            for second in lines:
                if first.index == second.index or first.day is None or first.day != second.day:
                    continue
                edit = next(
                    (e for e in edits.get((first.code, second.code), ()) if e.in_force(first.day)),
                    None,
                )
                if edit is not None:
                    out.append(_pair_finding(subject, edit, first, second, payer, source))
        return out


def _whose(payer: Payer) -> str:
    if payer.medicare:
        return f" The claim is Medicare's ({payer.evidence})."
    return " This is Medicare's edit; the claim's coverage is not Medicare."


def _not_loaded(subject: Subject, setting: Setting, what: str) -> Finding:
    table = "practitioner" if setting == "professional" else "outpatient hospital"
    return Finding(
        "information",
        "business-rule",
        "ncci-table-missing",
        f"NCCI {what} edits were not checked: this is a {setting} claim, and no {table} "
        f"table is loaded (terminology load ncci)",
        subject.path("type"),
    )


def _mue_finding(
    subject: Subject, edit: MueEdit, line: ClaimLine, units: int, payer: Payer, source: str
) -> Finding:
    scope = f"a day (on {line.day})" if edit.per_day else "a line"
    flag = " The MUE value is unverified." if edit.unverified else ""
    severity: Severity = "error" if payer.medicare else "warning"
    return Finding(
        severity,
        "business-rule",
        "ncci-mue",
        f"NCCI medically unlikely edit for {edit.code} ({source}): at most "
        f"{edit.units} unit(s) in {scope}, and the claim reports {units}: report the units "
        f"performed, and split a genuine excess with its documentation.{flag}{_whose(payer)}",
        subject.path(f"item[{line.index}].quantity"),
    )


def _pair_finding(
    subject: Subject,
    edit: PtpEdit,
    first: ClaimLine,
    second: ClaimLine,
    payer: Payer,
    source: str,
) -> Finding:
    name = f"NCCI PTP edit {edit.column1}/{edit.column2} ({source})"
    why = edit.rationale.split(":", 1)[-1].strip() if edit.unverified else edit.rationale
    flag = " The edit and its modifier indicator are unverified." if edit.unverified else ""
    whose = _whose(payer)
    bypass = sorted((first.modifiers | second.modifiers) & BYPASS_MODIFIERS)
    where = subject.path(f"item[{second.index}]")
    if edit.modifier_indicator == "1" and bypass:
        return Finding(
            "information",
            "business-rule",
            "ncci-ptp",
            f"{name}: {edit.column1} and {edit.column2} on {first.day} are reported apart "
            f"with modifier {', '.join(bypass)}; the record must show the distinct "
            f"service.{flag}",
            where,
        )
    severity: Severity = "error" if payer.medicare else "warning"
    never = " (its modifier indicator 0 allows no bypass)" if edit.modifier_indicator == "0" else ""
    return Finding(
        severity,
        "business-rule",
        "ncci-ptp",
        f"{name}: {edit.column1} and {edit.column2} on the same day {first.day}{never}: "
        f"{why}.{flag}{whose}",
        where,
    )
