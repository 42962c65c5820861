"""Reads the CMS/NCHS ICD-10-CM files into concept rows: the tabular XML (hierarchy, titles,
7th-character rules) and, when given instead, the fixed-width order file.

The tabular lists every code but the ~45,000 with a 7th character, which it defines by rules
(``sevenChrDef``) on a category or subcategory; the order file lists every code flat, with its
billable flag. Both describe one fiscal year, ``2026`` = 2025-10-01 to 2026-09-30.

The hierarchy kept: chapter (its code is its range, ``J00-J99``) -> block (``J09-J18``) ->
category (``J18``) -> subcategories -> codes. Placeholder levels (``S06.0X``, marked
``placeholder="true"``) are not codes: their children hang from the level above, as CMS's
order file has it (S22.5XXA's parent is S22.5).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from terminology.authoring.common import ICD10CM_COPYRIGHT
from terminology.errors import TerminologyError
from terminology.loaders.sources import Provenance as Provenance
from terminology.loaders.sources import open_text as open_text
from terminology.loaders.sources import source_name
from terminology.storage.records import ConceptRecord
from terminology.uris import (
    CONCEPT_PROPERTIES,
    EXT_EFFECTIVE_PERIOD,
    EXT_VERSION_ALGORITHM,
    ICD10CM,
    VERSION_ALGORITHM_SYSTEM,
)

#: A chapter's range at the end of its title: "Diseases of the respiratory system (J00-J99)".
_CHAPTER_RANGE = re.compile(r"\(([A-Z][0-9A-Z]{2}-[A-Z][0-9A-Z]{2})\)\s*$")
#: What the 7th character is appended to: the code without its dot, padded with X to 6.
_PADDED_LENGTH = 6


@dataclass(frozen=True, slots=True)
class IcdRow:
    """One ICD-10-CM code or header, in tabular order (depth first)."""

    code: str
    display: str
    parent: str | None
    #: A code one may report (a billable leaf); chapters, blocks and headers are not.
    billable: bool
    kind: str  # chapter | block | category | subcategory | code


@dataclass(frozen=True, slots=True)
class IcdRelease:
    """One fiscal year's ICD-10-CM as read from the CMS files."""

    version: str
    rows: tuple[IcdRow, ...]
    source_file: str

    @property
    def billable_count(self) -> int:
        return sum(1 for row in self.rows if row.billable)


def read_tabular(path: Path) -> IcdRelease:
    """Every chapter, block, header and code of one tabular XML file (``.xml`` or ``.xml.gz``)."""
    try:
        root = ET.fromstring(open_text(path))
    except ET.ParseError as exc:
        raise TerminologyError(f"{path}: not an ICD-10-CM tabular XML file ({exc})") from exc
    if root.tag != "ICD10CM.tabular":
        raise TerminologyError(f"{path}: the root element is {root.tag}, not ICD10CM.tabular")
    version = (root.findtext("version") or "").strip()
    if not re.fullmatch(r"\d{4}", version):
        raise TerminologyError(f"{path}: <version> is {version!r}, not a fiscal year")
    rows = tuple(_chapters(root, path))
    _check_unique(rows, path)
    return IcdRelease(version=version, rows=rows, source_file=source_name(path))


def _text(element: ET.Element, tag: str) -> str:
    return " ".join((element.findtext(tag) or "").split())


def _chapters(root: ET.Element, path: Path) -> Iterator[IcdRow]:
    for chapter in root.iter("chapter"):
        title = _text(chapter, "desc")
        refs = chapter.findall("sectionIndex/sectionRef")
        if not refs:
            raise TerminologyError(f"{path}: chapter {_text(chapter, 'name')} has no sections")
        # The chapter's range as its title gives it ("... (U00-U85)"), which may reach beyond
        # the blocks it has (U00-U49); else the range its blocks span.
        stated = _CHAPTER_RANGE.search(title)
        chapter_code = (
            stated.group(1) if stated else f"{refs[0].get('first')}-{refs[-1].get('last')}"
        )
        yield IcdRow(chapter_code, title, None, False, "chapter")
        for section in chapter.iter("section"):
            block = section.get("id") or ""
            if not block:
                raise TerminologyError(f"{path}: a section of chapter {chapter_code} has no id")
            parent = chapter_code
            # A block of one category (B10) is that category, and a chapter of one block is
            # that block: neither is a level of its own.
            if "-" in block and block != chapter_code:
                yield IcdRow(block, _text(section, "desc"), chapter_code, False, "block")
                parent = block
            for diag in section.findall("diag"):
                yield from _diag(diag, parent, None, depth=0)


