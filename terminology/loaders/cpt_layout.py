"""Where each field of the AMA CPT data files is: our default, and a TOML file that overrides it.

The default follows what we could verify of the files (../shared/reference/chest-imaging-codes.md
§8): ``LONGULT.txt`` is tab-separated, exactly two fields (code, descriptor); ``MEDU.txt`` and
``SHORTU.txt`` are the 5-character code, a separator and the descriptor from the 7th character;
each starts with the AMA's notice (about 30 lines), which is skipped. The modifier file
(``MODUL.txt``) and the CPT Link deleted-codes history (``Deleted_DTK_tab.txt``) are NOT
verified against an AMA file: MODUL is read as the 2-character modifier, a separator and the
text from the 4th character (which suits both a tab and space padding); the history as a
tab-separated file with a header line, columns Concept Id, Code, Date Deleted, Level,
Descriptor, Instruction (as a public CPT ingest pipeline reads it). A release whose files
differ is read with ``--columns FILE``, a TOML file with one table per file, for instance::

    [modifiers]
    file = "MODUL.txt"
    layout = "tab"       # fields split on tabs; "fixed": characters
    code = 1             # tab: field number; fixed: [first, last] characters (1-based)
    text = 2             # tab: field number; fixed: first character of the text
    fields = 2           # tab: exact number of fields per data line (optional)

    [deleted]
    header = true        # the first line names the columns
    code = 2
    date = 3             # Date Deleted: YYYYMMDD (or "Pre-1982": before any version we serve)
    text = 5
    instruction = 6      # the codes named here are the replacements
    encoding = "utf-8"   # any table; e.g. "cp1252"

Keys left out keep the default.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from terminology.errors import TerminologyError

#: The files of a release, by the name a mapping file uses for each.
PARTS = ("long", "medium", "short", "modifiers", "deleted")


@dataclass(frozen=True, slots=True)
class FileLayout:
    #: The file's name as the AMA publishes it (found anywhere under the release folder,
    #: whatever its case).
    file: str
    #: "tab" (fields split on tabs) or "fixed" (characters).
    layout: str
    #: tab: the code's field number; fixed: its first and last characters (1-based).
    code: int | tuple[int, int]
    #: tab: the text's field number; fixed: the text's first character.
    text: int
    #: tab: exact number of fields on a data line (None: at least as many as are read).
    fields: int | None = None
    #: The first line names the columns (else the AMA notice precedes the data).
    header: bool = False
    #: The history's deletion date and instruction fields (tab only).
    date: int | None = None
    instruction: int | None = None
    encoding: str = "utf-8"
    #: Without this file the release is refused (the history is an add-on product, CPT Link).
    required: bool = True


DEFAULT_LAYOUTS: Mapping[str, FileLayout] = {
    "long": FileLayout("LONGULT.txt", "tab", 1, 2, fields=2),
    "medium": FileLayout("MEDU.txt", "fixed", (1, 5), 7),
    "short": FileLayout("SHORTU.txt", "fixed", (1, 5), 7),
    "modifiers": FileLayout("MODUL.txt", "fixed", (1, 2), 4),
    "deleted": FileLayout(
        "Deleted_DTK_tab.txt",
        "tab",
        2,
        5,
        header=True,
        date=3,
        instruction=6,
        required=False,
    ),
}


def read_layouts(path: Path | None) -> dict[str, FileLayout]:
    """The default layouts, with what the TOML file at ``path`` overrides."""
    layouts = dict(DEFAULT_LAYOUTS)
    if path is None:
        return layouts
    try:
        mapping = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise TerminologyError(f"{path}: not a readable TOML column mapping ({exc})") from exc
    unknown = sorted(set(mapping) - set(PARTS))
    if unknown:
        raise TerminologyError(
            f"{path}: unknown table(s) {', '.join(unknown)}; the tables are {', '.join(PARTS)}"
        )
    for part, table in mapping.items():
        if not isinstance(table, dict):
            raise TerminologyError(f"{path}: [{part}] must be a table")
        layouts[part] = _override(path, part, layouts[part], table)
    return layouts


def _override(path: Path, part: str, layout: FileLayout, table: Mapping[str, Any]) -> FileLayout:
    names = {f.name for f in fields(FileLayout)}
    unknown = sorted(set(table) - names)
    where = f"{path}: [{part}]"
    if unknown:
        raise TerminologyError(f"{where} has unknown key(s) {', '.join(unknown)}")
    values: dict[str, Any] = dict(table)
    kind = values.get("layout", layout.layout)
    if kind not in ("tab", "fixed"):
        raise TerminologyError(f'{where} layout must be "tab" or "fixed"')
    code = values.get("code", layout.code)
    if kind == "fixed":
        if not (
            isinstance(code, list | tuple)
            and len(code) == 2
            and all(_whole(n) for n in code)
            and code[0] <= code[1]
        ):
            raise TerminologyError(f"{where} code must be [first, last] characters (fixed layout)")
        values["code"] = (code[0], code[1])
    elif not _whole(code):
        raise TerminologyError(f"{where} code must be a field number (tab layout)")
    for key in ("text", "fields", "date", "instruction"):
        if key in values and values[key] is not None and not _whole(values[key]):
            raise TerminologyError(f"{where} {key} must be a whole number from 1")
    for key in ("file", "encoding"):
        if key in values and not isinstance(values[key], str):
            raise TerminologyError(f"{where} {key} must be a string")
    for key in ("header", "required"):
        if key in values and not isinstance(values[key], bool):
            raise TerminologyError(f"{where} {key} must be true or false")
    try:
        "".encode(values.get("encoding", layout.encoding))
    except LookupError:
        raise TerminologyError(f"{where} encoding {values['encoding']!r} is unknown") from None
    return replace(layout, **values)


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1
