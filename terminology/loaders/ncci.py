"""CMS NCCI procedure-to-procedure (PTP) edit files: the practitioner (``ccipra``) and
outpatient hospital (``ccioph``) tables, in CMS's text layout.

Notice and header lines come first; then one tab-separated row per edit: column 1 code,
column 2 code, ``*`` when the edit existed before 1996, effective date (YYYYMMDD), deletion
date (YYYYMMDD, or ``*`` for none), modifier indicator (0 never bypassed, 1 bypassed by an
NCCI-associated modifier, 9 not applicable) and the edit's rationale.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from terminology.errors import TerminologyError
from terminology.loaders.sources import open_text

_ROW = re.compile(r"^[0-9A-Z]{5}\t")


@dataclass(frozen=True, slots=True)
class PtpEdit:
    column1: str
    column2: str
    effective: date
    deleted: date | None
    modifier_indicator: str
    rationale: str

    def in_force(self, day: date) -> bool:
        return self.effective <= day and (self.deleted is None or day <= self.deleted)

    @property
    def unverified(self) -> bool:
        return self.rationale.upper().startswith("UNVERIFIED")


def read_ptp(path: Path) -> list[PtpEdit]:
    try:
        text = open_text(path).decode("utf-8-sig")
    except UnicodeDecodeError:
        text = open_text(path).decode("latin-1")
    edits = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not _ROW.match(line):
            continue  # notice and header lines
        fields = line.split("\t")
        if len(fields) < 6:
            raise TerminologyError(f"{path}, line {number}: not an NCCI PTP row")
        try:
            edits.append(
                PtpEdit(
                    fields[0].strip(),
                    fields[1].strip(),
                    _day(fields[3]),
                    None if fields[4].strip() in ("*", "") else _day(fields[4]),
                    fields[5].strip(),
                    fields[6].strip() if len(fields) > 6 else "",
                )
            )
        except ValueError as exc:
            raise TerminologyError(f"{path}, line {number}: {exc}") from exc
        if edits[-1].modifier_indicator not in ("0", "1", "9"):
            raise TerminologyError(f"{path}, line {number}: modifier indicator is not 0, 1 or 9")
    return edits


def _day(value: str) -> date:
    text = value.strip()
    if not re.fullmatch(r"\d{8}", text):
        raise ValueError(f"{text!r} is not a YYYYMMDD date")
    return date(int(text[:4]), int(text[4:6]), int(text[6:]))


@dataclass(frozen=True, slots=True)
class MueEdit:
    """A medically unlikely edit: the most units of ``code`` per line (adjudication indicator
    1) or per date of service (2 and 3)."""

    code: str
    units: int
    indicator: str
    rationale: str

    @property
    def per_day(self) -> bool:
        return not self.indicator.startswith("1")

    @property
    def unverified(self) -> bool:
        return self.rationale.upper().startswith("UNVERIFIED")


def read_mue(path: Path) -> list[MueEdit]:
    """CMS's MUE CSV (``MCR_MUE_PractitionerServices_Eff_*.csv``): notice lines, a header, then
    code, MUE value, adjudication indicator ("3 Date of Service Edit: Clinical"), rationale."""
    try:
        text = open_text(path).decode("utf-8-sig")
    except UnicodeDecodeError:
        text = open_text(path).decode("latin-1")
    edits = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or not re.fullmatch(r"[0-9A-Z]{5}", row[0].strip()):
            continue  # notice and header lines
        if len(row) < 3 or not row[1].strip().isdigit():
            raise TerminologyError(
                f"{path}, line {number}: not an MUE row (code, units, indicator)"
            )
        indicator = row[2].strip()
        if indicator[:1] not in ("1", "2", "3"):
            raise TerminologyError(
                f"{path}, line {number}: adjudication indicator is not 1, 2 or 3"
            )
        edits.append(
            MueEdit(row[0].strip(), int(row[1]), indicator, row[3].strip() if len(row) > 3 else "")
        )
    return edits
