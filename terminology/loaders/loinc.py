"""Reads a LOINC release (its folder as Regenstrief publishes it, or the zip) into one LOINC
version: every term of ``LoincTable/Loinc.csv`` and the LOINC/RSNA Radiology Playbook's
attributes from ``AccessoryFiles/LoincRsnaRadiologyPlaybook/LoincRsnaRadiologyPlaybook.csv``.

Property codes are those of HL7's LOINC CodeSystem (``COMPONENT``, ``PROPERTY``, ...,
``STATUS``; the Playbook's ``rad-modality-modality-type`` and the like, as Codings of the LOINC
part number and name), plus short names for the Playbook attributes (``modality``,
``region-imaged``, ...) whose values are the part names, so that a value set can say
``modality = CT`` without knowing part numbers, and our own ``contrast`` as our built-in LOINC
fragment states it. Loinc.csv names the six axes and the class but not their part numbers
(those are in ``LoincPartLink_Primary.csv``, not read), so the axes are strings here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from terminology.authoring.common import LOINC_COPYRIGHT
from terminology.errors import TerminologyError
from terminology.loaders.playbook_parts import (
    contrast_in_name,
    csv_rows,
    find_file,
    release_start,
)
from terminology.loaders.sources import Provenance
from terminology.providers.syntax import loinc_syntax
from terminology.storage.records import ConceptRecord
from terminology.uris import (
    EXT_EFFECTIVE_PERIOD,
    EXT_VERSION_ALGORITHM,
    LOINC,
    PROJECT_CONCEPT_PROPERTY,
)

LOINC_FILE = "Loinc.csv"
PLAYBOOK_FILE = "LoincRsnaRadiologyPlaybook.csv"
_LOINC_PROPERTY = "http://loinc.org/property/"
_CONCEPT_PROPERTY = "http://hl7.org/fhir/concept-properties#"
_OURS = PROJECT_CONCEPT_PROPERTY + "/"

#: Loinc.csv columns kept as properties, with HL7's LOINC CodeSystem code (the column name).
AXES = ("COMPONENT", "PROPERTY", "TIME_ASPCT", "SYSTEM", "SCALE_TYP", "METHOD_TYP", "CLASS")
_REQUIRED = ("LOINC_NUM", *AXES, "STATUS", "LONG_COMMON_NAME", "SHORTNAME")
_PLAYBOOK_REQUIRED = ("LoincNumber", "PartNumber", "PartTypeName", "PartName")

#: LOINC STATUS -> FHIR concept-properties ``status``. DEPRECATED terms are inactive (LOINC:
#: "should not be used"); DISCOURAGED ones stay active with a warning; TRIAL ones are new.
_STATUS = {
    "ACTIVE": "active",
    "TRIAL": "experimental",
    "DISCOURAGED": "deprecated",
    "DEPRECATED": "retired",
}

#: Playbook PartTypeName (lower case) -> (HL7 property code, our short code). HL7's codes are
#: those of LOINC's FHIR CodeSystem; HAPI calls View.Aggregation ``rad-view-view-aggregation``,
#: the others (and HL7's LOINC property list) ``rad-view-aggregation``, used here.
PART_TYPES: dict[str, tuple[str, str]] = {
    "rad.anatomic location.imaging focus": ("rad-anatomic-location-imaging-focus", "imaging-focus"),
    "rad.anatomic location.laterality": ("rad-anatomic-location-laterality", "laterality"),
    "rad.anatomic location.laterality.presence": (
        "rad-anatomic-location-laterality-presence",
        "laterality-presence",
    ),
    "rad.anatomic location.region imaged": ("rad-anatomic-location-region-imaged", "region-imaged"),
    "rad.guidance for.action": ("rad-guidance-for-action", "guidance-action"),
    "rad.guidance for.approach": ("rad-guidance-for-approach", "guidance-approach"),
    "rad.guidance for.object": ("rad-guidance-for-object", "guidance-object"),
    "rad.guidance for.presence": ("rad-guidance-for-presence", "guidance-presence"),
    "rad.maneuver.maneuver type": ("rad-maneuver-maneuver-type", "maneuver"),
    "rad.modality.modality subtype": ("rad-modality-modality-subtype", "modality-subtype"),
    "rad.modality.modality type": ("rad-modality-modality-type", "modality"),
    "rad.pharmaceutical.route": ("rad-pharmaceutical-route", "pharmaceutical-route"),
    "rad.pharmaceutical.substance given": ("rad-pharmaceutical-substance-given", "pharmaceutical"),
    "rad.reason for exam": ("rad-reason-for-exam", "reason-for-exam"),
    "rad.subject": ("rad-subject", "subject"),
    "rad.timing": ("rad-timing", "timing"),
    "rad.view.aggregation": ("rad-view-aggregation", "view-aggregation"),
    "rad.view.view type": ("rad-view-view-type", "view-type"),
}
#: The properties the store keeps a value index of (``CodeSystem.filter`` offers them with
#: ``=``): a value set's ``modality = CT`` then reads those terms, not all ~100,000.
_INDEXED = (
    "modality",
    "modality-subtype",
    "region-imaged",
    "imaging-focus",
    "laterality",
    "timing",
    "pharmaceutical-route",
    "view-aggregation",
    "contrast",
    "CLASS",
    "STATUS",
)
_ALIASES = {"rad-view-view-aggregation": "rad-view-aggregation"}


@dataclass(slots=True)
class LoincRelease:
    """One LOINC release, read."""

    version: str
    source: str
    #: code -> the Loinc.csv columns kept
    terms: dict[str, dict[str, str]]
    #: code -> [(HL7 code, short code, part number, part name)], in the Playbook's order
    parts: dict[str, list[tuple[str, str, str, str]]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def read_release(
    path: Path,
    *,
    version: str | None = None,
    playbook: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> LoincRelease:
    """Read ``Loinc.csv`` (and the Playbook, when the release has it or ``playbook`` names it)
    from a release folder, its zip, or the CSV itself. ``version`` overrides the version read
    from the terms (the highest ``VersionLastChanged``)."""
    say = progress or (lambda _text: None)
    with ExitStack() as stack:
        found = find_file(path, LOINC_FILE, stack)
        if found is None:
            raise TerminologyError(
                f"{path}: no {LOINC_FILE} (expected a LOINC release folder or zip, with "
                f"LoincTable/{LOINC_FILE})"
            )
        name, stream = found
        say(f"reading {name}")
        terms: dict[str, dict[str, str]] = {}
        bad: list[str] = []
        newest = ""
        for line, row in csv_rows(name, stream, _REQUIRED):
            code = row["LOINC_NUM"].strip()
            if loinc_syntax(code) is not None or code.startswith(("LP", "LA")):
                bad.append(f"{code!r} (line {line})")
                continue
            if code in terms:
                raise TerminologyError(f"{name}, line {line}: {code} is listed twice")
            status = row["STATUS"].strip().upper()
            if status not in _STATUS:
                raise TerminologyError(f"{name}, line {line}: {code} has unknown STATUS {status!r}")
            kept = {c: row[c].strip() for c in (*AXES, "LONG_COMMON_NAME", "SHORTNAME")}
            kept["STATUS"] = status
            kept["DisplayName"] = row.get("DisplayName", "").strip()
            terms[code] = kept
            newest = max(newest, row.get("VersionLastChanged", "").strip(), key=_version_key)
        if bad:
            raise TerminologyError(
                f"{name}: {len(bad)} LOINC numbers fail the LOINC form or check digit, e.g. "
                + ", ".join(bad[:5])
            )
        if not terms:
            raise TerminologyError(f"{name}: no terms")
        chosen = version or newest
        if not chosen:
            raise TerminologyError(
                f"{name}: no VersionLastChanged column to read the release from; give --version"
            )
        release = LoincRelease(chosen, Path(name).name, terms)
        located = (
            find_file(playbook, playbook.name, stack)
            if playbook is not None
            else find_file(path, PLAYBOOK_FILE, stack)
        )
        if located is None:
            if playbook is not None:
                raise TerminologyError(f"{playbook}: cannot be read")
            release.notes.append(f"no {PLAYBOOK_FILE} in {path.name}: no Playbook attributes")
        else:
            say(f"reading {located[0]}")
            _read_playbook(release, *located)
    release.counts["terms"] = len(terms)
    release.counts["playbook terms"] = len(release.parts)
    return release


def _read_playbook(release: LoincRelease, name: str, stream: Any) -> None:
    unknown_codes: set[str] = set()
    rows = 0
    for line, row in csv_rows(name, stream, _PLAYBOOK_REQUIRED):
        code = row["LoincNumber"].strip()
        if code not in release.terms:
            unknown_codes.add(code)
            continue
        part_type = row["PartTypeName"].strip()
        hl7, short = PART_TYPES.get(part_type.casefold()) or _derived(part_type, name, line)
        part = (hl7, short, row["PartNumber"].strip(), row["PartName"].strip())
        if not part[2] or not part[3]:
            raise TerminologyError(f"{name}, line {line}: {code} has a part without number or name")
        kept = release.parts.setdefault(code, [])
        if part not in kept:
            kept.append(part)
        rows += 1
    release.counts["playbook rows"] = rows
    if unknown_codes:
        shown = ", ".join(sorted(unknown_codes)[:5])
        release.notes.append(
            f"{len(unknown_codes)} Playbook codes are not in Loinc.csv and were skipped: {shown}"
        )


def _derived(part_type: str, name: str, line: int) -> tuple[str, str]:
    """Codes for a PartTypeName newer than this loader (``Rad.New Thing`` -> ``rad-new-thing``,
    ``new-thing``), so a later release still loads."""
    if not part_type.casefold().startswith("rad."):
        raise TerminologyError(f"{name}, line {line}: PartTypeName {part_type!r} is not a Rad. one")
    slug = re.sub(r"[^a-z0-9]+", "-", part_type.casefold()).strip("-")
    return _ALIASES.get(slug, slug), slug.removeprefix("rad-")


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", version))


def _designations(term: dict[str, str]) -> list[dict[str, Any]]:
    out = []
    for column, label in (("SHORTNAME", "Short name"), ("DisplayName", "Display name")):
        if term[column]:
            use = {"system": LOINC, "code": column, "display": label}
            out.append({"language": "en", "use": use, "value": term[column]})
    return out


def _extra(term: dict[str, str], parts: list[tuple[str, str, str, str]]) -> dict[str, Any]:
    props: list[dict[str, Any]] = [
        {"code": axis, "valueString": term[axis]} for axis in AXES if term[axis]
    ]
    props.append({"code": "STATUS", "valueString": term["STATUS"]})
    props.append({"code": "status", "valueCode": _STATUS[term["STATUS"]]})
    props.append({"code": "inactive", "valueBoolean": term["STATUS"] == "DEPRECATED"})
    for hl7, _short, number, part_name in parts:
        coding = {"system": LOINC, "code": number, "display": part_name}
        props.append({"code": hl7, "valueCoding": coding})
    for _hl7, short, _number, part_name in parts:
        # modality is a code, as in our fragment and our other code systems.
        kind = "valueCode" if short == "modality" else "valueString"
        props.append({"code": short, kind: part_name})
    contrast = contrast_in_name(term["LONG_COMMON_NAME"]) if parts else None
    if contrast:
        props.append({"code": "contrast", "valueCode": contrast})
    extra: dict[str, Any] = {"property": props}
    designations = _designations(term)
    if designations:
        extra["designation"] = designations
    return extra


def records(release: LoincRelease) -> list[ConceptRecord]:
    """The terms in LOINC number order, flat (LOINC terms have no is-a hierarchy here)."""
    ordered = sorted(release.terms, key=lambda c: (int(c.split("-")[0]), c))
    return [
        ConceptRecord(
            code,
            release.terms[code]["LONG_COMMON_NAME"] or None,
            None,
            _extra(release.terms[code], release.parts.get(code, [])),
        )
        for code in ordered
    ]


def _declarations(used: set[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    def declare(code: str, uri: str, kind: str, description: str) -> None:
        if code in used:
            out.append({"code": code, "uri": uri, "description": description, "type": kind})

    for axis in (*AXES, "STATUS"):
        declare(axis, _LOINC_PROPERTY + axis, "string", f"Loinc.csv {axis} (the part's name)")
    declare(
        "status",
        _CONCEPT_PROPERTY + "status",
        "code",
        "active, experimental (LOINC TRIAL), deprecated (DISCOURAGED) or retired (DEPRECATED)",
    )
    declare("inactive", _CONCEPT_PROPERTY + "inactive", "boolean", "LOINC STATUS is DEPRECATED")
    for part_type, (hl7, short) in sorted(PART_TYPES.items()):
        label = part_type.title().replace("Rad.", "Playbook ")
        declare(hl7, _LOINC_PROPERTY + hl7, "Coding", f"{label}: the LOINC part (LP number)")
        if short == "modality":
            declare(
                short,
                _OURS + "modality",
                "code",
                f"{label}: the part's name (CT, MR, XR, "
                "RF, US, NM...; CT and MR for angiography too)",
            )
        else:
            declare(short, _LOINC_PROPERTY + hl7, "string", f"{label}: the part's name")
    declare(
        "contrast",
        _OURS + "contrast",
        "code",
        "Intravenous contrast as the long common name states it: none, with, "
        "without-then-with (Playbook terms only).",
    )
    return out


def code_system(
    release: LoincRelease, provenance: Provenance
) -> tuple[dict[str, Any], list[ConceptRecord]]:
    """The CodeSystem header of the LOINC version and its terms, ready for the store."""
    concepts = records(release)
    used = {p["code"] for r in concepts if r.extra for p in r.extra["property"]}
    extensions: list[dict[str, Any]] = [
        {
            "url": EXT_VERSION_ALGORITHM,
            "valueCoding": {"system": "http://hl7.org/fhir/version-algorithm", "code": "natural"},
        }
    ]
    start = release_start(provenance.release_date)
    if start:
        # In force from its release date: a date of service picks the newest release on or
        # before it, so a term deprecated later stays active for earlier dates.
        extensions.append({"url": EXT_EFFECTIVE_PERIOD, "valuePeriod": {"start": start}})
    counts = release.counts
    header: dict[str, Any] = {
        "resourceType": "CodeSystem",
        "id": f"loinc-{release.version}",
        "extension": extensions,
        "url": LOINC,
        "version": release.version,
        "name": "LOINC",
        "title": f"LOINC {release.version}",
        "status": "active",
        "experimental": False,
        "publisher": "Regenstrief Institute, Inc.",
        "description": (
            f"LOINC {release.version}, read from its release files: {counts['terms']:,} terms, "
            f"{counts['playbook terms']:,} with LOINC/RSNA Radiology Playbook attributes. "
            "Source: " + provenance.describe(release.source) + "."
        ),
        "copyright": LOINC_COPYRIGHT,
        "caseSensitive": True,
        "compositional": False,
        "versionNeeded": False,
        "content": "complete",
        "filter": [
            {
                "code": code,
                "description": f"Terms whose {code} is the value",
                "operator": ["=", "in", "not-in", "exists", "regex"],
                "value": "A part name (or for rad-* properties, an LP part number)",
            }
            for code in _INDEXED
            if code in used
        ],
        "property": _declarations(used),
    }
    if start:
        header["date"] = start
    return header, concepts
