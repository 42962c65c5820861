"""NCCI edits on one claim. Procedure-to-procedure: two lines on the same date of service whose
codes form an edit in force that day (the column 2 line is the one at fault). Medically
unlikely edits: more units of a code than the MUE allows on a line, or on a date of service.

A modifier indicator of 1 with 59, XE, XP, XS or XU on either line bypasses the edit (it is then
information: the modifier must be supported by the record); 0 never bypasses. The edits are
Medicare's: errors for Medicare, warnings otherwise. Edits our table marks unverified say so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from terminology.checks.findings import Finding
from terminology.checks.subject import Subject
from terminology.loaders.ncci import MueEdit, PtpEdit
from terminology.model import Severity

BYPASS_MODIFIERS = frozenset({"59", "XE", "XP", "XS", "XU"})


@dataclass(frozen=True, slots=True)
class ClaimLine:
    index: int
    code: str
    day: date | None
    modifiers: frozenset[str]
    units: int = 1


class NcciRules:
    def __init__(self, edits: Iterable[PtpEdit], source: str, mue: Iterable[MueEdit] = ()) -> None:
        self._edits: dict[tuple[str, str], list[PtpEdit]] = {}
        for edit in edits:
            self._edits.setdefault((edit.column1, edit.column2), []).append(edit)
        self._mue = {m.code: m for m in mue}
        self.source = source

    def check(self, subject: Subject, lines: list[ClaimLine], *, medicare: bool) -> list[Finding]:
        return self._pairs(subject, lines, medicare=medicare) + self._units(
            subject, lines, medicare=medicare
        )

    def _units(self, subject: Subject, lines: list[ClaimLine], *, medicare: bool) -> list[Finding]:
        out: list[Finding] = []
        totals: dict[tuple[str, date | None], tuple[int, ClaimLine]] = {}
        for line in lines:
            edit = self._mue.get(line.code)
            if edit is None:
                continue
            if not edit.per_day:
                if line.units > edit.units:
                    out.append(self._mue_finding(subject, edit, line, line.units, medicare))
                continue
            units, _ = totals.get((line.code, line.day), (0, line))
            totals[(line.code, line.day)] = (units + line.units, line)
        for (code, _day), (units, last) in totals.items():
            edit = self._mue[code]
            if units > edit.units:
                out.append(self._mue_finding(subject, edit, last, units, medicare))
        return out

    def _mue_finding(
        self, subject: Subject, edit: MueEdit, line: ClaimLine, units: int, medicare: bool
    ) -> Finding:
        scope = f"a day (on {line.day})" if edit.per_day else "a line"
        flag = " The MUE value is unverified." if edit.unverified else ""
        whose = (
            "" if medicare else " This is Medicare's edit; the claim's coverage is not Medicare."
        )
        severity: Severity = "error" if medicare else "warning"
        return Finding(
            severity,
            "business-rule",
            "ncci-mue",
            f"NCCI medically unlikely edit for {edit.code} ({self.source}): at most "
            f"{edit.units} unit(s) in {scope}, and the claim reports {units}: report the units "
            f"performed, and split a genuine excess with its documentation.{flag}{whose}",
            subject.path(f"item[{line.index}].quantity"),
        )

    def _pairs(self, subject: Subject, lines: list[ClaimLine], *, medicare: bool) -> list[Finding]:
        out: list[Finding] = []
        for first in lines:
            for second in lines:
                if first.index == second.index or first.day is None or first.day != second.day:
                    continue
                edit = next(
                    (
                        e
                        for e in self._edits.get((first.code, second.code), ())
                        if e.in_force(first.day)
                    ),
                    None,
                )
                if edit is not None:
                    out.append(self._finding(subject, edit, first, second, medicare=medicare))
        return out

    def _finding(
        self,
        subject: Subject,
        edit: PtpEdit,
        first: ClaimLine,
        second: ClaimLine,
        *,
        medicare: bool,
    ) -> Finding:
        name = f"NCCI PTP edit {edit.column1}/{edit.column2} ({self.source})"
        why = edit.rationale.split(":", 1)[-1].strip() if edit.unverified else edit.rationale
        flag = " The edit and its modifier indicator are unverified." if edit.unverified else ""
        whose = (
            "" if medicare else " This is Medicare's edit; the claim's coverage is not Medicare."
        )
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
        severity: Severity = "error" if medicare else "warning"
        never = (
            " (its modifier indicator 0 allows no bypass)" if edit.modifier_indicator == "0" else ""
        )
        return Finding(
            severity,
            "business-rule",
            "ncci-ptp",
            f"{name}: {edit.column1} and {edit.column2} on the same day {first.day}{never}: "
            f"{why}.{flag}{whose}",
            where,
        )
