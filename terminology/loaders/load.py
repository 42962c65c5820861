"""Putting a loaded code system into the store, atomically, and saying what changed.

Every loader ends here: a reader turns the vendor's file into a CodeSystem header and concept
records, and ``load_code_system`` writes them in one transaction (a failed or interrupted load
leaves the previous content serving; loading a version again replaces it) and compares them
with what was there before: the same version when it is replaced, else the newest older one.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from terminology.storage.records import ConceptRecord
from terminology.storage.store import ContentStore
from terminology.versions import version_sort_key

#: What ``terminology load`` records as the origin of what it loads (REST writes and the
#: built-in content have theirs).
LOADED = "loaded"


@dataclass(frozen=True, slots=True)
class LoadSummary:
    canonical: str
    concepts: int
    added: int
    changed: int
    retired: int
    #: What the counts compare with ("the previous load of 2026", "version 2025"), if any.
    compared_with: str | None
    seconds: float

    def render(self) -> str:
        lines = [f"loaded {self.canonical}: {self.concepts:,} concepts in {self.seconds:.1f} s"]
        if self.compared_with:
            lines.append(
                f"  against {self.compared_with}: {self.added:,} added, {self.changed:,} "
                f"changed (display or properties), {self.retired:,} retired (removed or "
                "made inactive)"
            )
        else:
            lines.append("  no earlier version of this code system is stored")
        return "\n".join(lines)


class Progress:
    """A progress bar on stderr for work that takes more than a second; silent otherwise, and
    plain lines (every 10%) when stderr is not a terminal."""

    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.started = time.monotonic()
        self._last_shown = 0.0
        self._last_tenth = -1
        self._shown = False

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.started < 1.0 and done < total:
            return
        if self.stream.isatty():
            if now - self._last_shown < 0.1 and done < total:
                return
            width = 30
            filled = width * done // max(total, 1)
            self.stream.write(
                f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,}"
            )
            if done >= total:
                self.stream.write("\n")
        else:
            tenth = 10 * done // max(total, 1)
            if tenth == self._last_tenth:
                return
            self._last_tenth = tenth
            self.stream.write(f"{self.label}: {done:,}/{total:,} ({tenth * 10}%)\n")
        self._shown = True
        self._last_shown = now
        self.stream.flush()


def load_code_system(
    store: ContentStore,
    header: Mapping[str, Any],
    records: list[ConceptRecord],
    *,
    origin: str = LOADED,
    progress: Progress | None = None,
    companions: Sequence[tuple[Mapping[str, Any], list[ConceptRecord]]] = (),
) -> LoadSummary:
    """Store the version, and ``companions`` (other versions the load rewrites, such as the
    earlier CPT releases a deletion history updates) in the same transaction; the summary
    compares the version only."""
    started = time.monotonic()
    url, version = header["url"], header.get("version")
    before, compared_with = _baseline(store, url, version)
    with store.writer() as writer:
        writer.put_code_system(header, records, origin, total=len(records), progress=progress)
        for other, other_records in companions:
            writer.put_code_system(other, other_records, origin, total=len(other_records))
    after = {r.code: _fingerprint(r.display, r.extra) for r in records}
    # A code still listed but made inactive (SNOMED CT never deletes a concept) is retired.
    inactivated = {
        r.code
        for r in records
        if r.code in before and _inactive(r.extra) and not _inactive(json.loads(before[r.code])[1])
    }
    return LoadSummary(
        canonical=f"{url}|{version}" if version else url,
        concepts=len(records),
        added=sum(1 for code in after if code not in before),
        changed=sum(
            1
            for code, f in after.items()
            if code in before and before[code] != f and code not in inactivated
        ),
        retired=sum(1 for code in before if code not in after) + len(inactivated),
        compared_with=compared_with,
        seconds=time.monotonic() - started,
    )


@dataclass(frozen=True, slots=True)
class ResourcesSummary:
    stored: dict[str, int]
    skipped: dict[str, int]
    seconds: float

    def render(self) -> str:
        kept = ", ".join(f"{n} {t}" for t, n in self.stored.items() if n) or "nothing"
        lines = [f"loaded {kept} in {self.seconds:.1f} s"]
        if self.skipped:
            lines.append(
                "  skipped: " + ", ".join(f"{n} {what}" for what, n in sorted(self.skipped.items()))
            )
        return "\n".join(lines)


def load_resources(
    store: ContentStore,
    resources: Iterable[Mapping[str, Any]],
    skipped: Mapping[str, int],
    *,
    origin: str = LOADED,
) -> ResourcesSummary:
    """Store CodeSystems, ValueSets and ConceptMaps (each replacing one with its id or its
    url|version) in one transaction."""
    started = time.monotonic()
    stored: dict[str, int] = {}
    with store.writer() as writer:
        for resource in resources:
            writer.put_resource(resource, origin)
            rtype = str(resource["resourceType"])
            stored[rtype] = stored.get(rtype, 0) + 1
    return ResourcesSummary(stored, dict(skipped), time.monotonic() - started)


def _inactive(extra: Mapping[str, Any] | None) -> bool:
    """Whether a concept's properties say it is inactive (``inactive``, or a retired status)."""
    for prop in (extra or {}).get("property", ()):
        if prop.get("code") == "inactive" and prop.get("valueBoolean") is True:
            return True
        if prop.get("code") == "status" and prop.get("valueCode") in ("retired", "inactive"):
            return True
    return False


def _fingerprint(display: str | None, extra: Mapping[str, Any] | str | None) -> str:
    if isinstance(extra, str):
        extra = json.loads(extra)
    return json.dumps([display, extra or None], sort_keys=True)


def _baseline(
    store: ContentStore, url: str, version: str | None
) -> tuple[dict[str, str], str | None]:
    """The concepts a load is compared with: the same version's, else the newest older one's."""
    stored = {cs.version: cs for cs in store.code_systems() if cs.url == url}
    inline = {
        r.body.get("version"): r.body
        for r in store.resources()
        if r.resource_type == "CodeSystem"
        and r.body.get("url") == url
        and r.body.get("version") not in stored
    }
    known = set(stored) | set(inline)
    if version in known:
        chosen: str | None = version
        label = f"the previous load of {version}"
    else:
        older = sorted(
            (v for v in known if v is not None and _older(v, version)),
            key=lambda v: version_sort_key(v, None),
        )
        if not older:
            return {}, None
        chosen = older[-1]
        label = f"version {chosen}"
    if chosen in stored:
        rows = store.concepts(stored[chosen].key)
        return {code: _fingerprint(display, extra) for code, display, _p, _c, extra in rows}, label
    return dict(_inline_fingerprints(inline[chosen].get("concept", ()))), label


def _older(candidate: str, version: str | None) -> bool:
    if version is None:
        return True
    return version_sort_key(candidate, None) < version_sort_key(version, None)


def _inline_fingerprints(concepts: Iterable[Mapping[str, Any]]) -> Iterator[tuple[str, str]]:
    for concept in concepts:
        extra = {k: v for k, v in concept.items() if k not in ("code", "display", "concept")}
        yield concept["code"], _fingerprint(concept.get("display"), extra or None)
        yield from _inline_fingerprints(concept.get("concept", ()))
