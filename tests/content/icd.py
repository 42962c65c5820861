"""The shipped ICD-10-CM releases, read once per test run through our tabular reader."""

from __future__ import annotations

from functools import cache

from terminology.loaders.icd10cm import IcdRelease, IcdRow, read_tabular

from .helpers import VALUESETS

FILES = {
    "2025": VALUESETS / "sources" / "icd10cm" / "icd10cm-tabular-April-2025.xml.gz",
    "2026": VALUESETS / "sources" / "icd10cm" / "icd10c-tabular-April-1-2026.xml.gz",
}


@cache
def icd_release(version: str) -> IcdRelease:
    return read_tabular(FILES[version])


@cache
def icd_rows(version: str) -> dict[str, IcdRow]:
    return {row.code: row for row in icd_release(version).rows}
