"""CMS NCCI edit files: procedure-to-procedure (PTP) and medically unlikely edits (MUE), each
for practitioners (``ccipra``, ``MCR_MUE_PractitionerServices``) and outpatient hospitals
(``ccioph``, ``MCR_MUE_OutpatientHospitalServices``), in CMS's layouts.

PTP: notice and header lines come first; then one tab-separated row per edit: column 1 code,
column 2 code, ``*`` when the edit existed before 1996, effective date (YYYYMMDD), deletion
date (YYYYMMDD, or ``*`` for none), modifier indicator (0 never bypassed, 1 bypassed by an
NCCI-associated modifier, 9 not applicable) and the edit's rationale.

``terminology load ncci`` reads CMS's quarterly files (text, CSV, or the zips CMS publishes),
keeps the edits that involve a chest-imaging code, and stores each table in the content store
(so every replica serves it, and a load is picked up like any other content change).
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

from terminology.errors import TerminologyError
from terminology.loaders.sources import open_text
from terminology.storage.store import ContentStore
from terminology.uris import CPT, HCPCS, HCPCS_HTTPS, PROJECT_BASE

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
    return _ptp_rows(_decode(open_text(path)), str(path))


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")  # CMS's older files


def _ptp_rows(text: str, path: str) -> list[PtpEdit]:
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
    return _mue_rows(_decode(open_text(path)), str(path))


def _mue_rows(text: str, path: str) -> list[MueEdit]:
    """CMS's MUE CSV (``MCR_MUE_PractitionerServices_Eff_*.csv``): notice lines, a header, then
    code, MUE value, adjudication indicator ("3 Date of Service Edit: Clinical"), rationale."""
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


Kind = Literal["ptp", "mue"]
Setting = Literal["professional", "institutional"]

#: Each table kind's key in the store's meta, and the names CMS gives its files.
_META = "ncci:{setting}:{kind}"
_NAMES: tuple[tuple[str, Kind, Setting], ...] = (
    ("ccipra", "ptp", "professional"),
    ("ccioph", "ptp", "institutional"),
    ("practitioner", "mue", "professional"),
    ("outpatienthospital", "mue", "institutional"),
    ("outpatient_hospital", "mue", "institutional"),
)


@dataclass(frozen=True, slots=True)
class NcciTable:
    """One NCCI table: PTP or MUE edits, for practitioners (professional claims) or for
    outpatient hospitals (institutional claims)."""

    kind: Kind
    setting: Setting
    #: What the edits came from, as issue texts name it ("ccipra-v321r0-f1.txt..., 2026Q2").
    source: str
    ptp: tuple[PtpEdit, ...] = ()
    mue: tuple[MueEdit, ...] = ()
    #: Rows in the files read, before the edits without a chest-imaging code were left out.
    rows_read: int = field(default=0, compare=False)

    @property
    def size(self) -> int:
        return len(self.ptp) + len(self.mue)


def table_of(name: str) -> tuple[Kind, Setting] | None:
    """Which table a CMS file is, from its name (None when the name does not say)."""
    folded = name.lower().replace("-", "_")
    for part, kind, setting in _NAMES:
        if part in folded and (kind == "ptp" or "mue" in folded):
            return kind, setting
    return None


def read_tables(
    paths: Iterable[Path],
    *,
    keep: Callable[[str], bool],
    release: str | None = None,
    setting: Setting | None = None,
) -> list[NcciTable]:
    """The tables in ``paths`` (files, zips of them, or folders), one per kind and setting: CMS
    splits the practitioner PTP table over four files, which make one table here. ``keep`` says
    which codes matter; an edit is kept when either of its codes does. ``setting`` overrides
    what the file names say (and names the table of a renamed file: ``.csv`` is MUE, else
    PTP)."""
    found: dict[tuple[Kind, Setting], tuple[list[str], list[PtpEdit], list[MueEdit], int]] = {}
    for name, text in _members(paths):
        which = table_of(name)
        if which is None and setting is not None:
            which = ("mue" if name.lower().endswith(".csv") else "ptp", setting)
        if which is None:
            raise TerminologyError(
                f"{name}: not an NCCI file CMS names (ccipra, ccioph, "
                "MCR_MUE_PractitionerServices, MCR_MUE_OutpatientHospitalServices); say which "
                "table it is with --table"
            )
        kind = which[0]
        where = (kind, setting or which[1])
        names, ptp, mue, rows = found.setdefault(where, ([], [], [], 0))
        names.append(name)
        if kind == "ptp":
            pairs = _ptp_rows(text, name)
            ptp += [e for e in pairs if keep(e.column1) or keep(e.column2)]
            read = len(pairs)
        else:
            limits = _mue_rows(text, name)
            mue += [e for e in limits if keep(e.code)]
            read = len(limits)
        found[where] = (names, ptp, mue, rows + read)
    if not found:
        raise TerminologyError("no NCCI file was found in the paths given")
    tables = []
    for (kind, table_setting), (names, ptp, mue, rows) in sorted(found.items()):
        label = ", ".join(sorted(names))
        tables.append(
            NcciTable(
                kind,
                table_setting,
                f"{label}, {release}" if release else label,
                tuple(ptp),
                tuple(mue),
                rows,
            )
        )
    return tables


def _members(paths: Iterable[Path]) -> Iterator[tuple[str, str]]:
    """(file name, text) of each NCCI file in ``paths``: zips are opened (CMS publishes each
    table as a zip of the text file with its notices), folders walked."""
    for path in paths:
        if path.is_dir():
            yield from _members(sorted(p for p in path.iterdir() if p.suffix.lower() in _SUFFIXES))
        elif path.suffix.lower() == ".zip":
            try:
                with zipfile.ZipFile(path) as archive:
                    for info in archive.infolist():
                        inner = Path(info.filename)
                        if inner.suffix.lower() in (".txt", ".csv") and table_of(inner.name):
                            yield inner.name, _decode(archive.read(info))
            except (OSError, zipfile.BadZipFile) as exc:
                raise TerminologyError(f"{path}: cannot be read as a zip ({exc})") from exc
        else:
            yield path.name, _decode(open_text(path))


_SUFFIXES = frozenset({".txt", ".csv", ".zip", ".gz"})


# -- the store ------------------------------------------------------------------------------
def store_tables(store: ContentStore, tables: Iterable[NcciTable]) -> None:
    """Store each table in place of the one of its kind and setting, in one transaction."""
    with store.writer() as writer:
        for table in tables:
            writer.set_meta(_META.format(setting=table.setting, kind=table.kind), _encode(table))
        writer.changed = True


def stored_tables(store: ContentStore) -> list[NcciTable]:
    """The tables ``terminology load ncci`` stored."""
    out = []
    for setting in ("professional", "institutional"):
        for kind in ("ptp", "mue"):
            text = store.meta(_META.format(setting=setting, kind=kind))
            if text is not None:
                out.append(_decoded(text))
    return out


def _encode(table: NcciTable) -> str:
    return json.dumps(
        {
            "kind": table.kind,
            "setting": table.setting,
            "source": table.source,
            "ptp": [
                [
                    e.column1,
                    e.column2,
                    e.effective.isoformat(),
                    e.deleted.isoformat() if e.deleted else None,
                    e.modifier_indicator,
                    e.rationale,
                ]
                for e in table.ptp
            ],
            "mue": [[e.code, e.units, e.indicator, e.rationale] for e in table.mue],
        },
        separators=(",", ":"),
    )


def _decoded(text: str) -> NcciTable:
    body = json.loads(text)
    return NcciTable(
        body["kind"],
        body["setting"],
        body["source"],
        tuple(
            PtpEdit(c1, c2, date.fromisoformat(eff), date.fromisoformat(dl) if dl else None, mi, r)
            for c1, c2, eff, dl, mi, r in body["ptp"]
        ),
        tuple(MueEdit(code, units, ind, r) for code, units, ind, r in body["mue"]),
    )


#: The value sets whose CPT and HCPCS codes make an edit worth keeping, and the screening
#: counselling visit (G0296), which NCD 210.14's rules read but no chest value set lists.
_CHEST_VALUE_SETS = (f"{PROJECT_BASE}/ValueSet/chest-imaging-procedures",)
_ALSO_KEPT = frozenset({"G0296"})


def chest_codes(store: ContentStore) -> frozenset[str]:
    """The CPT and HCPCS codes of our chest-imaging procedures (every version's, deleted codes
    included, so historical claims keep their edits): a full CMS table holds millions of
    edits, of which only those involving one of these can fire on a chest-imaging claim."""
    codes = set(_ALSO_KEPT)
    for stored in store.resources():
        body = stored.body
        if body.get("resourceType") != "ValueSet" or body.get("url") not in _CHEST_VALUE_SETS:
            continue
        for include in body.get("compose", {}).get("include", ()):
            if include.get("system") in (CPT, HCPCS, HCPCS_HTTPS):
                codes.update(c["code"] for c in include.get("concept", ()))
    return frozenset(codes)
