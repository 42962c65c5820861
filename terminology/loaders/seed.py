"""Puts the built-in content into a store: the FHIR JSON of a content directory and the vendor
files its ``sources/releases.toml`` lists (the full ICD-10-CM of each shipped fiscal year).

Done on first start and whenever the built-in content changed (a fingerprint of its files is
kept in the store), in one transaction: a server reading the store meanwhile keeps the previous
content. Content loaded by ``terminology load`` has another origin and is left alone.
"""

from __future__ import annotations

import hashlib
import logging
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from terminology.errors import TerminologyError
from terminology.loaders import icd10cm
from terminology.storage.loader import load_content
from terminology.storage.records import ConceptRecord
from terminology.storage.store import ContentStore

log = logging.getLogger(__name__)

BUILTIN = "builtin"
MANIFEST = Path("sources") / "releases.toml"
_FINGERPRINT_KEY = "builtin-fingerprint"


@dataclass(frozen=True, slots=True)
class VendorRelease:
    header: dict[str, Any]
    records: list[ConceptRecord]


def fingerprint(content_dir: Path) -> str:
    """A digest of every file of the built-in content, names and bytes."""
    digest = hashlib.sha256()
    for path in sorted(p for p in content_dir.rglob("*") if p.is_file()):
        if path.suffix in {".json", ".gz", ".toml"}:
            digest.update(path.relative_to(content_dir).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


def read_manifest(content_dir: Path) -> list[VendorRelease]:
    """The vendor releases a content directory ships, read through their loaders."""
    manifest = content_dir / MANIFEST
    if not manifest.is_file():
        return []
    try:
        entries = tomllib.loads(manifest.read_text(encoding="utf-8")).get("release", [])
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise TerminologyError(f"{manifest}: not readable ({exc})") from exc
    releases = []
    for entry in entries:
        kind, file = entry.get("kind"), entry.get("file")
        if kind != "icd10cm-tabular" or not isinstance(file, str):
            raise TerminologyError(f"{manifest}: release {entry!r} has no known kind and file")
        path = manifest.parent / file
        release = icd10cm.read_tabular(path)
        check_sha256(path, entry.get("sha256"))
        header, records = icd10cm.code_system(
            release,
            icd10cm.Provenance(
                release=entry.get("release"),
                release_date=entry.get("release_date"),
                obtained_from=entry.get("obtained_from"),
                sha256=entry.get("sha256"),
            ),
        )
        releases.append(VendorRelease(header, records))
    return releases


def check_sha256(path: Path, expected: object) -> None:
    if expected is None:
        return
    actual = hashlib.sha256(icd10cm.open_text(path)).hexdigest()
    if actual != expected:
        raise TerminologyError(f"{path}: sha256 {actual} is not the {expected} recorded for it")


def seed_builtin(store: ContentStore, content_dir: Path) -> bool:
    """Make the store's built-in content that of ``content_dir``; True when it was (re)loaded."""
    wanted = fingerprint(content_dir)
    if store.meta(_FINGERPRINT_KEY) == wanted:
        return False
    content = load_content(content_dir)
    releases = read_manifest(content_dir)
    with store.writer() as writer:
        if writer.meta(_FINGERPRINT_KEY) == wanted:
            return False  # another process seeded it while this one read the files
        writer.delete_origin(BUILTIN)
        # What a user loaded (a newer file of the same fiscal year, say) wins over ours.
        for resources in content.by_type.values():
            for resource in resources:
                if not writer.origins_of(resource):
                    writer.put_resource(resource, BUILTIN)
        for release in releases:
            if not writer.origins_of(release.header):
                writer.put_code_system(
                    release.header, release.records, BUILTIN, total=len(release.records)
                )
        writer.set_meta(_FINGERPRINT_KEY, wanted)
    log.info("loaded the built-in content of %s into %s", content_dir, store.location)
    return True
