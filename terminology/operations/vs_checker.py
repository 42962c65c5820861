"""Checks one coding against one value set, collecting issues as the HL7 ecosystem reports them.

``check`` answers True (member), False (not a member) or None (cannot tell: a code system or
version the value set needs is unknown). It walks the compose itself rather than the generic
membership engine because the answer must say *why*: which version was used, which version
rules fired, which concept was inactive or abstract.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from terminology.engine.filters import FilterSpec, matches
from terminology.errors import TerminologyError
from terminology.messages import msg
from terminology.model import Concept, Issue, Severity
from terminology.operations.displays import Candidate
from terminology.operations.resolution import Resolved, explain_missing
from terminology.operations.scope import Scope
from terminology.operations.validation_model import ValidateCodeRequest
from terminology.operations.versions_in_vs import (
    VersionRules,
    is_pattern,
    matches_pattern,
    more_detailed,
    present_versions,
    rule_for,
)
from terminology.providers.base import CodeSystemVersion
from terminology.versions import version_sort_key

EXT_EXPANSION_PARAMETER = "http://hl7.org/fhir/StructureDefinition/valueset-expansion-parameter"
EXT_VS_SUPPLEMENT = "http://hl7.org/fhir/StructureDefinition/valueset-supplement"
EXT_STANDARDS_STATUS = (
    "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status"
)
EXT_VS_DEPRECATED = "http://hl7.org/fhir/StructureDefinition/valueset-deprecated"


def add_to_path(path: str, element: str) -> str:
    return f"{path}.{element}" if path else element


@dataclass(slots=True)
class CodingState:
    """What checking one coding found out."""

    concept: Concept | None = None
    cs: CodeSystemVersion | None = None
    implied_system: str | None = None
    inactive: bool = False
    status: str | None = None
    #: Displays the value set itself gives the code (include.concept display/designations).
    include_displays: list[Candidate] = field(default_factory=list)


class PrepareFailure(Exception):
    """A problem found while preparing the value set that still gets a 200 answer."""

    def __init__(self, issue: Issue) -> None:
        super().__init__(issue.text)
        self.issue = issue


class ValueSetChecker:
    def __init__(
        self,
        request: ValidateCodeRequest,
        scope: Scope,
        rules: VersionRules,
        supplements: tuple[str, ...] = (),
        languages: tuple[str, ...] = (),
    ) -> None:
        self.request = request
        self.scope = scope
        self.rules = rules
        self.supplements = supplements
        self.languages = languages
        self.issues: list[Issue] = []
        self.messages: list[str] = []
        self.unknown_systems: list[str] = []
        self._reported_codes: set[str] = set()

    # -- bookkeeping ------------------------------------------------------------------------
    def add(
        self,
        severity: Severity,
        code: str,
        text: str,
        tx_type: str | None,
        expression: str | None,
        *,
        in_message: bool = False,
    ) -> None:
        issue = Issue(severity, code, text, tx_type, expression or None)
        if issue not in self.issues:
            self.issues.append(issue)
        if in_message or severity == "error":
            self.messages.append(text)

    def has_errors(self) -> bool:
        return any(i.severity in ("error", "fatal") for i in self.issues)

    def note_unknown(self, key: str) -> None:
        if key not in self.unknown_systems:
            self.unknown_systems.append(key)

    # -- code systems ---------------------------------------------------------------------
    def canonical(self, system: str) -> str:
        """The system's own URL when it was given by another spelling (HCPCS with https)."""
        provider = self.scope.registry.resolve(system) if system else None
        return provider.system if provider is not None else system

    def versions_of(self, system: str) -> list[str | None]:
        provider = self.scope.registry.resolve(system)
        return provider.versions() if provider else []

    def find_cs(self, system: str, version: str | None) -> CodeSystemVersion | None:
        cs = self._find_cs(system, version)
        if cs is None:
            return None
        return self.scope.supplemented(cs, self.supplements, self.languages)

    def _find_cs(self, system: str, version: str | None) -> CodeSystemVersion | None:
        provider = self.scope.registry.resolve(system)
        if provider is None:
            return None
        if version:
            if is_pattern(version):
                match = next((v for v in provider.versions() if matches_pattern(v, version)), None)
                return provider.select(version=match) if match else None
            return provider.select(version=version)
        if self.request.date is not None:
            return provider.select(on=self.request.date)
        return provider.select()

    def find_cs_checked(
        self, path: str, system: str, version: str | None
    ) -> CodeSystemVersion | None:
        cs = self.find_cs(system, version)
        required = self.rules.check_for(system)
        if cs is not None and required and not matches_pattern(cs.info.version, required):
            self.add(
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
    ) -> None:
        if version:
            known = present_versions(self.versions_of(system))
            text = (
                msg("CS_VERSION_UNKNOWN", system=system, version=version, valid=known)
                if known
                else msg("CS_VERSION_UNKNOWN_NONE", system=system, version=version)
            )
        else:
            text = msg("CS_UNKNOWN_QUOTED" if quoted else "CS_UNKNOWN_BARE", system=system)
        self.add("error", "not-found", text, "not-found", add_to_path(path, "system"))

    def unknown_code(
        self,
        path: str,
        cs: CodeSystemVersion,
        code: str,
        located_message: str | None,
        rule_broken: bool,
    ) -> bool:
        """Report a code the code system version lacks; True when that still counts as valid
        (an unknown code in a fragment)."""
        key = f"{cs.info.url}|{cs.info.version}#{code}"
        report = key not in self._reported_codes
        self._reported_codes.add(key)
        expression = add_to_path(path, "code")
        if rule_broken and located_message:
            if report:
                self.add("error", "code-invalid", located_message, "invalid-code", expression)
            return False
        provider = self.scope.registry.resolve(cs.info.url)
        if provider is not None and provider.history(code):
            if report:
                text = explain_missing(Resolved(provider, cs), code, None)
                self.add("error", "business-rule", text, "code-rule", expression)
            return False
        if cs.info.content not in ("complete", "supplement"):
            if report:
                self.add(
                    "warning",
                    "code-invalid",
                    msg(
                        "UNKNOWN_CODE_FRAGMENT",
                        code=code,
                        system=cs.info.url,
                        version=cs.info.version,
                    ),
                    "invalid-code",
                    expression,
                )
            return True
        if report:
            text = (
                msg("UNKNOWN_CODE_VERSION", code=code, system=cs.info.url, version=cs.info.version)
                if cs.info.version
                else msg("UNKNOWN_CODE_NO_VERSION", code=code, system=cs.info.url)
            )
            self.add("error", "code-invalid", text, "invalid-code", expression)
        return False

    # -- preparation ----------------------------------------------------------------------
    def prepare(self, value_set: Mapping[str, Any], stack: tuple[str, ...] = ()) -> None:
        """Problems in the value set definition, found before any code is checked."""
        key = _vs_key(value_set)
        if key and key in stack:
            raise TerminologyError(
                msg("VS_CIRCULAR", url=key, path=" -> ".join((*stack, key))),
                status=422,
                code="processing",
                tx_type="vs-invalid",
            )
        stack = (*stack, key) if key else stack
        compose = value_set.get("compose", {})
        for part_name in ("include", "exclude"):
            for i, part in enumerate(compose.get(part_name, ())):
                for ref in part.get("valueSet", ()):
                    imported = self.resolve_import(ref, value_set)
                    if imported is None:
                        raise PrepareFailure(
                            Issue("error", "not-found", msg("VS_NOT_FOUND", url=ref), "not-found")
                        )
                    self.prepare(imported, stack)
                system = part.get("system")
                if not system:
                    continue
                for j, raw in enumerate(part.get("filter", ())):
                    if raw.get("value") in (None, ""):
                        raise TerminologyError(
                            msg(
                                "FILTER_NO_VALUE",
                                system=system,
                                property=raw.get("property"),
                                op=raw.get("op"),
                            ),
                            code="invalid",
                            tx_type="vs-invalid",
                            expression=f"ValueSet.compose.{part_name}[{i}].filter[{j}]",
                        )

    def resolve_import(self, ref: str, owner: Mapping[str, Any]) -> Mapping[str, Any] | None:
        if ref.startswith("#"):
            return next((c for c in owner.get("contained", ()) if c.get("id") == ref[1:]), None)
        url, _, version = ref.partition("|")
        version = version or rule_for(self.request.default_valueset_versions, url)
        return self.scope.value_set(url, version or None)

    # -- membership -----------------------------------------------------------------------
    def check(
        self,
        value_set: Mapping[str, Any],
        path: str,
        system: str,
        version: str | None,
        code: str,
        state: CodingState,
    ) -> bool | None:
        compose = value_set.get("compose", {})
        includes = _ordered(compose.get("include", ()))
        result: bool | None = False
        for include in includes:
            inc_system = include.get("system")
            if not inc_system:
                result = True
            elif inc_system == system and _use_this_version(include, version, includes, system):
                v = self.determine_version(path, system, include.get("version"), version)
                cs = self.find_cs_checked(path, system, v)
                if cs is None:
                    if self.request.membership_only:
                        return False
                    self.note_unknown(f"{system}|{v}" if v else system)
                    self.unknown_system_issue(path, system, v, quoted=True)
                    return None
                result = self.check_concept_set(path, "in", cs, include, code, state, value_set)
                if result:
                    state.cs = cs
            else:
                result = False
            if result:
                for ref in include.get("valueSet", ()):
                    imported = self.resolve_import(ref, value_set)
                    result = imported is not None and self.check(
                        imported, path, system, version, code, state
                    )
                    if not result:
                        break
            if result:
                break
        if result:
            for exclude in compose.get("exclude", ()):
                if self._excluded(exclude, value_set, system, version, code):
                    return False
        return result

    def _excluded(
        self,
        exclude: Mapping[str, Any],
        owner: Mapping[str, Any],
        system: str,
        version: str | None,
        code: str,
    ) -> bool:
        if exclude.get("system") and exclude["system"] != system:
            return False
        if exclude.get("system"):
            cs = self.find_cs(system, self.rules.base(system, exclude.get("version")) or version)
            if cs is None or not self.check_concept_set(
                "", "not in", cs, exclude, code, CodingState(), owner
            ):
                return False
        for ref in exclude.get("valueSet", ()):
            imported = self.resolve_import(ref, owner)
            if imported is None:
                return False
            quiet = ValueSetChecker(
                self.request, self.scope, self.rules, self.supplements, self.languages
            )
            if not quiet.check(imported, "", system, version, code, CodingState()):
                return False
        return True

    def determine_version(
        self, path: str, system: str, version_vs: str | None, version_coding: str | None
    ) -> str | None:
        result = self.rules.base(system, version_vs)
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
                self.add(
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
                self.add(
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
                self.add(
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
                self.note_unknown(f"{system}|{version_coding}")
                self.unknown_system_issue(path, system, version_coding, quoted=True)
        elif cs is None and result != version_coding:
            self.add(
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

    def check_concept_set(
        self,
        path: str,
        role: str,
        cs: CodeSystemVersion,
        part: Mapping[str, Any],
        code: str,
        state: CodingState,
        owner: Mapping[str, Any],
    ) -> bool:
        listed = part.get("concept")
        filters = part.get("filter")
        located = cs.locate(code)
        concept = located.concept
        if listed:
            entry = _concept_entry(listed, code)
            if entry is None or concept is None:
                return False
            if role == "in":
                state.include_displays += _entry_displays(entry, owner)
                status = _entry_status(entry)
                if status:
                    self.add(
                        "warning",
                        "business-rule",
                        msg(
                            "CONCEPT_DEPRECATED_IN_VS",
                            code=code,
                            system=cs.info.url,
                            vs=_vs_label(owner),
                            status=status,
                        ),
                        "code-comment",
                        add_to_path(path, "code"),
                    )
        elif concept is None:
            if role == "in" and not self.request.membership_only and not filters:
                return self.unknown_code(path, cs, code, located.message, located.rule_broken)
            return False
        if filters:
            for raw in filters:
                spec = FilterSpec(
                    raw.get("property", ""), raw.get("op", ""), str(raw.get("value", ""))
                )
                verdict = matches(cs, concept, spec)
                if verdict is None:
                    raise TerminologyError(
                        msg(
                            "FILTER_NOT_UNDERSTOOD",
                            property=spec.property,
                            op=spec.op,
                            value=spec.value,
                        ),
                        code="not-supported",
                        tx_type="vs-invalid",
                    )
                if not verdict:
                    return False
        if role != "in":
            return True
        state.concept = concept
        if self.request.abstract is False and concept.not_selectable:
            self.add(
                "error",
                "business-rule",
                msg("ABSTRACT_CODE", system=cs.info.url, code=code),
                "code-rule",
                add_to_path(path, "code"),
            )
            return False
        if concept.inactive:
            state.inactive = True
            state.status = concept.status
            if self.request.active_only or owner.get("compose", {}).get("inactive") is False:
                self.add(
                    "error",
                    "business-rule",
                    msg("NOT_ACTIVE", code=code),
                    "code-rule",
                    add_to_path(path, "code"),
                )
                return False
        elif concept.status == "deprecated":
            state.status = "deprecated"
        return True


def _vs_key(value_set: Mapping[str, Any]) -> str:
    url = value_set.get("url")
    if not url:
        return ""
    version = value_set.get("version")
    return f"{url}|{version}" if version else url


def _vs_label(value_set: Mapping[str, Any]) -> str:
    return _vs_key(value_set) or "(unidentified)"


class _IdentityMemo:
    """Derived data for a compose element, keyed by the element's identity. The element is kept
    with its entry, so its id cannot be reused while cached; the memo is bounded."""

    def __init__(self, limit: int = 4096) -> None:
        self.limit = limit
        self.entries: dict[int, tuple[Any, Any]] = {}

    def get(self, element: Any, build: Any) -> Any:
        found = self.entries.get(id(element))
        if found is not None and found[0] is element:
            return found[1]
        value = build(element)
        if len(self.entries) >= self.limit:
            self.entries.clear()
        self.entries[id(element)] = (element, value)
        return value


_ORDERED = _IdentityMemo()
_CONCEPT_INDEX = _IdentityMemo()


def _ordered(includes: Any) -> list[Mapping[str, Any]]:
    """Includes in order, except that for one system the higher versions come first."""
    return _ORDERED.get(includes, _order)


def _concept_entry(listed: Any, code: str) -> Mapping[str, Any] | None:
    index = _CONCEPT_INDEX.get(listed, lambda items: {c.get("code"): c for c in reversed(items)})
    return index.get(code)


def _order(includes: Any) -> list[Mapping[str, Any]]:
    items = list(includes)
    if len({i.get("system") for i in items}) == len(items):
        return items
    first: dict[str | None, int] = {}
    for index, include in enumerate(items):
        first.setdefault(include.get("system"), index)
    items.sort(key=lambda inc: version_sort_key(inc.get("version"), None), reverse=True)
    return sorted(items, key=lambda inc: first[inc.get("system")])


def _use_this_version(
    include: Mapping[str, Any], version: str | None, includes: list[Mapping[str, Any]], system: str
) -> bool:
    if not version or version == include.get("version"):
        return True
    return not any(i.get("system") == system and i.get("version") == version for i in includes)


def _entry_displays(entry: Mapping[str, Any], owner: Mapping[str, Any]) -> list[Candidate]:
    out = []
    if entry.get("display"):
        out.append(Candidate(entry["display"], owner.get("language")))
    for d in entry.get("designation", ()):
        if d.get("value"):
            out.append(Candidate(d["value"], d.get("language")))
    return out


def _entry_status(entry: Mapping[str, Any]) -> str | None:
    for ext in entry.get("extension", ()):
        if ext.get("url") == EXT_STANDARDS_STATUS and ext.get("valueCode") in (
            "deprecated",
            "withdrawn",
        ):
            return ext["valueCode"]
        if ext.get("url") == EXT_VS_DEPRECATED and ext.get("valueBoolean"):
            return "deprecated"
    return None
