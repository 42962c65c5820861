"""Reads the CodeSystems, ValueSets and ConceptMaps of a FHIR NPM package (``.tgz``) or of a
folder of FHIR JSON, and writes such a package.

A package is untrusted input (from a registry, or handed over by a user), so it is read in
memory, member by member from the decompressed stream, and never extracted: no member name can
write anywhere. A name that is absolute or climbs (``..``) is refused all the same (a package
with one is not what it claims to be), as is a member over 200 MB, more than 2 GB in all, or
more than 100,000 members; the decompressed stream itself is bounded too, so tar headers
cannot hide data. Each resource passes the checks the content directory's resources pass
(``ContentSet.add``: type, id, url, unique id and url|version) and, when the caller gives one,
a full check (``check=validate_resource`` for the FHIR models).

As IG tooling does, ``package/example/`` and ``package/other/`` are skipped; resources of
other types are skipped and counted; a Bundle of type ``collection`` contributes its entries.
``write_package`` writes the same shape back, byte for byte the same for the same input.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import tarfile
import tempfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from terminology.authoring.common import PUBLISHER
from terminology.errors import TerminologyError
from terminology.storage.loader import SERVED_TYPES, ContentSet

#: A check run on every resource kept: the problems it finds (none = valid).
Check = Callable[[Mapping[str, Any]], list[str]]
#: A package's ``package.json``, parsed, and where it was read.
_Manifest = tuple[Any, Path]

_MB = 1024 * 1024
#: The core package each FHIR version's packages depend on.
_CORE_PACKAGES = {
    "4.0.1": "hl7.fhir.r4.core",
    "4.3.0": "hl7.fhir.r4b.core",
    "5.0.0": "hl7.fhir.r5.core",
}
#: Folders of a package that hold no definitions (IG tooling reads neither).
_NOT_DEFINITIONS = ("example", "other")
#: NPM package names as FHIR uses them (``hl7.fhir.us.core``), and FHIR ids.
_PACKAGE_NAME = re.compile(r"[a-z0-9][a-z0-9._-]*")
_FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")


@dataclass(frozen=True, slots=True)
class Limits:
    """What a package may hold before it is refused as hostile."""

    member_bytes: int = 200 * _MB
    total_bytes: int = 2048 * _MB
    members: int = 100_000

    @property
    def stream_bytes(self) -> int:
        """The decompressed tar stream these limits allow: the data, a header (and an extended
        header) per member, and the end-of-archive record."""
        return self.total_bytes + 2048 * self.members + tarfile.RECORDSIZE


@dataclass(frozen=True, slots=True)
class PackageContent:
    """The served resources of a package or folder, by type, in the order they were read."""

    by_type: dict[str, list[dict[str, Any]]]
    name: str | None = None
    version: str | None = None
    fhir_versions: tuple[str, ...] = ()
    #: What was not kept, and how often: resource types (``StructureDefinition``), folders
    #: (``package/example/``), ``not JSON``, ``not a FHIR resource``, ``Bundle (transaction)``.
    skipped: dict[str, int] = field(default_factory=dict)

    @property
    def resources(self) -> list[dict[str, Any]]:
        return [r for rtype in SERVED_TYPES for r in self.by_type[rtype]]


def read_package(
    path: Path, *, check: Check | None = None, limits: Limits = Limits()
) -> PackageContent:
    """The served resources of a ``.tgz`` package, or of every ``*.json`` below a folder."""
    collector = _Collector(check)
    if path.is_dir():
        manifest = _read_folder(path, collector, limits)
    elif path.is_file():
        manifest = _read_archive(path, collector, limits)
    else:
        raise TerminologyError(f"{path}: no such package file or folder")
    name, version, fhir_versions = _manifest_fields(*manifest) if manifest else (None, None, ())
    return PackageContent(
        by_type=collector.content.by_type,
        name=name,
        version=version,
        fhir_versions=fhir_versions,
        skipped=dict(sorted(collector.skipped.items())),
    )


class _Collector:
    """Parses files into resources and keeps the served ones, through ContentSet's checks."""

    def __init__(self, check: Check | None) -> None:
        self.content = ContentSet()
        self.skipped: Counter[str] = Counter()
        self.check = check

    def add_file(self, data: bytes, source: Path) -> None:
        resource = _parse_json(data, source)
        if isinstance(resource, dict):
            self.add(resource, source)
        else:
            self.skipped["not a FHIR resource"] += 1

    def add(self, resource: dict[str, Any], source: Path) -> None:
        rtype = resource.get("resourceType")
        if not isinstance(rtype, str):
            self.skipped["not a FHIR resource"] += 1
        elif rtype == "Bundle" and resource.get("type") == "collection":
            for i, entry in enumerate(resource.get("entry") or ()):
                inner = entry.get("resource") if isinstance(entry, dict) else None
                if not isinstance(inner, dict):
                    raise TerminologyError(f"{source}: Bundle entry {i} holds no resource")
                self.add(inner, Path(f"{source}#entry[{i}]"))
        elif rtype == "Bundle":
            self.skipped[f"Bundle ({resource.get('type')})"] += 1
        elif rtype not in SERVED_TYPES:
            self.skipped[rtype] += 1
        else:
            problems = self.check(resource) if self.check else []
            if problems:
                raise TerminologyError(f"{source}: not valid FHIR R4: {'; '.join(problems)}")
            self.content.add(resource, source)


