"""Reads a SNOMED CT RF2 Snapshot release (a folder as SNOMED publishes it, or its zip) into one
edition version: ``http://snomed.info/sct/[module]/version/[YYYYMMDD]``.

Files read (tab-separated, a header line, UTF-8), each streamed line by line:

- ``Snapshot/Terminology/sct2_Concept_Snapshot*_*.txt``: id, effectiveTime, active, moduleId,
  definitionStatusId. Every concept, active or not (an inactive one keeps its descriptions and
  loses its is-a links).
- ``Snapshot/Refset/Language/der2_cRefset_LanguageSnapshot-en*_*.txt``: which descriptions a
  language refset prefers (acceptabilityId 900000000000548007) or accepts (...549004). Read
  before the descriptions, so each description is kept or dropped as it streams by. The refset
  is the US English one (900000000000509007) unless the edition is a UK one or the caller says.
- ``Snapshot/Terminology/sct2_Description_Snapshot-en*_*.txt``: the fully specified name
  (typeId 900000000000003001) and synonyms (900000000000013009) of each concept; the preferred
  synonym is the display, the FSN and the other acceptable synonyms are designations.
- ``Snapshot/Terminology/sct2_Relationship_Snapshot*_*.txt``: active is-a rows (typeId
  116680003) of the inferred view (characteristicTypeId 900000000000011006); a release without
  inferred is-a rows (a hand-made extension) is read from its stated rows, also from
  ``sct2_StatedRelationship_Snapshot`` when that file carries them.

The concepts go to the store in one spanning tree of the polyhierarchy (each concept under its
lowest-numbered parent, children in display order, inactive concepts as roots after the active
hierarchy), with every other parent in ``ConceptRecord.more_parents``: the store keeps each
link and each concept's ancestors (``storage/records.py``).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from terminology.authoring.common import SNOMED_COPYRIGHT
from terminology.errors import TerminologyError
from terminology.loaders.sources import Provenance
from terminology.providers.syntax import snomed_syntax
from terminology.storage.records import ConceptRecord
from terminology.uris import EXT_EFFECTIVE_PERIOD, SNOMED

IS_A = "116680003"
INFERRED = "900000000000011006"
STATED = "900000000000010007"
FSN = "900000000000003001"
SYNONYM = "900000000000013009"
PREFERRED = "900000000000548007"
ACCEPTABLE = "900000000000549004"
US_ENGLISH = "900000000000509007"
GB_ENGLISH = "900000000000508004"
DEFINED = "900000000000073002"
INTERNATIONAL = "900000000000207008"
US_EDITION = "731000124108"
#: Modules that are part of every edition, never an edition of their own.
_CORE_MODULES = frozenset({INTERNATIONAL, "900000000000012004"})
#: UK edition modules, whose preferred terms are the GB English refset's.
_UK_MODULES = frozenset({"999000041000000102", "83821000000107", "999000011000000103"})
ROOT = "138875005"

_USES = {
    FSN: {"system": SNOMED, "code": FSN, "display": "Fully specified name"},
    SYNONYM: {"system": SNOMED, "code": SYNONYM, "display": "Synonym"},
}

#: Which file each part is, by its name (the edition's namespace and the date follow).
_PATTERNS = {
    "concepts": re.compile(r"sct2_Concept_Snapshot[^_]*_.*\.txt"),
    "descriptions": re.compile(r"sct2_Description_Snapshot-en[^_]*_.*\.txt"),
    "relationships": re.compile(r"sct2_Relationship_Snapshot[^_]*_.*\.txt"),
    "stated": re.compile(r"sct2_StatedRelationship_Snapshot[^_]*_.*\.txt"),
    "language": re.compile(r"der2_cRefset_LanguageSnapshot-en[^_]*_.*\.txt"),
}
_DATE_IN_NAME = re.compile(r"_(\d{8})\.txt$")
_REQUIRED = ("concepts", "descriptions", "relationships")

Opener = Callable[[], io.TextIOBase]


@dataclass(slots=True)
class Rf2Release:
    """One edition's Snapshot, read."""

    module: str
    date: str  # YYYYMMDD
    language_refset: str
    source: str
    #: id -> (active, moduleId, definitionStatusId)
    concepts: dict[str, tuple[bool, str, str]]
    #: id -> [fsn, preferred term, other acceptable synonyms...] (None where missing)
    terms: dict[str, list[str | None]]
    #: id -> parent ids (active is-a links between known concepts)
    parents: dict[str, list[str]]
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def version(self) -> str:
        return f"{SNOMED}/{self.module}/version/{self.date}"


