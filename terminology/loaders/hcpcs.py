"""Reads CMS's annual HCPCS Level II file into one calendar year's CodeSystem: the fixed-width
text (``HCPC2026_JAN_ANWEB_*.txt``) CMS publishes beside its Excel file.

Why the text and not the Excel: its layout is documented by CMS (``HCPC<YYYY>_recordlayout.txt``)
and has kept the same 320-character record for years, and reading it needs no spreadsheet
library. Its positions are in one table, ``HCPCS_COLUMNS``, which a caller may override.

A code's long description spans several lines: the first line (record id 3 for a procedure, 7
for a modifier) carries the short description and every other field; continuation lines (4, 8)
carry only the next 80 characters of the long description. The file keeps deleted codes for a
few years with their termination date (the 2016 file still lists codes ended 2014-12-31), so a
year's version holds the codes in force on some day of that year, as our published HCPCS
versions do (valuesets/README.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any

from terminology.authoring.common import HCPCS_COPYRIGHT
from terminology.authoring.fhir import PROPERTY_DEFS, prop
from terminology.errors import TerminologyError
from terminology.loaders.sources import (
    Provenance,
    calendar_year_header,
    open_text,
    property_declaration,
    source_name,
)
from terminology.storage.records import ConceptRecord
from terminology.uris import (
    CPT,
    HCPCS,
    SNOMED,
)

#: Where each field is, as 1-based inclusive (first, last) positions: CMS's record layout
#: "HCPCS Contractor Record" (``HCPCS2016_recordlayout.txt``, 320 characters; the 2024 layout
#: document keeps the 320-character record), checked against the lines of CMS's data file
#: ``HCPC2016_CONTR_ANWEB.txt`` (G0297: added 2015-02-05; G0290: terminated 2012-12-31 with
#: cross-references C9600-C9604; modifier AA: "   AA00100 7"). Both files were read in the
#: public repository ufbmi/icd-tools (hcpcs-2016/). Pass ``columns=`` to read_hcpcs for a year
#: whose layout moved.
HCPCS_COLUMNS: Mapping[str, tuple[int, int]] = MappingProxyType(
    {
        "code": (1, 5),  # a modifier is in 4-5, with 1-3 blank
        "sequence": (6, 10),  # 00100, 00200, ...: orders the lines of one code
        "record_id": (11, 11),  # 3 / 4: procedure first / next line; 7 / 8: modifier
        "long_description": (12, 91),
        "short_description": (92, 119),
        "cross_references": (205, 229),  # five 5-character codes a deleted code maps to
        "add_date": (269, 276),  # YYYYMMDD, as every date
        "action_effective_date": (277, 284),
        "termination_date": (285, 292),  # last date of service the code may be used
        "action_code": (293, 293),  # A add, D discontinue, N no change, R reactivate, ...
    }
)
_FIRST = {"3": False, "7": True}  # record id of a first line -> is a modifier
_NEXT = {"4": "3", "8": "7"}  # record id of a continuation line -> its first line's
_KINDS = {"3": "procedure code (5 characters)", "7": "modifier (2 characters in columns 4-5)"}
_CODE = re.compile(r"[A-Z0-9]{5}|   [A-Z0-9]{2}")
_CPT_CODE = re.compile(r"\d{4}[0-9FTU]")  # HCPCS Level I; Level II codes begin with a letter
_YEAR_IN_NAME = re.compile(r"HCPC(\d{4})", re.IGNORECASE)
#: Designation use of the short descriptor: SNOMED CT "Synonym", as FHIR's examples use it.
_SYNONYM = {"system": SNOMED, "code": "900000000000013009", "display": "Synonym"}


@dataclass(frozen=True, slots=True)
class HcpcsCode:
    """One procedure code or modifier of the file, its long description joined."""

    code: str
    long_description: str
    short_description: str | None
    modifier: bool
    added: str | None  # ISO dates
    action_effective: str | None
    terminated: str | None
    action: str
    cross_references: tuple[str, ...]

    def in_force(self, year: int) -> bool:
        """In force on some day of ``year``."""
        return (self.added is None or self.added <= f"{year}-12-31") and (
            self.terminated is None or self.terminated >= f"{year}-01-01"
        )


@dataclass(frozen=True, slots=True)
class HcpcsRelease:
    """The codes of one HCPCS file in force in one calendar year, in the file's order."""

    year: str
    codes: tuple[HcpcsCode, ...]
    #: Codes the file lists that are not in force in the year: terminated before it began
    #: (or added after it ended).
    not_in_force: tuple[str, ...]
    source_file: str


