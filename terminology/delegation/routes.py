"""``TERMINOLOGY_UPSTREAMS``: which upstream servers answer for which code systems.

The value is ``pattern=URL[,URL...]`` entries separated by ``;``, as in
``http://www.nlm.nih.gov/research/umls/rxnorm=https://tx.example.org/r4;*=https://tx.fhir.org/r4``.
A pattern is a system URL, or a glob with ``*`` (``http://snomed.info/sct*``, or ``*`` alone for
every system we do not hold); the first matching entry wins. Several URLs are tried in order,
the next when one fails or its breaker is open. Our own systems never reach this table: the
edge asks it only about systems the content does not hold."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

# The pattern ends at the first '=' that starts an http(s) URL, so a pattern may hold '='.
_ENTRY = re.compile(r"^(?P<pattern>.+?)=(?P<urls>https?://.*)$")


@dataclass(frozen=True, slots=True)
class Route:
    pattern: str
    upstreams: tuple[str, ...]

    def matches(self, system: str) -> bool:
        if "*" in self.pattern:
            return fnmatch.fnmatchcase(system, self.pattern)
        return system == self.pattern


def parse_routes(value: str | None) -> tuple[Route, ...]:
    """The routes of a ``TERMINOLOGY_UPSTREAMS`` value; ``ValueError`` naming the entry at fault."""
    routes: list[Route] = []
    for raw in (value or "").split(";"):
        entry = raw.strip()
        if not entry:
            continue
        found = _ENTRY.match(entry)
        if found is None:
            raise ValueError(
                f"TERMINOLOGY_UPSTREAMS: {entry!r} is not 'system-pattern=https://upstream/fhir'"
            )
        urls = tuple(u.strip().rstrip("/") for u in found["urls"].split(",") if u.strip())
        for url in urls:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError(f"TERMINOLOGY_UPSTREAMS: {url!r} is not an http(s) base URL")
        routes.append(Route(found["pattern"].strip(), urls))
    return tuple(routes)


def route_for(routes: tuple[Route, ...], system: str) -> Route | None:
    return next((r for r in routes if r.matches(system)), None)
