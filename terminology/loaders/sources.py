"""What every vendor-file reader needs: the file's bytes (gunzipped when needed), its name as
the vendor published it, and where it came from (recorded in the CodeSystem's description, so a
served version says which file it was built from)."""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from terminology.errors import TerminologyError
from terminology.uris import EXT_EFFECTIVE_PERIOD, EXT_VERSION_ALGORITHM, VERSION_ALGORITHM_SYSTEM


def open_text(path: Path) -> bytes:
    """The file's bytes, gunzipped when it ends in ``.gz``."""
    try:
        raw = path.read_bytes()
        return gzip.decompress(raw) if path.suffix == ".gz" else raw
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise TerminologyError(f"{path}: cannot be read ({exc})") from exc


def source_name(path: Path) -> str:
    """The file's name as its vendor published it (ours may be gzipped)."""
    return path.name[:-3] if path.name.endswith(".gz") else path.name


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a loaded file came from, recorded in the CodeSystem's description."""

    #: "FY2026 ICD-10-CM, April 1, 2026 update"
    release: str | None = None
    #: ISO date the release was published or took effect.
    release_date: str | None = None
    obtained_from: str | None = None
    sha256: str | None = None

    def describe(self, source_file: str) -> str:
        """``file X; release; obtained from Y; sha256 Z``: the parts that are known."""
        parts = [f"file {source_file}"]
        if self.release:
            parts.append(self.release)
        if self.obtained_from:
            parts.append(f"obtained from {self.obtained_from}")
        if self.sha256:
            parts.append(f"sha256 {self.sha256}")
        return "; ".join(parts)


def calendar_year_header(
    *, id_: str, url: str, year: str, name: str, title: str, provenance: Provenance
) -> dict[str, Any]:
    """The start of the CodeSystem header of a code system versioned by calendar year (CPT,
    HCPCS): in force January 1 to December 31, versions compared as integers."""
    header: dict[str, Any] = {
        "resourceType": "CodeSystem",
        "id": id_,
        "extension": [
            {
                "url": EXT_EFFECTIVE_PERIOD,
                "valuePeriod": {"start": f"{year}-01-01", "end": f"{year}-12-31"},
            },
            {
                "url": EXT_VERSION_ALGORITHM,
                "valueCoding": {"system": VERSION_ALGORITHM_SYSTEM, "code": "integer"},
            },
        ],
        "url": url,
        "version": year,
        "name": name,
        "title": title,
        "status": "active",
        "experimental": False,
    }
    if provenance.release_date:
        header["date"] = provenance.release_date
    return header


class PropertyDefinition(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def uri(self) -> str | None: ...
    @property
    def description(self) -> str: ...
    @property
    def type(self) -> str: ...


def property_declaration(definition: PropertyDefinition) -> dict[str, Any]:
    """The ``CodeSystem.property`` entry of a property the authoring tables define."""
    out: dict[str, Any] = {"code": definition.code}
    if definition.uri:
        out["uri"] = definition.uri
    out["description"] = definition.description
    out["type"] = definition.type
    return out