def _parse_json(data: bytes, source: Path) -> Any:
    try:
        return json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise TerminologyError(f"{source}: not readable FHIR JSON ({exc})") from None


def _manifest_fields(manifest: Any, source: Path) -> tuple[str, str, tuple[str, ...]]:
    if not isinstance(manifest, dict):
        raise TerminologyError(f"{source}: not a JSON object")
    name, version, versions = (manifest.get(k) for k in ("name", "version", "fhirVersions"))
    if not isinstance(name, str) or not isinstance(version, str):
        raise TerminologyError(f"{source}: no name and version")
    fhir_versions = (
        tuple(v for v in versions if isinstance(v, str)) if isinstance(versions, list) else ()
    )
    return name, version, fhir_versions


# -- reading a folder --------------------------------------------------------------------------


def _read_folder(folder: Path, collector: _Collector, limits: Limits) -> _Manifest | None:
    """Every ``*.json`` below ``folder``; an unpacked package (``package.json`` in the folder
    or in its ``package/``) is read as its archive would be."""
    root = next((d for d in (folder, folder / "package") if (d / "package.json").is_file()), None)
    manifest: _Manifest | None = None
    total = 0
    for path in sorted(p for p in folder.rglob("*.json") if p.is_file()):
        size = path.stat().st_size
        total += size
        _check_sizes(path, size, total, limits)
        inside = path.relative_to(root).parts if root and path.is_relative_to(root) else None
        if inside == ("package.json",):
            manifest = (_parse_json(path.read_bytes(), path), path)
        elif path.name == ".index.json":
            continue
        elif inside and inside[0] in _NOT_DEFINITIONS:
            collector.skipped[f"package/{inside[0]}/"] += 1
        else:
            collector.add_file(path.read_bytes(), path)
    return manifest


# -- reading an archive ------------------------------------------------------------------------


class _Bounded(io.RawIOBase):
    """The decompressed stream, refused once it grows past what the limits allow."""

    def __init__(self, stream: io.BufferedIOBase | gzip.GzipFile, limit: int, path: Path):
        self.stream, self.limit, self.path, self.count = stream, limit, path, 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size if size >= 0 else self.limit + 1 - self.count)
        self.count += len(data)
        if self.count > self.limit:
            raise TerminologyError(
                f"{self.path}: refused: more than {self.limit} bytes uncompressed"
            )
        return data


def _read_archive(path: Path, collector: _Collector, limits: Limits) -> _Manifest:
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise TerminologyError(f"{path}: cannot be read ({exc})") from exc
    with raw:
        compressed = raw.read(2) == b"\x1f\x8b"
        raw.seek(0)
        stream = gzip.GzipFile(fileobj=raw, mode="rb") if compressed else raw
        try:
            with tarfile.open(
                fileobj=_Bounded(stream, limits.stream_bytes, path), mode="r|"
            ) as tar:
                manifest = _read_members(tar, path, collector, limits)
        except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
            raise TerminologyError(f"{path}: not a readable package archive ({exc})") from exc
    if manifest is None:
        raise TerminologyError(f"{path}: not a FHIR package (no package/package.json)")
    return manifest


def _read_members(
    tar: tarfile.TarFile, path: Path, collector: _Collector, limits: Limits
) -> _Manifest | None:
    manifest: _Manifest | None = None
    total = 0
    for count, member in enumerate(tar, start=1):
        if count > limits.members:
            raise TerminologyError(f"{path}: refused: more than {limits.members} members")
        name = _checked_name(member.name, path)
        if member.islnk() or member.issym():
            _checked_name(member.linkname, path)
        total += member.size
        _check_sizes(Path(f"{path}/{name}"), member.size, total, limits)
        if not member.isfile():
            if not member.isdir():
                collector.skipped["not a regular file"] += 1
            continue
        parts = PurePosixPath(name).parts
        if parts[0] != "package":
            collector.skipped["outside package/"] += 1
        elif len(parts) > 2 and parts[1] in _NOT_DEFINITIONS:
            collector.skipped[f"package/{parts[1]}/"] += 1
        elif not name.endswith(".json"):
            collector.skipped["not JSON"] += 1
        elif parts[-1] != ".index.json":
            data = _member_bytes(tar, member)
            if parts[1:] == ("package.json",):
                manifest = (_parse_json(data, Path(f"{path}/{name}")), Path(f"{path}/{name}"))
            else:
                collector.add_file(data, Path(f"{path}/{name}"))
    return manifest