def read_hcpcs(
    path: Path,
    year: str | None = None,
    columns: Mapping[str, tuple[int, int]] | None = None,
) -> HcpcsRelease:
    """The codes in force in ``year`` (by default the year in the file name, ``HCPC2026...``).

    ``columns`` replaces entries of ``HCPCS_COLUMNS`` (1-based inclusive positions)."""
    year = year or _year_in_name(path)
    if not re.fullmatch(r"\d{4}", year):
        raise TerminologyError(f"{path}: {year!r} is not a calendar year")
    layout = _layout(columns)
    data = open_text(path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")  # one byte a character: the columns stay where they are
    codes = list(_codes(text.splitlines(), layout, path))
    if not codes:
        raise TerminologyError(f"{path}: holds no HCPCS records")
    return HcpcsRelease(
        year=year,
        codes=tuple(c for c in codes if c.in_force(int(year))),
        not_in_force=tuple(c.code for c in codes if not c.in_force(int(year))),
        source_file=source_name(path),
    )


def _year_in_name(path: Path) -> str:
    found = _YEAR_IN_NAME.search(path.name)
    if not found:
        raise TerminologyError(f"{path}: no year in the file name (HCPC2026...); give the year")
    return found.group(1)


def _layout(columns: Mapping[str, tuple[int, int]] | None) -> dict[str, slice]:
    merged = {**HCPCS_COLUMNS, **(columns or {})}
    unknown = set(merged) - set(HCPCS_COLUMNS)
    if unknown:
        raise ValueError(f"unknown HCPCS columns {sorted(unknown)}")
    for name, (first, last) in merged.items():
        if not 1 <= first <= last:
            raise ValueError(f"HCPCS column {name}: ({first}, {last}) is not a range")
    return {name: slice(first - 1, last) for name, (first, last) in merged.items()}


@dataclass(slots=True)
class _Pending:
    """A code whose continuation lines may still follow."""

    first: dict[str, str]
    line: int
    record_id: str
    sequence: int
    parts: list[str]


def _codes(lines: list[str], layout: dict[str, slice], path: Path) -> Iterator[HcpcsCode]:
    pending: _Pending | None = None
    seen: set[str] = set()
    first_length = max(s.stop for s in layout.values())
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}, line {number}"
        fields = {name: line[s] for name, s in layout.items()}
        code, record_id = fields["code"], fields["record_id"]
        if not _CODE.fullmatch(code) or not fields["sequence"].isdigit():
            raise TerminologyError(
                f"{where}: not an HCPCS record (code in columns 1-5, sequence number in 6-10)"
            )
        sequence = int(fields["sequence"])
        if record_id in _NEXT:
            if (
                pending is None
                or pending.first["code"] != code
                or pending.record_id != _NEXT[record_id]
                or sequence <= pending.sequence
            ):
                raise TerminologyError(
                    f"{where}: continuation line (record id {record_id}) of {code.strip()} "
                    "does not follow that code's earlier lines"
                )
            pending.parts.append(fields["long_description"])
            pending.sequence = sequence
            continue
        if record_id not in _FIRST:
            raise TerminologyError(f"{where}: record id {record_id!r} is not 3, 4, 7 or 8")
        if _FIRST[record_id] != code.startswith("   "):
            raise TerminologyError(
                f"{where}: {code.strip()} is not a {_KINDS[record_id]} (record id {record_id})"
            )
        if len(line) < first_length:
            raise TerminologyError(
                f"{where}: the first line of {code.strip()} ends at column {len(line)}, "
                f"before its last field (column {first_length})"
            )
        if code in seen:
            raise TerminologyError(f"{where}: code {code.strip()} appears twice")
        seen.add(code)
        if pending is not None:
            yield _finish(pending, path)
        pending = _Pending(fields, number, record_id, sequence, [fields["long_description"]])
    if pending is not None:
        yield _finish(pending, path)