def _files(path: Path, stack: ExitStack) -> dict[str, list[tuple[str, Opener]]]:
    """The release's Snapshot files by part, each with a function that opens it as text."""
    found: dict[str, list[tuple[str, Opener]]] = {part: [] for part in _PATTERNS}

    def add(name: str, opener: Opener) -> None:
        parts = PurePosixPath(name).parts
        if "Snapshot" not in parts:
            return  # the Full and Delta views of the same files
        for part, pattern in _PATTERNS.items():
            if pattern.fullmatch(parts[-1]):
                found[part].append((name, opener))

    def from_file(file: Path) -> Opener:
        return lambda: io.TextIOWrapper(file.open("rb"), encoding="utf-8", newline="")

    def from_zip(archive: zipfile.ZipFile, name: str) -> Opener:
        return lambda: io.TextIOWrapper(archive.open(name), encoding="utf-8", newline="")

    if path.is_dir():
        for file in sorted(path.rglob("*.txt")):
            add(file.relative_to(path).as_posix(), from_file(file))
    elif zipfile.is_zipfile(path):
        archive = stack.enter_context(zipfile.ZipFile(path))
        for name in sorted(archive.namelist()):
            add(name, from_zip(archive, name))
    else:
        raise TerminologyError(f"{path}: not an RF2 release folder or zip")
    missing = [part for part in _REQUIRED if not found[part]]
    if missing:
        raise TerminologyError(
            f"{path}: no Snapshot {', '.join(missing)} file (expected names like "
            "Snapshot/Terminology/sct2_Concept_Snapshot_INT_20250101.txt)"
        )
    for part in ("concepts", "relationships"):
        if len(found[part]) > 1:
            names = ", ".join(name for name, _ in found[part])
            raise TerminologyError(f"{path}: more than one Snapshot {part} file ({names})")
    return found


def _rows(name: str, opener: Opener, columns: int) -> Iterator[list[str]]:
    """The data lines of one RF2 file, split; a line with another number of fields is refused."""
    with opener() as stream:
        header = stream.readline()
        if header.count("\t") != columns - 1:
            raise TerminologyError(f"{name}: not an RF2 file of {columns} columns")
        for number, line in enumerate(stream, start=2):
            fields = line.rstrip("\r\n").split("\t")
            if len(fields) != columns:
                if line.strip():
                    raise TerminologyError(f"{name}, line {number}: {len(fields)} fields")
                continue
            yield fields


