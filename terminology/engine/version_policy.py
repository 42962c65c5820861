"""Which code-system version answers a question: the one place that decides.

The rules follow FHIR's version parameters as the HL7 terminology ecosystem applies them:
``force-system-version`` overrides any version; ``system-version`` fills a missing one;
``check-system-version`` fills a missing one and afterwards must match the version used. A
version may be a wildcard (``1.x.x``), which picks the latest matching version. Without any
version, the date of service picks the version in force on it; without a date, the latest.

``$lookup``, ``$validate-code`` and ``$expand`` all choose through ``VersionPolicy.choose``;
what each reports about the choice (an issue, an error, an echoed parameter) is theirs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from terminology.messages import Whole, shorten
from terminology.providers.base import CodeSystemProvider, CodeSystemVersion
from terminology.versions import version_sort_key


def is_pattern(version: str) -> bool:
    parts = version.split(".")
    return version == "*" or "x" in parts or "*" in parts


def matches_pattern(version: str | None, pattern: str) -> bool:
    """``version`` is ``pattern`` or, for a wildcard pattern, one of the versions it stands for."""
    if version is None:
        return False
    if not is_pattern(pattern):
        return version == pattern
    if pattern == "*":
        return True
    wanted, actual = pattern.split("."), version.split(".")
    if len(actual) < len(wanted):
        return False
    return all(w in ("x", "*") or w == a for w, a in zip(wanted, actual, strict=False))


def more_detailed(general: str, specific: str) -> bool:
    """``specific`` narrows the wildcard ``general`` (``1.0.0`` narrows ``1.x.x``; not ``1``)."""
    return is_pattern(general) and matches_pattern(specific, general)


def rule_for(values: tuple[str, ...], system: str) -> str | None:
    """The version a ``url|version`` parameter gives ``system`` (None when none names it)."""
    for value in values:
        url, _, version = value.partition("|")
        if url == system and version:
            return version
    return None


@dataclass(frozen=True, slots=True)
class Choice:
    """The version that answers, or None. ``beyond_newest`` when a date of service is after
    every loaded version: the newest answers, and the caller says the code set in force on
    that date is not loaded."""

    version: CodeSystemVersion | None
    beyond_newest: bool = False


def select_on(provider: CodeSystemProvider, on: date) -> Choice:
    """The version in force on ``on``. After the newest loaded version, the newest answers, so
    that today's orders keep flowing when a new fiscal or calendar year starts before its code
    set is loaded; before the oldest (or in a gap), none does."""
    found = provider.select(on=on)
    if found is not None:
        return Choice(found)
    newest = provider.select()
    if newest is not None:
        start, end = newest.info.period.start, newest.info.period.end
        if (end is not None and on > end) or (start is not None and end is None and on >= start):
            return Choice(newest, beyond_newest=True)
    return Choice(None)


@dataclass(frozen=True, slots=True)
class VersionPolicy:
    """A request's version parameters and date of service."""

    force: tuple[str, ...] = ()
    default: tuple[str, ...] = ()
    check: tuple[str, ...] = ()
    on: date | None = None

    def base(self, system: str, version: str | None) -> str | None:
        """The version to use for ``system`` given a candidate (an include's version, say)."""
        return self.base_and_source(system, version)[0]

    def base_and_source(self, system: str, version: str | None) -> tuple[str | None, str | None]:
        """``base``, with the name of the parameter that supplied the version when one of the
        filling parameters did (``$expand`` echoes it)."""
        forced = rule_for(self.force, system)
        if forced:
            return forced, None
        if version:
            return version, None
        for name, values in (
            ("system-version", self.default),
            ("check-system-version", self.check),
        ):
            found = rule_for(values, system)
            if found:
                return found, name
        return None, None

    def required(self, system: str) -> str | None:
        """The version ``check-system-version`` requires of ``system``, if any."""
        return rule_for(self.check, system)

    def choose(self, provider: CodeSystemProvider, version: str | None) -> Choice:
        """The version ``version`` names (the latest a wildcard matches), else the one in force
        on the date of service, else the latest."""
        if version:
            if is_pattern(version):
                match = next((v for v in provider.versions() if matches_pattern(v, version)), None)
                return Choice(provider.select(version=match) if match else None)
            return Choice(provider.select(version=version))
        if self.on is not None:
            return select_on(provider, self.on)
        return Choice(provider.select())


def present_versions(versions: list[str | None]) -> str:
    """``a``, ``a or b``, ``a, b and c`` (the ecosystem's wording), in sorted order."""
    known = [
        shorten(v, 60)
        for v in sorted({v for v in versions if v}, key=lambda v: version_sort_key(v, None))
    ]
    if len(known) <= 1:
        return Whole("".join(known))
    if len(known) == 2:
        return Whole(f"{known[0]} or {known[1]}")
    return Whole(", ".join(known[:-1]) + " and " + known[-1])


def versions_with_periods(provider: CodeSystemProvider) -> str:
    """Each version with the dates it covers, for a date no version is in force on."""
    parts = []
    for v in provider.versions():
        cs = provider.select(version=v)
        label = shorten(v, 60) if v is not None else "(no version)"
        if cs is not None:
            period = cs.info.period
            label += f" ({period.start or '…'} to {period.end or '…'})"
        parts.append(label)
    return Whole(", ".join(parts))