def _diag(
    diag: ET.Element,
    parent: str,
    seventh: tuple[tuple[str, str], ...] | None,
    *,
    depth: int,
) -> Iterator[IcdRow]:
    code = _text(diag, "name")
    title = _text(diag, "desc")
    own = diag.find("sevenChrDef")
    if own is not None:
        seventh = tuple(
            (ext.get("char", ""), " ".join((ext.text or "").split()))
            for ext in own.findall("extension")
        )
    children = diag.findall("diag")
    if diag.get("placeholder") == "true":
        # Not a code: its children belong to the level above.
        for child in children:
            yield from _diag(child, parent, seventh, depth=depth)
        return
    kind = "category" if depth == 0 else "subcategory"
    characters = code.replace(".", "")
    if children:
        yield IcdRow(code, title, parent, False, kind)
        for child in children:
            yield from _diag(child, code, seventh, depth=depth + 1)
    elif seventh and len(characters) < 7:
        yield IcdRow(code, title, parent, False, kind)
        for char, meaning in _seventh_characters(code, seventh):
            full = _with_seventh(code, char)
            yield IcdRow(full, f"{title}, {meaning}", code, True, "code")
    else:
        yield IcdRow(code, title, parent, True, "code")


def _seventh_characters(
    code: str, seventh: tuple[tuple[str, str], ...]
) -> tuple[tuple[str, str], ...]:
    """The 7th characters a code takes. Category S06's notes allow only A (initial encounter)
    on the codes for death before regaining consciousness (6th character 7 or 8)."""
    characters = code.replace(".", "")
    if characters.startswith("S06") and len(characters) == 6 and characters[5] in "78":
        return tuple(item for item in seventh if item[0] == "A")
    return seventh


def _with_seventh(code: str, char: str) -> str:
    characters = code.replace(".", "").ljust(_PADDED_LENGTH, "X") + char
    return f"{characters[:3]}.{characters[3:]}"


def _check_unique(rows: tuple[IcdRow, ...], path: Path) -> None:
    seen: set[str] = set()
    for row in rows:
        if row.code in seen:
            raise TerminologyError(f"{path}: code {row.code} appears twice")
        seen.add(row.code)


# -- the order file ----------------------------------------------------------------------------

#: Columns of ``icd10cm_order_YYYY.txt`` (1-based in CMS's description, 0-based here): order
#: number 1-5, code 7-13 (no dot, left-justified), header flag 15 (1 = billable), short title
#: 17-76, long title 78 to the end; columns 6, 14, 16 and 77 are blank.
_ORDER_CODE = slice(6, 13)
_ORDER_FLAG = 14
_ORDER_LONG = 77
_ORDER_BLANKS = (5, 13, 15, 76)
#: An ICD-10-CM code without its dot: a letter, two more characters (QA0 has a letter second),
#: up to four more. ICD-10-PCS's order file has the same layout, but its codes begin with a
#: digit in its first lines, so it is refused at once rather than read as ICD-10-CM.
_ORDER_CODE_SHAPE = re.compile(r"[A-Z][0-9A-Z]{2}[0-9A-Z]{0,4}")


