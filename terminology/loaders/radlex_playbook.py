"""Reads the RSNA RadLex Playbook CSV (the full Playbook or the Core Playbook) into one version
of RadLex's Playbook codes (RPIDs) at ``http://radlex.org``.

The layout, as public copies of RSNA's file show it: ``RPID, LETTER_CODE, SHORT_NAME,
LONG_NAME, MODALITY, PLAYBOOK_TYPE, POPULATION, BODY_REGION, BODY_REGION_2 ... _5,
MODALITY_MODIFIER ... _3, PROCEDURE_MODIFIER ... _2, ANATOMIC_FOCUS ... _2, LATERALITY,
REASON_FOR_EXAM ... _3, TECHNIQUE, PHARMACEUTICAL ... _2, VIEW ... _4, (a blank column), RIDS``;
an empty attribute is a single space. We have not seen RSNA's own file, so the layout is read
from the header: the four columns with a role (RPID, long name, short name, letter code) can
be renamed (``--column role=HEADER``), every other named column except ``RIDS`` is an
attribute, a numbered one (``BODY_REGION_2``) repeating its base (``body-region``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from terminology.authoring.common import RADLEX_COPYRIGHT
from terminology.errors import TerminologyError
from terminology.loaders.playbook_parts import (
    contrast_in_name,
    csv_rows,
    find_file,
    release_start,
)
from terminology.loaders.sources import Provenance
from terminology.storage.records import ConceptRecord
from terminology.uris import (
    EXT_EFFECTIVE_PERIOD,
    EXT_VERSION_ALGORITHM,
    PROJECT_CONCEPT_PROPERTY,
    RADLEX,
)

#: Role -> the header of its column in RSNA's file.
DEFAULT_COLUMNS: dict[str, str] = {
    "rpid": "RPID",
    "long_name": "LONG_NAME",
    "short_name": "SHORT_NAME",
    "letter_code": "LETTER_CODE",
}
#: Columns that are neither a role nor an attribute (RIDS repeats the attributes as RadLex
#: ids, positionally).
_NOT_ATTRIBUTES = frozenset({"RIDS"})
_RPID = re.compile(r"RPID[1-9][0-9]*")
_NUMBERED = re.compile(r"(.+?)_[0-9]+")
_OURS = PROJECT_CONCEPT_PROPERTY + "/"


@dataclass(slots=True)
class PlaybookRelease:
    version: str
    source: str
    #: RPID -> (long name, short name, letter code, [(attribute, value)])
    procedures: dict[str, tuple[str, str, str, list[tuple[str, str]]]]
    attributes: list[str] = field(default_factory=list)


def column_overrides(pairs: list[str] | None) -> dict[str, str]:
    """``role=HEADER`` options as a mapping; an unknown role or a malformed pair is refused."""
    out: dict[str, str] = {}
    for pair in pairs or ():
        role, sep, header = pair.partition("=")
        if not sep or not header.strip() or role not in DEFAULT_COLUMNS:
            raise TerminologyError(
                f"--column {pair!r}: expected ROLE=HEADER, ROLE one of "
                + ", ".join(DEFAULT_COLUMNS)
            )
        out[role] = header.strip()
    return out


def _attribute(header: str) -> str:
    numbered = _NUMBERED.fullmatch(header)
    base = numbered.group(1) if numbered else header
    return base.strip().lower().replace("_", "-").replace(" ", "-")


def read_playbook(
    path: Path, *, version: str | None, columns: Mapping[str, str] | None = None
) -> PlaybookRelease:
    """Read the Playbook CSV (the file, or a folder or zip holding one ``*.csv``)."""
    if not version:
        raise TerminologyError(
            f"{path}: the Playbook CSV does not say its release; give --version (e.g. 2.5)"
        )
    roles = {**DEFAULT_COLUMNS, **(columns or {})}
    with ExitStack() as stack:
        if path.is_file() and path.suffix.lower() == ".csv":
            found = find_file(path, path.name, stack)
        else:
            found = find_file(path, "Playbook.csv", stack) or find_file(
                path, "core-playbook.csv", stack
            )
        if found is None:
            raise TerminologyError(
                f"{path}: not a RadLex Playbook CSV (give the .csv file, or a folder or zip "
                "holding Playbook.csv)"
            )
        name, stream = found
        required = (roles["rpid"], roles["long_name"])
        procedures: dict[str, tuple[str, str, str, list[tuple[str, str]]]] = {}
        attributes: list[str] = []
        bad: list[str] = []
        role_headers = set(roles.values())
        for line, row in csv_rows(name, stream, required):
            if not attributes:
                attributes = [
                    h for h in row if h and h not in role_headers and h not in _NOT_ATTRIBUTES
                ]
            rpid = row[roles["rpid"]].strip()
            if not _RPID.fullmatch(rpid):
                bad.append(f"{rpid!r} (line {line})")
                continue
            if rpid in procedures:
                raise TerminologyError(f"{name}, line {line}: {rpid} is listed twice")
            long_name = row[roles["long_name"]].strip()
            if not long_name:
                raise TerminologyError(f"{name}, line {line}: {rpid} has no long name")
            values: list[tuple[str, str]] = []
            for header in attributes:
                value = row[header].strip()
                pair = (_attribute(header), value)
                if value and pair not in values:
                    values.append(pair)
            procedures[rpid] = (
                long_name,
                row.get(roles["short_name"], "").strip(),
                row.get(roles["letter_code"], "").strip(),
                values,
            )
        if bad:
            raise TerminologyError(
                f"{name}: {len(bad)} rows without an RPID in the {roles['rpid']} column, e.g. "
                + ", ".join(bad[:5])
            )
        if not procedures:
            raise TerminologyError(f"{name}: no Playbook rows")
    kinds = list(dict.fromkeys(_attribute(h) for h in attributes))
    return PlaybookRelease(version, Path(name).name, procedures, kinds)


def _extra(
    long_name: str, short: str, letters: str, values: list[tuple[str, str]]
) -> dict[str, Any]:
    # modality is a code, as in our fragment and our other code systems.
    props: list[dict[str, Any]] = [
        {"code": k, "valueCode" if k == "modality" else "valueString": v} for k, v in values
    ]
    contrast = contrast_in_name(long_name)
    if contrast:
        props.append({"code": "contrast", "valueCode": contrast})
    extra: dict[str, Any] = {"property": props}
    designations = [
        {"language": "en", "use": {"system": RADLEX, "code": code, "display": label}, "value": v}
        for code, label, v in (
            ("SHORT_NAME", "Short name", short),
            ("LETTER_CODE", "Letter code", letters),
        )
        if v
    ]
    if designations:
        extra["designation"] = designations
    return extra


def code_system(
    release: PlaybookRelease, provenance: Provenance
) -> tuple[dict[str, Any], list[ConceptRecord]]:
    """The CodeSystem header of the Playbook version and its RPIDs (in RPID number order)."""
    concepts = [
        ConceptRecord(rpid, long_name, None, _extra(long_name, short, letters, values))
        for rpid, (long_name, short, letters, values) in sorted(
            release.procedures.items(), key=lambda item: int(item[0][4:])
        )
    ]
    used = {p["code"] for r in concepts if r.extra for p in r.extra["property"]}
    properties = [
        {
            "code": kind,
            # modality has our built-in fragment's vocabulary (CT, MR, XR...); the rest are
            # the Playbook's own.
            "uri": _OURS + ("modality" if kind == "modality" else f"radlex-{kind}"),
            "description": f"The Playbook's {kind.upper().replace('-', '_')} column(s)",
            "type": "code" if kind == "modality" else "string",
        }
        for kind in release.attributes
        if kind in used
    ]
    if "contrast" in used:
        properties.append(
            {
                "code": "contrast",
                "uri": _OURS + "contrast",
                "description": "Intravenous contrast as the long name states it: none, with, "
                "without-then-with.",
                "type": "code",
            }
        )
    extensions: list[dict[str, Any]] = [
        {
            "url": EXT_VERSION_ALGORITHM,
            "valueCoding": {"system": "http://hl7.org/fhir/version-algorithm", "code": "natural"},
        }
    ]
    start = release_start(provenance.release_date)
    if start:
        extensions.append({"url": EXT_EFFECTIVE_PERIOD, "valuePeriod": {"start": start}})
    header: dict[str, Any] = {
        "resourceType": "CodeSystem",
        "id": f"radlex-playbook-{release.version}",
        "extension": extensions,
        "url": RADLEX,
        "version": release.version,
        "name": "RadLexPlaybook",
        "title": f"RadLex Playbook {release.version}",
        "status": "active",
        "experimental": False,
        "publisher": "Radiological Society of North America (RSNA)",
        "description": (
            f"RadLex Playbook {release.version}: {len(concepts):,} procedure codes (RPIDs) with "
            "their long names and Playbook attributes. Source: "
            + provenance.describe(release.source)
            + "."
        ),
        "copyright": RADLEX_COPYRIGHT,
        "caseSensitive": True,
        "content": "complete",
        # Offered with = so the store indexes them (a value set's modality = CT).
        "filter": [
            {
                "code": kind,
                "description": f"RPIDs whose {kind} is the value",
                "operator": ["=", "in", "not-in", "exists", "regex"],
                "value": "A Playbook value as the file spells it (CT, CHEST)",
            }
            for kind in ("modality", "body-region")
            if kind in used
        ],
        "property": properties,
    }
    if start:
        header["date"] = start
    return header, concepts