def read_release(
    path: Path,
    *,
    edition_module: str | None = None,
    version: str | None = None,
    language_refset: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> Rf2Release:
    """Read an RF2 Snapshot (folder or zip). ``edition_module`` and ``version`` (YYYYMMDD)
    override what the files say; ``language_refset`` the refset that picks preferred terms."""
    say = progress or (lambda _text: None)
    with ExitStack() as stack:
        files = _files(path, stack)
        ((concept_file, opener),) = files["concepts"]
        say("reading concepts")
        concepts: dict[str, tuple[bool, str, str]] = {}
        latest: dict[str, str] = {}
        modules: dict[str, int] = {}
        bad: list[str] = []
        for cid, effective, active, module, status in _rows(concept_file, opener, 5):
            if cid in latest and latest[cid] >= effective:
                continue
            if snomed_syntax(cid) is not None:
                bad.append(cid)
                continue
            latest[cid] = effective
            concepts[cid] = (active == "1", module, status)
            modules[module] = modules.get(module, 0) + 1
        del latest
        if bad:
            raise TerminologyError(
                f"{concept_file}: {len(bad)} concept ids fail the SCTID check (partition or "
                f"Verhoeff check digit), e.g. {', '.join(bad[:5])}"
            )
        if not concepts:
            raise TerminologyError(f"{concept_file}: no concepts")
        module = edition_module or _edition(modules)
        date = version or _release_date(concept_file)
        if not re.fullmatch(r"\d{8}", date):
            raise TerminologyError(f"release date {date!r}: expected YYYYMMDD")
        refset = language_refset or (GB_ENGLISH if module in _UK_MODULES else US_ENGLISH)

        say("reading the language refset")
        acceptability: dict[str, str] = {}
        by_refset: dict[str, int] = {}
        for name, opener in files["language"]:
            for _id, _eff, active, _mod, refset_id, described, accept in _rows(name, opener, 7):
                if active != "1":
                    continue
                by_refset[refset_id] = by_refset.get(refset_id, 0) + 1
                if refset_id == refset:
                    acceptability[described] = accept
        if not acceptability and by_refset and language_refset is None:
            # The edition's usual refset is absent: use the one the release has most of.
            refset = max(by_refset, key=lambda r: by_refset[r])
            for name, opener in files["language"]:
                for row in _rows(name, opener, 7):
                    if row[2] == "1" and row[4] == refset:
                        acceptability[row[5]] = row[6]
        use_refset = bool(acceptability)

        say("reading descriptions")
        terms: dict[str, list[str | None]] = {}
        fallback_fsn: dict[str, str] = {}
        kept = 0
        for name, opener in files["descriptions"]:
            for did, _eff, active, _mod, cid, _lang, type_id, term, _case in _rows(name, opener, 9):
                if active != "1" or cid not in concepts:
                    continue
                accepted = acceptability.get(did) if use_refset else ACCEPTABLE
                entry = terms.setdefault(cid, [None, None])
                if type_id == FSN:
                    if accepted is not None:
                        entry[0] = term
                    else:
                        fallback_fsn.setdefault(cid, term)
                elif type_id == SYNONYM and accepted is not None:
                    if accepted == PREFERRED and entry[1] is None:
                        entry[1] = term
                    else:
                        entry.append(term)
                    kept += 1
        for cid, term in fallback_fsn.items():
            if terms[cid][0] is None:
                terms[cid][0] = term
        del fallback_fsn

        say("reading relationships")
        parents = _is_a(files, concepts, INFERRED)
        characteristic = "inferred"
        if not parents:
            parents = _is_a(files, concepts, STATED)
            characteristic = "stated"
    links = sum(len(p) for p in parents.values())
    return Rf2Release(
        module=module,
        date=date,
        language_refset=refset,
        source=f"{path.name} ({characteristic} is-a)",
        concepts=concepts,
        terms=terms,
        parents=parents,
        counts={"concepts": len(concepts), "synonyms": kept, "is-a": links},
    )


def _is_a(
    files: dict[str, list[tuple[str, Opener]]],
    concepts: dict[str, tuple[bool, str, str]],
    characteristic: str,
) -> dict[str, list[str]]:
    parents: dict[str, list[str]] = {}
    sources = files["relationships"] + (files["stated"] if characteristic == STATED else [])
    for name, opener in sources:
        for row in _rows(name, opener, 10):
            _id, _eff, active, _mod, source, destination, _group, type_id, kind, _m = row
            if active != "1" or type_id != IS_A or kind != characteristic:
                continue
            if source not in concepts or destination not in concepts or source == destination:
                continue
            found = parents.setdefault(source, [])
            if destination not in found:
                found.append(destination)
    return parents


def _edition(modules: dict[str, int]) -> str:
    """The edition's module: the US Edition's when its module is there, else the extension
    module with the most concepts, else the International Edition."""
    if US_EDITION in modules:
        return US_EDITION
    extensions = {m: n for m, n in modules.items() if m not in _CORE_MODULES}
    if extensions:
        return max(sorted(extensions), key=lambda m: extensions[m])
    return INTERNATIONAL


def _release_date(name: str) -> str:
    found = _DATE_IN_NAME.search(name)
    if found is None:
        raise TerminologyError(
            f"{name}: the file name does not end with the release date (_YYYYMMDD.txt); give "
            "--version YYYYMMDD"
        )
    return found.group(1)


def _display(cid: str, entry: list[str | None] | None) -> str | None:
    if not entry:
        return None
    if entry[1] is not None:
        return entry[1]
    fsn = entry[0]
    if fsn is not None:
        return re.sub(r" \([^()]*\)$", "", fsn)  # without the semantic tag
    return next((t for t in entry[2:] if t), None)


def _extra(release: Rf2Release, cid: str) -> dict[str, Any]:
    active, module, status = release.concepts[cid]
    entry = release.terms.get(cid) or []
    designations = []
    if entry and entry[0]:
        designations.append({"language": "en", "use": _USES[FSN], "value": entry[0]})
    for term in entry[1:]:
        if term:
            designations.append({"language": "en", "use": _USES[SYNONYM], "value": term})
    props: list[dict[str, Any]] = [
        {"code": "inactive", "valueBoolean": not active},
        {"code": "moduleId", "valueCode": module},
        {"code": "sufficientlyDefined", "valueBoolean": status == DEFINED},
    ]
    extra: dict[str, Any] = {"property": props}
    if designations:
        extra["designation"] = designations
    return extra


def records(release: Rf2Release) -> list[ConceptRecord]:
    """The concepts in the order the store takes them: a depth-first walk of the spanning tree
    (each concept under its lowest-numbered parent), children by display; every other parent in
    ``more_parents``. A concept the walk never reaches sits on an is-a cycle: refused."""
    displays = {cid: _display(cid, release.terms.get(cid)) for cid in release.concepts}
    children: dict[str, list[str]] = {}
    first: dict[str, str] = {}
    for cid, ups in release.parents.items():
        main = min(ups, key=int)
        first[cid] = main
        children.setdefault(main, []).append(cid)

    def order(codes: list[str]) -> list[str]:
        return sorted(codes, key=lambda c: ((displays[c] or "").casefold(), int(c)))

    roots = [c for c in release.concepts if c not in release.parents]
    active_roots = order([c for c in roots if release.concepts[c][0]])
    if ROOT in active_roots:
        active_roots.remove(ROOT)
        active_roots.insert(0, ROOT)
    out: list[ConceptRecord] = []
    stack = list(reversed(active_roots + order([c for c in roots if not release.concepts[c][0]])))
    while stack:
        cid = stack.pop()
        ups = release.parents.get(cid, [])
        spanning = first.get(cid)
        out.append(
            ConceptRecord(
                cid,
                displays[cid],
                spanning,
                _extra(release, cid),
                tuple(p for p in ups if p != spanning),
            )
        )
        stack.extend(reversed(order(children.get(cid, []))))
    if len(out) != len(release.concepts):
        reached = {r.code for r in out}
        stuck = sorted(c for c in release.concepts if c not in reached)
        raise TerminologyError(
            f"{release.source}: {len(stuck)} concepts are not reachable from a root (an is-a "
            f"cycle), e.g. {', '.join(stuck[:5])}"
        )
    return out


def code_system(
    release: Rf2Release, provenance: Provenance
) -> tuple[dict[str, Any], list[ConceptRecord]]:
    """The CodeSystem header of the edition version and its concepts, ready for the store."""
    iso = f"{release.date[:4]}-{release.date[4:6]}-{release.date[6:]}"
    header: dict[str, Any] = {
        "resourceType": "CodeSystem",
        "id": f"sct-{release.module}-{release.date}",
        # In force from its release date until a later release is loaded: the newest release
        # whose start is on or before a date of service answers for it.
        "extension": [{"url": EXT_EFFECTIVE_PERIOD, "valuePeriod": {"start": iso}}],
        "url": SNOMED,
        "version": release.version,
        "name": "SNOMEDCT",
        "title": f"SNOMED CT (edition module {release.module}, release {iso})",
        "status": "active",
        "experimental": False,
        "date": iso,
        "publisher": "SNOMED International",
        "description": (
            f"SNOMED CT edition {release.module}, release {iso}, read from its RF2 Snapshot: "
            f"{release.counts['concepts']:,} concepts, {release.counts['is-a']:,} is-a links; "
            f"preferred terms of language refset {release.language_refset}. Source: "
            + provenance.describe(release.source)
            + "."
        ),
        "copyright": SNOMED_COPYRIGHT,
        "caseSensitive": True,
        "hierarchyMeaning": "is-a",
        "compositional": False,
        "versionNeeded": False,
        "content": "complete",
        "filter": [
            {
                "code": "concept",
                "description": "Filter by the is-a hierarchy",
                "operator": ["is-a", "descendent-of", "is-not-a", "generalizes", "in"],
                "value": "A SNOMED CT concept id",
            }
        ],
        "property": [
            {
                "code": "inactive",
                "uri": "http://hl7.org/fhir/concept-properties#inactive",
                "description": "Whether the concept is inactive in this release",
                "type": "boolean",
            },
            {
                "code": "moduleId",
                "uri": "http://snomed.info/field/Concept.moduleId",
                "description": "The module the concept belongs to",
                "type": "code",
            },
            {
                "code": "sufficientlyDefined",
                "uri": "http://snomed.info/field/Concept.definitionStatusId",
                "description": "Whether the concept is sufficiently defined (not primitive)",
                "type": "boolean",
            },
            {
                "code": "parent",
                "uri": "http://hl7.org/fhir/concept-properties#parent",
                "description": "A direct parent (is-a)",
                "type": "code",
            },
            {
                "code": "child",
                "uri": "http://hl7.org/fhir/concept-properties#child",
                "description": "A direct child (is-a)",
                "type": "code",
            },
        ],
    }
    return header, records(release)
