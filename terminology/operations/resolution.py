"""Which code-system version answers a question, and how to explain a code that is not there.

Shared by ``$lookup`` and ``$validate-code``: an explicit version wins; otherwise the date of
service picks the version in force; otherwise the latest version answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from terminology.errors import TerminologyError
from terminology.messages import Whole, msg, shorten
from terminology.model import Concept
from terminology.operations.versions_in_vs import present_versions
from terminology.providers.base import CodeSystemProvider, CodeSystemVersion
from terminology.providers.registry import ProviderRegistry
from terminology.providers.syntax import quote


@dataclass(frozen=True, slots=True)
class Resolved:
    provider: CodeSystemProvider
    version: CodeSystemVersion


@dataclass(frozen=True, slots=True)
class DatedChoice:
    """The version that answers for a date of service. ``beyond_newest`` when the date is after
    every loaded version: the newest answers, and the caller says the code set in force on that
    date is not loaded."""

    version: CodeSystemVersion | None
    beyond_newest: bool = False


def select_on(provider: CodeSystemProvider, on: date) -> DatedChoice:
    """The version in force on ``on``. After the newest loaded version, the newest answers, so
    that today's orders keep flowing when a new fiscal or calendar year starts before its code
    set is loaded; before the oldest (or in a gap), none does."""
    found = provider.select(on=on)
    if found is not None:
        return DatedChoice(found)
    newest = provider.select()
    if newest is not None:
        start, end = newest.info.period.start, newest.info.period.end
        if (end is not None and on > end) or (start is not None and end is None and on >= start):
            return DatedChoice(newest, beyond_newest=True)
    return DatedChoice(None)


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


def resolve(
    registry: ProviderRegistry,
    system: str,
    version: str | None,
    on: date | None,
    *,
    status: int = 404,
) -> Resolved:
    provider = registry.resolve(system)
    if provider is None:
        raise TerminologyError(
            msg("CS_UNKNOWN_QUOTED", system=system),
            status=status,
            code="not-found",
            tx_type="not-found",
            expression="system",
        )
    if version is not None:
        selected = provider.select(version=version)
        if selected is None:
            raise TerminologyError(
                msg(
                    "CS_VERSION_UNKNOWN",
                    system=system,
                    version=version,
                    valid=present_versions(provider.versions()),
                ),
                status=status,
                code="not-found",
                tx_type="not-found",
                expression="version",
            )
        if on is not None and not selected.info.period.contains(on):
            raise TerminologyError(
                msg("VERSION_AND_DATE", version=version, date=on.isoformat()),
                expression="date",
            )
        return Resolved(provider, selected)
    selected = select_on(provider, on).version if on is not None else provider.select()
    if selected is None:
        raise TerminologyError(
            msg(
                "UNKNOWN_CODESYSTEM_FOR_DATE",
                system=system,
                date=on.isoformat() if on else "",
                valid=versions_with_periods(provider),
            ),
            status=status,
            code="not-found",
            tx_type="not-found",
            expression="date",
        )
    return Resolved(provider, selected)


def _replacements(concept: Concept) -> str | None:
    texts = []
    for prop in concept.properties:
        if prop.code == "replacedBy" and isinstance(prop.value, str):
            if prop.unverified:
                texts.append(msg("REPLACEMENT_UNVERIFIED", code=prop.value, note=prop.unverified))
            else:
                texts.append(prop.value)
    return ", ".join(texts) if texts else None


def explain_missing(resolved: Resolved, code: str, rule_message: str | None) -> str:
    """Why ``code`` is not in the resolved version: a broken rule, a code deleted before this
    version, one not yet in force, or simply unknown."""
    if rule_message:
        return rule_message
    info = resolved.version.info
    appearances = resolved.provider.history(code)
    if not appearances:
        gap = resolved.version.range_gap(code)
        if gap is not None:
            return gap
        return msg("UNKNOWN_CODE_VERSION", code=quote(code), system=info.url, version=info.version)
    first, last = appearances[0], appearances[-1]
    start = info.period.start
    last_info = resolved.provider.select(version=last.version)
    if (
        last_info is not None
        and start is not None
        and last_info.info.period.end is not None
        and last_info.info.period.end < start
    ):
        end = last.concept.first("endDate") or last_info.info.period.end
        text = msg(
            "CODE_DELETED_ON",
            code=code,
            system=info.url,
            end=end,
            last=last.version,
            version=info.version,
        )
        replacements = _replacements(last.concept)
        if replacements:
            text += ". " + msg("CODE_REPLACED_BY", replacements=replacements)
            system = last.concept.first("replacedBySystem")
            if isinstance(system, str) and system != info.url:
                text += " " + msg("CODE_REPLACED_IN", system=system)
        return text
    begin = first.concept.first("effectiveDate")
    first_info = resolved.provider.select(version=first.version)
    if begin is None and first_info is not None:
        begin = first_info.info.period.start
    return msg(
        "CODE_NOT_YET",
        code=code,
        system=info.url,
        version=info.version,
        start=begin,
        first=first.version,
    )