def read_order_file(path: Path, version: str) -> IcdRelease:
    """The flat order file: every code and header, no chapters or blocks. A header's parent is
    the longest header that is a prefix of it (the order file has no other hierarchy).

    Every line is checked against the fixed layout (blank separators, a left-justified code of
    ICD-10-CM's shape), so a file of another layout is refused instead of misread."""
    if not re.fullmatch(r"\d{4}", version):
        raise TerminologyError(f"{path}: version {version!r} is not a fiscal year")
    try:
        # utf-8-sig: a byte-order mark, as some editors save, is not part of line 1.
        lines = open_text(path).decode("utf-8-sig").splitlines()
    except UnicodeDecodeError as exc:
        raise TerminologyError(f"{path}: not UTF-8 text ({exc})") from exc
    rows: list[IcdRow] = []
    headers: dict[str, str] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        raw = line[_ORDER_CODE].rstrip()
        if (
            len(line) <= _ORDER_LONG
            or line[_ORDER_FLAG] not in "01"
            or not line[:5].isdigit()
            or any(line[i] != " " for i in _ORDER_BLANKS)
            or not _ORDER_CODE_SHAPE.fullmatch(raw)
        ):
            raise TerminologyError(
                f"{path}, line {number}: not an ICD-10-CM order-file record "
                "(order number, code, header flag, short and long title in fixed columns)"
            )
        code = raw if len(raw) <= 3 else f"{raw[:3]}.{raw[3:]}"
        parent = _order_parent(raw, headers)
        billable = line[_ORDER_FLAG] == "1"
        kind = "code" if billable else ("category" if len(raw) == 3 else "subcategory")
        rows.append(IcdRow(code, line[_ORDER_LONG:].strip(), parent, billable, kind))
        if not billable:
            headers[raw] = code
    release_rows = tuple(rows)
    _check_unique(release_rows, path)
    return IcdRelease(version=version, rows=release_rows, source_file=source_name(path))


def _order_parent(raw: str, headers: dict[str, str]) -> str | None:
    for length in range(len(raw) - 1, 2, -1):
        prefix = raw[:length].rstrip("X")
        if prefix in headers and len(prefix) < len(raw):
            return headers[prefix]
    return None


# -- the CodeSystem ----------------------------------------------------------------------------


def fiscal_year_period(version: str) -> tuple[str, str]:
    """FY2026 is 2025-10-01 to 2026-09-30."""
    year = int(version)
    return f"{year - 1}-10-01", f"{year}-09-30"


def code_system(
    release: IcdRelease, provenance: Provenance
) -> tuple[dict[str, Any], list[ConceptRecord]]:
    """The CodeSystem header for one fiscal year and its concepts, ready for the store."""
    start, end = fiscal_year_period(release.version)
    header: dict[str, Any] = {
        "resourceType": "CodeSystem",
        "id": f"icd10cm-{release.version}",
        "extension": [
            {"url": EXT_EFFECTIVE_PERIOD, "valuePeriod": {"start": start, "end": end}},
            {
                "url": EXT_VERSION_ALGORITHM,
                "valueCoding": {"system": VERSION_ALGORITHM_SYSTEM, "code": "integer"},
            },
        ],
        "url": ICD10CM,
        "version": release.version,
        "name": f"ICD10CMFY{release.version}",
        "title": f"ICD-10-CM FY{release.version}",
        "status": "active",
        "experimental": False,
        "publisher": "National Center for Health Statistics (NCHS), CDC",
        "description": (
            f"The complete ICD-10-CM for fiscal year {release.version} (dates of service "
            f"{start} to {end}): {_CONTENT[_source_kind(release)]} Only billable codes are "
            "selectable. Source: " + provenance.describe(release.source_file) + "."
        ),
        "copyright": ICD10CM_COPYRIGHT,
        "caseSensitive": True,
        "hierarchyMeaning": "is-a",
        "content": "complete",
        "property": [
            {
                "code": "notSelectable",
                "uri": f"{CONCEPT_PROPERTIES}#notSelectable",
                "description": "A chapter, block or header: not a code one may report or bill.",
                "type": "boolean",
            }
        ],
    }
    if provenance.release_date:
        header["date"] = provenance.release_date
    records = [
        ConceptRecord(row.code, row.display, row.parent, None if row.billable else _HEADER)
        for row in release.rows
    ]
    return header, records


_HEADER: dict[str, Any] = {"property": [{"code": "notSelectable", "valueBoolean": True}]}
#: What a release holds, by the file it was read from: the order file has no chapters or
#: blocks and lists the 7th-character codes itself.
_CONTENT = {
    "tabular": (
        "chapters (coded by their range, J00-J99), blocks (J09-J18), categories, "
        "subcategories and codes, with the official tabular titles; codes with a 7th "
        "character are generated from the tabular's rules."
    ),
    "order": (
        "categories, subcategories and codes as CMS's order file lists them (no chapters or "
        "blocks), with its long titles."
    ),
}


def _source_kind(release: IcdRelease) -> str:
    return "tabular" if any(row.kind == "chapter" for row in release.rows) else "order"
