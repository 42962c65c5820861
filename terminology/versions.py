"""Ordering of business versions, as FHIR's version-algorithm codes describe it.

CPT and HCPCS versions are years, ICD-10-CM versions are fiscal years, LOINC releases look like
``2.81``: none is semver, so "latest" is decided by comparing the numeric parts in order.
"""

from __future__ import annotations

import re

_PART = re.compile(r"(\d+)|([^\d]+)")


def version_sort_key(version: str | None, algorithm: str | None) -> tuple[object, ...]:
    """A key that sorts versions oldest first; ``None`` (no version) sorts before everything."""
    if version is None:
        return (0,)
    if algorithm == "alpha":
        return (1, version)
    # integer, semver, date, natural and unknown algorithms all order well by numeric parts.
    parts: list[tuple[int, int | str]] = []
    for number, text in _PART.findall(version):
        parts.append((1, int(number)) if number else (0, text))
    return (1, tuple(parts))
