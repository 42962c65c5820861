"""Reads an AMA CPT release folder: the long, medium and short descriptor files, the modifier
file and (when present) the CPT Link deleted-codes history, each where ``cpt_layout`` says its
fields are.

Every file is read whole and refused whole: a file missing, in another encoding, or with a line
that does not fit its layout stops the load before the store is touched. The descriptor files
begin with the AMA's notice (prose, about 30 lines): lines before the first one that reads as a
code and its text are skipped; after it, every line must read so (a wrong layout then fails at
its first line instead of loading nothing).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from terminology.errors import TerminologyError
from terminology.loaders.cpt_layout import PARTS, FileLayout

#: A CPT code: Category I (5 digits), II (4 digits and F), III (T), PLA (U).
CODE = re.compile(r"\d{4}[0-9FTU]")
#: A CPT (Level I) modifier: two digits, a Category II modifier (1P, 2P, 3P, 8P) or an
#: anesthesia physical status modifier (P1-P6). HCPCS Level II modifiers are another system.
MODIFIER = re.compile(r"\d[0-9P]|P\d")
_YEAR = re.compile(r"(?<!\d)(19[89]\d|20\d\d)(?!\d)")
_RANGE_OR_CODE = re.compile(r"(?<![0-9A-Z])(\d{4}[0-9FTU])(?:\s*-\s*(\d{4}[0-9FTU]))?(?![0-9A-Z])")
#: A numeric range longer than this in an instruction is a section, not a replacement.
_LONGEST_RANGE = 50


@dataclass(frozen=True, slots=True)
class Deletion:
    """One row of the deleted-codes history."""

    code: str
    #: ISO date from which the code is no longer in force; None for "Pre-1982" and the like,
    #: older than every version we serve.
    deleted: str | None
    text: str | None
    #: Codes the row's instruction names (e.g. "To report, use 71046"), as the release has them.
    replacements: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CptRelease:
    year: str
    #: code -> descriptor, in the order of the files.
    long: dict[str, str]
    medium: dict[str, str]
    short: dict[str, str]
    modifiers: dict[str, str]
    deletions: tuple[Deletion, ...]
    #: part -> the file read, relative to the release folder.
    files: dict[str, str]


def read_release(path: Path, layouts: dict[str, FileLayout], year: str | None = None) -> CptRelease:
    """The release in folder ``path``; ``year`` when the folder's name does not say it."""
    if not path.is_dir():
        raise TerminologyError(
            f"{path}: not a folder; give the folder of the unzipped AMA CPT data files "
            "(with LONGULT.txt, MEDU.txt, SHORTU.txt, MODUL.txt)"
        )
    year = year or _year_in_name(path)
    if not re.fullmatch(r"\d{4}", year):
        raise TerminologyError(f"--version {year!r}: expected the CPT year, e.g. 2026")
    found = _find_files(path, layouts)
    long = dict(_descriptors(path, found["long"], layouts["long"], CODE))
    if not long:
        raise TerminologyError(f"{path / found['long']}: holds no CPT codes")
    medium = dict(_descriptors(path, found["medium"], layouts["medium"], CODE))
    short = dict(_descriptors(path, found["short"], layouts["short"], CODE))
    for part, descriptors in (("medium", medium), ("short", short)):
        strays = [code for code in descriptors if code not in long]
        if strays:
            raise TerminologyError(
                f"{path / found[part]}: {len(strays)} code(s) have no long descriptor in "
                f"{found['long']} (e.g. {', '.join(strays[:5])}); are both from one release?"
            )
    modifiers = dict(_descriptors(path, found["modifiers"], layouts["modifiers"], MODIFIER))
    deletions: tuple[Deletion, ...] = ()
    if "deleted" in found:
        deletions = tuple(_deletions(path, found["deleted"], layouts["deleted"], set(long)))
    return CptRelease(year, long, medium, short, modifiers, deletions, found)


def _year_in_name(path: Path) -> str:
    # The folder's own name only: a year in a parent ("/data/2019-backups/cpt") says nothing.
    years = _YEAR.findall(path.resolve().name)
    if not years:
        raise TerminologyError(f"{path}: no year in the folder's name; give --version YEAR")
    return str(years[-1])


def _find_files(path: Path, layouts: dict[str, FileLayout]) -> dict[str, str]:
    by_name: dict[str, list[Path]] = {}
    for file in path.rglob("*"):
        if file.is_file():
            by_name.setdefault(file.name.casefold(), []).append(file)
    found: dict[str, str] = {}
    missing = []
    for part in PARTS:
        layout = layouts[part]
        matches = by_name.get(Path(layout.file).name.casefold(), [])
        if len(matches) > 1:
            names = ", ".join(str(m.relative_to(path)) for m in sorted(matches))
            raise TerminologyError(f"{path}: more than one {layout.file} ({names})")
        if matches:
            found[part] = matches[0].relative_to(path).as_posix()
        elif layout.required:
            missing.append(layout.file)
    if missing:
        raise TerminologyError(
            f"{path}: missing {', '.join(missing)} (the AMA CPT data files; a release whose "
            "files are named otherwise is read with --columns)"
        )
    return found