def _member_bytes(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    handle = tar.extractfile(member)
    if handle is None:  # not a regular file: excluded before
        raise tarfile.TarError(f"{member.name} is not a file")
    with handle:
        return handle.read(member.size)


def _checked_name(name: str, path: Path) -> str:
    """The member's name without a leading ``./``; absolute or climbing names are refused."""
    posix = name.replace("\\", "/")
    parts = posix.split("/")
    if posix.startswith("/") or ".." in parts or re.match(r"[A-Za-z]:", posix):
        raise TerminologyError(f"{path}: refused: member name {name!r} leaves the package")
    while posix.startswith("./"):
        posix = posix[2:]
    return posix


def _check_sizes(source: Path, size: int, total: int, limits: Limits) -> None:
    if size > limits.member_bytes:
        raise TerminologyError(
            f"{source}: refused: {size} bytes, more than {limits.member_bytes} for one file"
        )
    if total > limits.total_bytes:
        raise TerminologyError(
            f"{source}: refused: the package holds more than {limits.total_bytes} bytes"
        )


# -- writing a package -------------------------------------------------------------------------


def write_package(
    resources: Iterable[Mapping[str, Any]],
    out_path: Path,
    name: str,
    version: str,
    fhir_version: str = "4.0.1",
    *,
    description: str | None = None,
    author: str = PUBLISHER,
) -> None:
    """Write ``resources`` as a FHIR NPM package: ``package/package.json``,
    ``package/.index.json`` and ``package/<ResourceType>-<id>.json`` each. The same input gives
    the same bytes (sorted members, mtime 0, owner 0, no name in the gzip header)."""
    core = _CORE_PACKAGES.get(fhir_version)
    if core is None:
        raise TerminologyError(
            f"FHIR version {fhir_version} is not one of {sorted(_CORE_PACKAGES)}"
        )
    if not _PACKAGE_NAME.fullmatch(name) or not version or any(c.isspace() for c in version):
        raise TerminologyError(f"{name!r} {version!r} is not a package name and version")
    content = ContentSet()
    files: dict[str, bytes] = {}
    for resource in resources:
        body = dict(resource)
        filename = f"{body.get('resourceType')}-{body.get('id')}.json"
        content.add(body, Path(filename))  # served type, id, url, nothing twice
        if not _FHIR_ID.fullmatch(body["id"]):
            raise TerminologyError(f"{filename}: {body['id']!r} is not a FHIR id")
        files[f"package/{filename}"] = _json_bytes(body)
    manifest = {
        "name": name,
        "version": version,
        "description": description or f"{name} {version}: FHIR terminology resources",
        "author": author,
        "fhirVersions": [fhir_version],
        "type": "Conformance",
        "dependencies": {core: fhir_version},
    }
    files["package/package.json"] = _json_bytes(manifest)
    index = [_index_entry(body) for rtype in SERVED_TYPES for body in content.by_type[rtype]]
    files["package/.index.json"] = _json_bytes(
        {"index-version": 2, "files": sorted(index, key=lambda e: str(e["filename"]))}
    )
    _write_atomically(out_path, _tgz(files))


def _json_bytes(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _index_entry(body: Mapping[str, Any]) -> dict[str, Any]:
    """One file of ``.index.json`` (index-version 2): what tools look resources up by."""
    entry: dict[str, Any] = {"filename": f"{body['resourceType']}-{body['id']}.json"}
    for key in ("resourceType", "id", "url", "version", "kind", "type", "supplements"):
        if isinstance(body.get(key), str):
            entry[key] = body[key]
    if body["resourceType"] == "CodeSystem" and isinstance(body.get("content"), str):
        entry["content"] = body["content"]
    return entry


def _tgz(files: Mapping[str, bytes]) -> bytes:
    tar_bytes = io.BytesIO()
    with tarfile.open(fileobj=tar_bytes, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for member in sorted(files):
            info = tarfile.TarInfo(member)
            info.size, info.mtime, info.mode = len(files[member]), 0, 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(files[member]))
    out = io.BytesIO()
    with gzip.GzipFile(filename="", fileobj=out, mode="wb", compresslevel=9, mtime=0) as gz:
        gz.write(tar_bytes.getvalue())
    return out.getvalue()


def _write_atomically(out_path: Path, data: bytes) -> None:
    """Replace ``out_path`` at once: a reader never sees half a package."""
    handle, temporary = tempfile.mkstemp(dir=out_path.parent, prefix=f".{out_path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, out_path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
