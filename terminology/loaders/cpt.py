"""One CPT year's CodeSystem from an AMA release (``cpt_files``), merged with what we know of our
chest-imaging codes, and the deletion history of the release applied to the versions it
concerns.

Merging. The AMA's long descriptor is the display and the medium and short descriptors are
designations: they replace our own short descriptions. The properties are ours where we have
the code (our ``cpt-YEAR`` fragment in the content directory: modality, contrast, views,
purpose, effectiveDate; and its endDate and replacements when the fragment is of the same year);
every other code gets the properties every CPT code has (status, modifier, modified, kind).
Our fragment is read from the content directory, not from the store, because the load replaces
the fragment of that year in the store and a second load must find the same properties.

The version is in force from January 1 to December 31 of its year, as our fragments are, and its
displays are official: no ``display-not-official`` extension, so a wrong display is an error.

Deletions. The history names each deleted code with the date it stopped being in force (CPT
deletes on January 1, Category III and PLA codes also mid-year). A code deleted on D was last
in force on D - 1, in the version of that year: when that is this release, the code gets its
endDate and replacements here; when it is an earlier release loaded before (``terminology load
cpt``), that version is stored again with them, in the same transaction. Our own fragments are
not rewritten: they already carry the deletions of the chest codes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from terminology.authoring.common import cpt_copyright
from terminology.authoring.fhir import PROPERTY_DEFS, prop
from terminology.loaders.cpt_files import CptRelease, Deletion
from terminology.loaders.load import LOADED
from terminology.loaders.sources import Provenance, calendar_year_header, property_declaration
from terminology.storage.records import ConceptRecord
from terminology.storage.store import ContentStore
from terminology.uris import (
    CPT,
    SNOMED,
)

#: Designation use of the medium and short descriptors: SNOMED CT "Synonym", as the HCPCS loader
#: and FHIR's examples use it.
_SYNONYM = {"system": SNOMED, "code": "900000000000013009", "display": "Synonym"}
#: Properties that hold only in the year they were written for.
_OF_THAT_YEAR = frozenset({"endDate", "replacedBy", "replacedBySystem"})
_ORDER = {d.code: n for n, d in enumerate(PROPERTY_DEFS)}

Version = tuple[dict[str, Any], list[ConceptRecord]]


def our_fragments(content_dir: Path) -> dict[str, Mapping[str, Any]]:
    """Our CPT fragments in the content directory, by version."""
    found: dict[str, Mapping[str, Any]] = {}
    for file in sorted(content_dir.glob("CodeSystem-*.json")):
        try:
            body = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # `serve` and `check-content` report broken content; not a load's concern
        if isinstance(body, dict) and body.get("url") == CPT and body.get("version"):
            found[str(body["version"])] = body
    return found


def _our_concepts(
    fragments: Mapping[str, Mapping[str, Any]], year: str
) -> tuple[dict[str, dict[str, Any]], bool]:
    """Our concepts to take properties from: the fragment of ``year``, else the newest older
    one (then False: its year-bound properties do not apply)."""
    if year in fragments:
        chosen, same = year, True
    else:
        older = sorted((v for v in fragments if v.isdigit() and int(v) < int(year)), key=int)
        if not older:
            return {}, False
        chosen, same = older[-1], False
    concepts = {c["code"]: c for c in fragments[chosen].get("concept", ())}
    return concepts, same


def code_system(
    release: CptRelease, fragments: Mapping[str, Mapping[str, Any]], provenance: Provenance
) -> tuple[dict[str, Any], list[ConceptRecord], list[str]]:
    """The header, the concepts (codes in the file's order, then the modifiers) and our chest
    codes of that year the release lacks (a sign of a wrong or partial release)."""
    year = release.year
    ours, same_year = _our_concepts(fragments, year)
    ending = _deletions_ending_in(release.deletions, year)
    records = []
    for code, long in release.long.items():
        designations = [
            {"language": "en", "use": dict(_SYNONYM), "value": text}
            for text in (release.medium.get(code), release.short.get(code))
            if text and text != long
        ]
        props = _properties(ours.get(code), same_year, modifier=False, code=code)
        props = _with_deletion(props, ending.get(code))
        extra: dict[str, Any] = {}
        if designations:
            extra["designation"] = designations
        extra["property"] = props
        records.append(ConceptRecord(code, long, None, extra))
    for code, text in release.modifiers.items():
        if code in release.long:
            continue  # a 5-character file cannot hold a 2-character modifier; never both
        props = _properties(ours.get(code), same_year, modifier=True, code=code)
        records.append(ConceptRecord(code, text, None, {"property": props}))
    held = {r.code for r in records}
    lacking = sorted(code for code in ours if same_year and code not in held)
    return _header(release, provenance, records), records, lacking


def _properties(
    concept: Mapping[str, Any] | None, same_year: bool, *, modifier: bool, code: str
) -> list[dict[str, Any]]:
    props = [
        dict(p)
        for p in (concept or {}).get("property", ())
        if same_year or p.get("code") not in _OF_THAT_YEAR
    ]
    have = {p["code"] for p in props}
    defaults = [
        prop("status", "active"),
        prop("modifier", modifier),
        prop("modified", False),
        prop("kind", _kind(code, modifier)),
    ]
    props += [p for p in defaults if p["code"] not in have]
    return sorted(props, key=lambda p: _ORDER.get(p["code"], len(_ORDER)))


def _kind(code: str, modifier: bool) -> str:
    """HL7's CPT ``kind``: physical status modifiers (P1-P6) and Category II modifiers (1P, 2P,
    3P, 8P) have kinds of their own; other modifiers are general; every code is a code."""
    if not modifier:
        return "code"
    if code.startswith("P"):
        return "physical-status"
    if code.endswith("P"):
        return "cat-2"
    return "general"


def _last_day(deletion: Deletion) -> str | None:
    if deletion.deleted is None:
        return None
    return (date.fromisoformat(deletion.deleted) - timedelta(days=1)).isoformat()


def _deletions_ending_in(deletions: Iterable[Deletion], year: str) -> dict[str, Deletion]:
    """The deletions whose code was last in force in ``year``."""
    return {d.code: d for d in deletions if (last := _last_day(d)) is not None and last[:4] == year}


def _with_deletion(props: list[dict[str, Any]], deletion: Deletion | None) -> list[dict[str, Any]]:
    """The code's properties with its last date of service and replacements from the history,
    where it has none of its own (ours, checked by hand, win)."""
    if deletion is None:
        return props
    have = {p["code"] for p in props}
    last = _last_day(deletion)
    added = []
    if "endDate" not in have and last is not None:
        added.append(prop("endDate", last))
    if "replacedBy" not in have:
        added += [prop("replacedBy", code) for code in deletion.replacements]
    if not added:
        return props
    return sorted(props + added, key=lambda p: _ORDER.get(p["code"], len(_ORDER)))


def deletion_updates(store: ContentStore, release: CptRelease) -> list[Version]:
    """Earlier loaded CPT versions with the deletions of this release's history recorded:
    each version that holds a code deleted after it, stored again with the code's endDate and
    replacements. Our own fragments are left as they are."""
    loaded = {
        r.body.get("version"): r.body
        for r in store.resources()
        if r.resource_type == "CodeSystem" and r.body.get("url") == CPT and r.origin == LOADED
    }
    out: list[Version] = []
    for stored in store.code_systems():
        if stored.url != CPT or stored.version == release.year or stored.version not in loaded:
            continue
        ending = _deletions_ending_in(release.deletions, str(stored.version))
        if not ending:
            continue
        records, changed = [], False
        for code, display, parent, _children, extra_text in store.concepts(stored.key):
            extra: dict[str, Any] = json.loads(extra_text) if extra_text else {}
            if code in ending:
                props = list(extra.get("property", ()))
                updated = _with_deletion(props, ending[code])
                if updated != props:
                    extra["property"] = updated
                    changed = True
            records.append(ConceptRecord(code, display, parent, extra or None))
        if changed:
            out.append((dict(loaded[stored.version]), records))
    return out


def _header(
    release: CptRelease, provenance: Provenance, records: list[ConceptRecord]
) -> dict[str, Any]:
    year = release.year
    used = {p["code"] for r in records if r.extra for p in r.extra.get("property", ())}
    header = calendar_year_header(
        id_=f"cpt-{year}",
        url=CPT,
        year=year,
        name=f"CPT{year}",
        title=f"CPT {year} (AMA data files)",
        provenance=provenance,
    )
    files = ", ".join(release.files[part] for part in release.files)
    header |= {
        "publisher": "American Medical Association",
        "description": (
            f"CPT {year}, in force for dates of service from {year}-01-01 to {year}-12-31, read "
            f"from the AMA CPT data files ({files}): {len(release.long):,} codes with the AMA's "
            "long descriptors as displays and the medium and short descriptors as designations, "
            f"and {len(release.modifiers):,} modifiers. The modality, contrast, views and purpose "
            "properties of the chest-imaging codes are the Chest Imaging Terminology Project's. "
            "Source: " + provenance.describe(release.files["long"]) + "."
        ),
        "copyright": (
            f"{cpt_copyright(year)} The descriptors in this version are the AMA's, loaded from "
            "the AMA CPT data files by the operator of this server under the operator's AMA "
            "licence; they may not be redistributed without one."
        ),
        "caseSensitive": True,
        "content": "complete",
        "property": [property_declaration(d) for d in PROPERTY_DEFS if d.code in used],
    }
    return header