def _text(file: Path, layout: FileLayout) -> list[str]:
    raw = file.read_bytes()
    encoding = "utf-8-sig" if layout.encoding.replace("_", "-").lower() == "utf-8" else None
    try:
        text = raw.decode(encoding or layout.encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise TerminologyError(
            f"{file}: line {line} is not {layout.encoding} text (byte "
            f"0x{raw[exc.start]:02x}); if the release uses another encoding, name it in a "
            'column mapping (--columns FILE with encoding = "cp1252" in the file\'s table)'
        ) from None
    return text.splitlines()


def _describe(layout: FileLayout) -> str:
    if isinstance(layout.code, int):
        count = f"{layout.fields} " if layout.fields else ""
        return f"{count}tab-separated fields, the code in field {layout.code}"
    first, last = layout.code
    return (
        f"the code in characters {first}-{last}, a separator, the text from character {layout.text}"
    )


def _split(line: str, layout: FileLayout) -> list[str] | None:
    """The line's code, text, deletion date and instruction ("" where the layout has none), or
    None when the line does not fit the layout."""
    if isinstance(layout.code, int):
        parts = line.split("\t")
        if layout.fields is not None and len(parts) != layout.fields:
            return None
        wanted = (layout.code, layout.text, layout.date, layout.instruction)
        if any(n is not None and n > len(parts) for n in wanted[:3]):
            return None  # the instruction may be left off a line that has none
        return [parts[n - 1].strip() if n is not None and n <= len(parts) else "" for n in wanted]
    first, last = layout.code
    if len(line) <= last or not line[last].isspace():
        return None
    return [line[first - 1 : last], line[layout.text - 1 :].strip(), "", ""]


def _rows(
    folder: Path, name: str, layout: FileLayout, pattern: re.Pattern[str]
) -> Iterator[tuple[int, list[str]]]:
    file = folder / name
    lines = _text(file, layout)
    started = False
    for number, line in enumerate(lines, start=1):
        if layout.header and number == 1:
            started = True
            continue
        if not line.strip():
            continue
        fields = _split(line.rstrip("\r\n"), layout)
        fits = fields is not None and pattern.fullmatch(fields[0]) is not None
        if not fits:
            if not started:
                continue  # the AMA's notice before the data
            raise TerminologyError(
                f"{file}, line {number}: does not read as {_describe(layout)} (is the "
                "column mapping right for this release? see --columns)"
            )
        started = True
        assert fields is not None
        yield number, fields
    if not started:
        raise TerminologyError(f"{file}: no line reads as {_describe(layout)}")


def _descriptors(
    folder: Path, name: str, layout: FileLayout, pattern: re.Pattern[str]
) -> Iterator[tuple[str, str]]:
    seen: set[str] = set()
    for number, (code, text, _d, _i) in _rows(folder, name, layout, pattern):
        if code in seen:
            raise TerminologyError(f"{folder / name}, line {number}: code {code} appears twice")
        if not text:
            raise TerminologyError(f"{folder / name}, line {number}: code {code} has no descriptor")
        seen.add(code)
        yield code, text


def _deletions(folder: Path, name: str, layout: FileLayout, known: set[str]) -> Iterator[Deletion]:
    for number, (code, text, deleted, instruction) in _rows(folder, name, layout, CODE):
        yield Deletion(
            code=code,
            deleted=_deleted_on(deleted, folder / name, number),
            text=text or None,
            replacements=tuple(c for c in replacements(instruction, known) if c != code),
        )


def _deleted_on(value: str, file: Path, number: int) -> str | None:
    if value.lower().startswith("pre-"):
        return None
    try:
        if len(value) != 8 or not value.isdigit():
            raise ValueError(value)
        return date(int(value[:4]), int(value[4:6]), int(value[6:])).isoformat()
    except ValueError:
        raise TerminologyError(
            f"{file}, line {number}: deletion date {value!r} is not YYYYMMDD (nor Pre-YYYY)"
        ) from None


def replacements(instruction: str, known: set[str]) -> tuple[str, ...]:
    """The codes an instruction names ("To report, use 71046"; a range "71045-71048" names
    each code of it), kept when the release has them: an instruction may also name a section
    or a deleted code, which replace nothing."""
    out: list[str] = []
    for first, last in _RANGE_OR_CODE.findall(instruction):
        codes = [first]
        if last and first.isdigit() and last.isdigit() and 0 < int(last) - int(first):
            if int(last) - int(first) <= _LONGEST_RANGE:
                codes = [f"{n:05d}" for n in range(int(first), int(last) + 1)]
            else:
                codes = []
        elif last:
            codes = [first, last]
        out += [c for c in codes if c in known and c not in out]
    return tuple(out)