def _finish(pending: _Pending, path: Path) -> HcpcsCode:
    first = pending.first
    where = f"{path}, line {pending.line}"
    long_description = " ".join(" ".join(pending.parts).split())
    if not long_description:
        raise TerminologyError(f"{where}: {first['code'].strip()} has no long description")
    action = first["action_code"].strip()
    if not action.isalpha():
        raise TerminologyError(f"{where}: action code {action!r} is not a letter")
    xrefs = first["cross_references"]
    return HcpcsCode(
        code=first["code"].strip(),
        long_description=long_description,
        short_description=" ".join(first["short_description"].split()) or None,
        modifier=_FIRST[pending.record_id],
        added=_date(first["add_date"], where),
        action_effective=_date(first["action_effective_date"], where),
        terminated=_date(first["termination_date"], where),
        action=action,
        cross_references=tuple(
            x for x in (xrefs[i : i + 5].strip() for i in range(0, len(xrefs), 5)) if x
        ),
    )


def _date(value: str, where: str) -> str | None:
    """``YYYYMMDD`` as an ISO date; blank (or zeros) is no date."""
    value = value.strip()
    if not value or value == "00000000":
        return None
    try:
        if len(value) != 8 or not value.isdigit():
            raise ValueError(value)
        return date(int(value[:4]), int(value[4:6]), int(value[6:])).isoformat()
    except ValueError:
        raise TerminologyError(f"{where}: {value!r} is not a date (YYYYMMDD)") from None


# -- the CodeSystem ----------------------------------------------------------------------------


def code_system(
    release: HcpcsRelease, provenance: Provenance
) -> tuple[dict[str, Any], list[ConceptRecord]]:
    """The CodeSystem header for one calendar year and its concepts, ready for the store: same
    url, id and version as our published ``hcpcs-<year>`` fragment, which it replaces."""
    year = release.year
    records = [ConceptRecord(c.code, c.long_description, None, _extra(c)) for c in release.codes]
    used = {p["code"] for r in records if r.extra for p in r.extra["property"]}
    header = calendar_year_header(
        id_=f"hcpcs-{year}",
        url=HCPCS,
        year=year,
        name=f"HCPCSLevelII{year}",
        title=f"HCPCS Level II {year}",
        provenance=provenance,
    )
    header |= {
        "publisher": "Centers for Medicare & Medicaid Services (CMS)",
        "description": (
            f"The complete HCPCS Level II codes and modifiers in force for dates of service in "
            f"{year} ({year}-01-01 to {year}-12-31), with the CMS long descriptors as displays "
            "and the short descriptors as designations. A code deleted during the year carries "
            "its last date (endDate). The system is also known by its https:// spelling. "
            "Source: " + provenance.describe(release.source_file) + "."
        ),
        "copyright": HCPCS_COPYRIGHT,
        "caseSensitive": True,
        "content": "complete",
        "property": [property_declaration(d) for d in PROPERTY_DEFS if d.code in used],
    }
    return header, records


def _extra(c: HcpcsCode) -> dict[str, Any]:
    """Properties as our published HCPCS versions have them, and the short descriptor."""
    props = []
    # The add date is when the code came into force; the action effective date is that of
    # the latest change (a new description, say), so it stands in only for an added code.
    effective = c.added or (c.action_effective if c.action == "A" else None)
    if effective:
        props.append(prop("effectiveDate", effective))
    if c.terminated:
        props.append(prop("endDate", c.terminated))
    props.append(prop("status", "active"))
    props += _replacements(c)
    props.append(prop("modifier", c.modifier))
    extra: dict[str, Any] = {}
    if c.short_description:
        extra["designation"] = [
            {"language": "en", "use": dict(_SYNONYM), "value": c.short_description}
        ]
    extra["property"] = props
    return extra


def _replacements(c: HcpcsCode) -> list[dict[str, Any]]:
    """A deleted code's cross-references are the codes that replace it. replacedBySystem names
    one system for all of them, so Level II replacements win over CPT ones when both occur."""
    if not c.terminated or not c.cross_references:
        return []
    own = [x for x in c.cross_references if not _CPT_CODE.fullmatch(x)]
    if own:
        return [prop("replacedBy", x) for x in own]
    return [prop("replacedBy", x) for x in c.cross_references] + [prop("replacedBySystem", CPT)]
