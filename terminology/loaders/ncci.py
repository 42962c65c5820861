"""CMS NCCI procedure-to-procedure (PTP) edit files: the practitioner (``ccipra``) and
outpatient hospital (``ccioph``) tables, in CMS's text layout.

Notice and header lines come first; then one tab-separated row per edit: column 1 code,
column 2 code, ``*`` when the edit existed before 1996, effective date (YYYYMMDD), deletion
date (YYYYMMDD, or ``*`` for none), modifier indicator (0 never bypassed, 1 bypassed by an
NCCI-associated modifier, 9 not applicable) and the edit's rationale.
"""

from __future__ import annotations

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
