"""What the LOINC and RadLex loaders share: reading a vendor CSV (quoted fields, a header line)
from a release folder or zip, and the contrast our content states for an imaging term, read
from its name the way our hand-made fragments state it (``authoring/loinc.py``,
``authoring/radlex.py``), so loaded and built-in terms answer the same ``contrast``."""

from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from datetime import date
from pathlib import Path, PurePosixPath
from typing import IO

from terminology.errors import TerminologyError

# Field sizes in LOINC's CSVs (DefinitionDescription, RELATEDNAMES2) exceed csv's 128 KiB
# default only in pathological files; 16 MiB still refuses a file that is one endless field.
csv.field_size_limit(16 * 1024 * 1024)

#: A name's contrast wording, most specific first (LOINC: "WO and W contrast IV"; RadLex:
#: "w and wo IV Contrast"), and the value our ``contrast`` property gives it.
_CONTRAST = (
    (re.compile(r"\b(wo and w|w and wo|wo & w|w & wo|wo then w)\b", re.I), "without-then-with"),
    (re.compile(r"\bwo\b[^,]*\bcontrast\b", re.I), "none"),
    (re.compile(r"\bw\b[^,]*\bcontrast\b", re.I), "with"),
)


def contrast_in_name(name: str) -> str | None:
    """``none``, ``with`` or ``without-then-with`` when the name states the contrast; None
    when it does not ("CT Chest")."""
    for pattern, value in _CONTRAST:
        if pattern.search(name):
            return value
    return None


def release_start(day: str | None) -> str | None:
    """The ``--release-date`` a version is in force from, checked (YYYY-MM-DD)."""
    if day is None:
        return None
    try:
        return date.fromisoformat(day).isoformat()
    except ValueError:
        raise TerminologyError(f"--release-date {day!r}: expected a date, YYYY-MM-DD") from None


def find_file(path: Path, name: str, stack: ExitStack) -> tuple[str, io.TextIOBase] | None:
    """The file called ``name`` (case-insensitive) in the folder or zip ``path``, or ``path``
    itself when that is the file, opened as text; None when there is none."""
    wanted = name.casefold()
    if path.is_file() and path.name.casefold() == wanted:
        return str(path), _open(path.open("rb"), stack)
    if path.is_dir():
        found = sorted(p for p in path.rglob("*") if p.name.casefold() == wanted)
        if found:
            return str(found[0]), _open(found[0].open("rb"), stack)
        return None
    if path.is_file() and zipfile.is_zipfile(path):
        try:
            archive = stack.enter_context(zipfile.ZipFile(path))
        except (OSError, zipfile.BadZipFile) as exc:
            raise TerminologyError(f"{path}: not a readable zip ({exc})") from exc
        names = sorted(n for n in archive.namelist() if PurePosixPath(n).name.casefold() == wanted)
        if names:
            return f"{path.name}:{names[0]}", _open(archive.open(names[0]), stack)
        return None
    if not path.exists():
        raise TerminologyError(f"{path}: no such file or folder")
    return None


def _open(raw: IO[bytes], stack: ExitStack) -> io.TextIOBase:
    # utf-8-sig: some LOINC releases' CSVs start with a byte-order mark.
    return stack.enter_context(io.TextIOWrapper(raw, encoding="utf-8-sig", newline=""))


def csv_rows(
    name: str, stream: io.TextIOBase, required: Sequence[str]
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row by column name) for each data row; a header lacking a ``required``
    column, a row with another number of fields, or bytes that are not UTF-8 are refused."""
    reader = csv.reader(stream)
    try:
        header = next(reader, None)
        if header is None:
            raise TerminologyError(f"{name}: the file is empty")
        header = [h.strip() for h in header]
        missing = [c for c in required if c not in header]
        if missing:
            raise TerminologyError(
                f"{name}: not the expected CSV: no {', '.join(missing)} column "
                f"(its header: {', '.join(header[:12])}{', ...' if len(header) > 12 else ''})"
            )
        for fields in reader:
            if not fields or fields == [""]:
                continue
            if len(fields) != len(header):
                raise TerminologyError(
                    f"{name}, line {reader.line_num}: {len(fields)} fields, the header has "
                    f"{len(header)}"
                )
            yield reader.line_num, dict(zip(header, fields, strict=True))
    except UnicodeDecodeError as exc:
        raise TerminologyError(f"{name}: not UTF-8 text ({exc.reason})") from exc
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        # A truncated or damaged zip member, or a file gone while it was read.
        raise TerminologyError(f"{name}: cannot be read ({exc})") from exc
    except csv.Error as exc:
        raise TerminologyError(f"{name}, line {reader.line_num}: not valid CSV ({exc})") from exc
