"""Which code-system version answers a question, and how to explain a code that is not there.

``$lookup`` asks for one version by ``VersionPolicy`` and raises when there is none;
``$validate-code`` shares the explanation of a code the chosen version lacks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from terminology.engine.version_policy import (
    VersionPolicy,
    present_versions,
    versions_with_periods,
)
from terminology.errors import TerminologyError
from terminology.messages import msg
from terminology.model import Concept
from terminology.providers.base import CodeSystemProvider, CodeSystemVersion
from terminology.providers.registry import ProviderRegistry
from terminology.providers.syntax import quote


@dataclass(frozen=True, slots=True)
class Resolved:
    provider: CodeSystemProvider
    version: CodeSystemVersion


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
        selected = VersionPolicy().choose(provider, version).version
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
    selected = VersionPolicy(on=on).choose(provider, None).version
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
    effective = first.concept.first("effectiveDate")
    begin: object = effective if isinstance(effective, str) else None
    first_info = resolved.provider.select(version=first.version)
    if begin is None and first_info is not None:
        begin = first_info.info.period.start
    if begin is None:
        # Versions without dates of their own: say which versions define the code rather
        # than when it came into force.
        versions = present_versions([a.version for a in appearances])
        return msg(
            "CODE_IN_OTHER_VERSIONS",
            code=quote(code),
            system=info.url,
            version=info.version,
            versions=versions,
        )
    return msg(
        "CODE_NOT_YET",
        code=code,
        system=info.url,
        version=info.version,
        start=begin,
        first=first.version,
    )
