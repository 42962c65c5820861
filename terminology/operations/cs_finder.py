"""Finding the code-system version a question is about, and reporting what is missing.

Applies the request's version rules (force, default and check versions, wildcards), the date of
service, and the supplements the request asked for; reports unknown systems, versions and codes
(with the history of deleted codes) as findings.
"""

from __future__ import annotations

from terminology.engine.version_policy import (
    VersionPolicy,
    matches_pattern,
    more_detailed,
    present_versions,
    select_on,
    versions_with_periods,
)
from terminology.messages import msg
from terminology.operations.findings import Findings
from terminology.operations.paths import add_to_path
from terminology.operations.resolution import Resolved, explain_missing
from terminology.operations.scope import Scope
from terminology.providers.base import CodeSystemVersion
from terminology.providers.syntax import quote


class CodeSystemFinder:
    """The code-system versions one request sees (through its ``VersionPolicy``, with its
    supplements and languages), and the findings that explain a missing system, version or
    code. The findings belong to the caller; this only adds to them."""

    def __init__(
        self,
        scope: Scope,
        policy: VersionPolicy,
        findings: Findings,
        supplements: tuple[str, ...] = (),
        languages: tuple[str, ...] = (),
    ) -> None:
        self.scope = scope
        self.policy = policy
        self.findings = findings
        self.supplements = supplements
        self.languages = languages
        #: Systems already reported for the date of service (beyond the newest version, or
        #: before the oldest).
        self._dated_systems: set[str] = set()
        #: Versions already found in this request: membership, version checks and the
        #: explanation of a failure all ask for the same (system, version).
        self._found: dict[tuple[str, str | None], CodeSystemVersion | None] = {}
        self._reported_codes: set[str] = set()

    def quiet(self) -> CodeSystemFinder:
        """A finder over the same versions whose findings are discarded (an exclude's imported
        value set is checked for membership only)."""
        return CodeSystemFinder(
            self.scope, self.policy, Findings(), self.supplements, self.languages
        )

    def canonical(self, system: str) -> str:
        """The system's own URL when it was given by another spelling (HCPCS with https)."""
        provider = self.scope.registry.resolve(system) if system else None
        return provider.system if provider is not None else system

    def versions_of(self, system: str) -> list[str | None]:
        provider = self.scope.registry.resolve(system)
        return provider.versions() if provider else []

    def find_cs(self, system: str, version: str | None) -> CodeSystemVersion | None:
        key = (system, version)
        if key in self._found:
            return self._found[key]
        provider = self.scope.registry.resolve(system)
        cs: CodeSystemVersion | None = None
        if provider is not None:
            choice = self.policy.choose(provider, version)
            if choice.beyond_newest and choice.version is not None:
                self._beyond_newest(provider.system, choice.version)
            if choice.version is not None:
                cs = self.scope.supplemented(choice.version, self.supplements, self.languages)
        self._found[key] = cs
        return cs

    def _beyond_newest(self, system: str, cs: CodeSystemVersion) -> None:
        """Once per system: the date is after every loaded version, so the newest answered."""
        if system in self._dated_systems:
            return
        self._dated_systems.add(system)
        assert self.policy.on is not None
        self.findings.add(
            "warning",
            "business-rule",
            msg(
                "VERSION_BEYOND_NEWEST",
                system=system,
                date=self.policy.on.isoformat(),
                version=cs.info.version,
                end=cs.info.period.end or "…",
            ),
            "processing-note",
            "date",
            in_message=True,
        )

    def _no_version_on_date(self, path: str, system: str) -> bool:
        """An error when the system is known but no loaded version covers the date of service
        (it is before the oldest); True when that is the case."""
        provider = self.scope.registry.resolve(system)
        on = self.policy.on
        if provider is None or on is None or select_on(provider, on).version is not None:
            return False
        if system not in self._dated_systems:
            self._dated_systems.add(system)
            text = msg(
                "NO_VERSION_ON_DATE",
                system=system,
                date=on.isoformat(),
                valid=versions_with_periods(provider),
            )
            self.findings.add("error", "not-found", text, "not-found", add_to_path(path, "system"))
        return True

    def find_cs_checked(
        self, path: str, system: str, version: str | None
    ) -> CodeSystemVersion | None:
        cs = self.find_cs(system, version)
        required = self.policy.required(system)
        if cs is not None and required and not matches_pattern(cs.info.version, required):
            self.findings.add(
                "error",
                "exception",
                msg(
                    "VERSION_CHECK_FAILED",
                    version=cs.info.version,
                    system=system,
                    required=required,
                ),
                "version-error",
                add_to_path(path, "version"),
            )
        return cs

    def unknown_system_issue(
        self, path: str, system: str, version: str | None, quoted: bool
    ) -> bool:
        """Report a system (or version) that cannot be found; False when the system is known
        and only the date of service has no loaded version (it is not an unknown system)."""
        if not version and self._no_version_on_date(path, system):
            return False
        if version:
            known = present_versions(self.versions_of(system))
            text = (
                msg("CS_VERSION_UNKNOWN", system=system, version=version, valid=known)
                if known
                else msg("CS_VERSION_UNKNOWN_NONE", system=system, version=version)
            )
        else:
            text = msg("CS_UNKNOWN_QUOTED" if quoted else "CS_UNKNOWN_BARE", system=system)
        self.findings.add("error", "not-found", text, "not-found", add_to_path(path, "system"))
        return True

    def unknown_code(
        self,
        path: str,
        cs: CodeSystemVersion,
        code: str,
        located_message: str | None,
        rule_broken: bool,
    ) -> bool:
        """Report a code the code system version lacks; True when that still counts as valid
        (an unknown code in a fragment).

        In this order: a code that breaks the terminology's syntax or another of its rules
        (``rule_broken``), a code deleted before or not yet in force in this version (its
        history), a code absent from a range the version holds completely, and only then the
        fragment rule."""
        key = f"{cs.info.url}|{cs.info.version}#{code}"
        report = key not in self._reported_codes
        self._reported_codes.add(key)
        expression = add_to_path(path, "code")
        if rule_broken and located_message:
            if report:
                self.findings.add(
                    "error", "code-invalid", located_message, "invalid-code", expression
                )
            return False
        provider = self.scope.registry.resolve(cs.info.url)
        if provider is not None and provider.history(code):
            if report:
                text = explain_missing(Resolved(provider, cs), code, None)
                self.findings.add("error", "business-rule", text, "code-rule", expression)
            return False
        gap = cs.range_gap(code)
        if gap is not None:
            # The version holds this whole range, so a fragment's benefit of the doubt is gone.
            if report:
                self.findings.add("error", "code-invalid", gap, "invalid-code", expression)
            return False
        if cs.info.content not in ("complete", "supplement"):
            if report:
                self.findings.add(
                    "warning",
                    "code-invalid",
                    msg(
                        "UNKNOWN_CODE_FRAGMENT",
                        code=quote(code),
                        system=cs.info.url,
                        version=cs.info.version,
                    ),
                    "invalid-code",
                    expression,
                )
            return True
        if report:
            text = (
                msg(
                    "UNKNOWN_CODE_VERSION",
                    code=quote(code),
                    system=cs.info.url,
                    version=cs.info.version,
                )
                if cs.info.version
                else msg("UNKNOWN_CODE_NO_VERSION", code=quote(code), system=cs.info.url)
            )
            self.findings.add("error", "code-invalid", text, "invalid-code", expression)
        return False

    def determine_version(
        self, path: str, system: str, version_vs: str | None, version_coding: str | None
    ) -> str | None:
        result = self.policy.base(system, version_vs)
        if not version_coding:
            return result
        if result and version_coding != result and more_detailed(result, version_coding):
            result = version_coding
        if not result and version_coding in self.versions_of(system):
            result = version_coding
        cs = self.find_cs(system, result)
        expression = add_to_path(path, "version")
        if (
            cs is not None
            and cs.info.version != version_coding
            and not more_detailed(version_coding, cs.info.version or "")
        ):
            if not result:
                self.findings.add(
                    "warning",
                    "invalid",
                    msg(
                        "VS_VERSIONLESS_MISMATCH",
                        system=system,
                        resolved=cs.info.version,
                        given=version_coding,
                    ),
                    "vs-invalid",
                    expression,
                )
            elif result != version_vs:
                self.findings.add(
                    "error",
                    "invalid",
                    msg(
                        "VS_INCLUDE_WILDCARD_MISMATCH",
                        system=system,
                        resolved=result,
                        pattern=version_vs or "",
                        given=version_coding,
                    ),
                    "vs-invalid",
                    expression,
                )
            else:
                self.findings.add(
                    "error",
                    "invalid",
                    msg(
                        "VS_INCLUDE_VERSION_MISMATCH",
                        system=system,
                        pinned=version_vs,
                        given=version_coding,
                    ),
                    "vs-invalid",
                    expression,
                )
            if self.find_cs(system, version_coding) is None:
                self.findings.note_unknown(f"{system}|{version_coding}")
                self.unknown_system_issue(path, system, version_coding, quoted=True)
        elif cs is None and result != version_coding:
            self.findings.add(
                "error",
                "invalid",
                msg(
                    "VS_INCLUDE_VERSION_MISMATCH",
                    system=system,
                    pinned=result,
                    given=version_coding,
                ),
                "vs-invalid",
                expression,
            )
        return result
