"""One validate-code question worked through: each coding checked against the value set,
explained when it fails, and the findings assembled into the operation's result.

Follows the HL7 terminology ecosystem's rules for which issues each failure produces, which
outputs appear (``x-unknown-system`` versus ``x-caused-by-unknown-system``, say) and what the
summary ``message`` holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from terminology.engine.compose import includes_naming
from terminology.engine.version_policy import VersionPolicy, matches_pattern
from terminology.messages import msg
from terminology.model import Coding, Concept, Issue
from terminology.operations.compose_reading import (
    requested_language,
    required_supplements,
    vs_label,
)
from terminology.operations.cs_finder import CodeSystemFinder
from terminology.operations.displays import (
    check_display,
    parse_languages,
    preferred_display,
)
from terminology.operations.findings import Findings
from terminology.operations.membership import (
    CodingState,
    MembershipChecker,
    PrepareFailure,
)
from terminology.operations.paths import add_to_path, coding_path, quote_coding, quote_codings
from terminology.operations.scope import Scope
from terminology.operations.status_notes import StatusNotes
from terminology.operations.validate_code_model import (
    ValidateCodeRequest,
    ValidateCodeResult,
)


@dataclass(slots=True)
class _Match:
    system: str
    code: str
    version: str | None
    display: str | None
    state: CodingState


def _absolute(system: str) -> bool:
    return ":" in system


class Verdict:
    """One request: the scope it sees, its value set, its languages and its findings."""

    def __init__(
        self,
        request: ValidateCodeRequest,
        scope: Scope,
        value_set: Mapping[str, Any],
        internal: bool,
    ) -> None:
        self.request = request
        self.scope = scope
        self.value_set = value_set
        self.internal = internal
        policy = VersionPolicy(
            request.force_system_versions,
            request.system_versions,
            request.check_system_versions,
            request.date,
        )
        setting = requested_language(request.display_language, request.accept_language, value_set)
        self.languages = parse_languages(setting or value_set.get("language"))
        plan = scope.services.plans.of(value_set)
        self.required_supplements = required_supplements(request.use_supplements, plan)
        self.findings = Findings()
        self.finder = CodeSystemFinder(
            scope, policy, self.findings, self.required_supplements, tuple(self.languages)
        )
        self.checker = MembershipChecker(request, self.finder)
        self.status_notes = StatusNotes(self.findings)
        self.vs_label = plan.key or vs_label(value_set)

    def run(self) -> ValidateCodeResult:
        request, checker = self.request, self.checker
        try:
            checker.prepare(self.value_set)
            for value_set in checker.prepared():
                if value_set is not self.value_set or not self.internal:
                    self.status_notes.value_set(self.scope.services.plans.of(value_set))
            self.scope.require_supplements(self.required_supplements)
        except PrepareFailure as failure:
            return self._prepare_failure(failure.issue)
        ok: bool | None = False
        # (system, coding) of each coding, quoted into the summary only if none is a member.
        entries: list[tuple[str, Coding]] = []
        match: _Match | None = None
        looked_up: _Match | None = None
        unmatched: set[int] = set()
        for index, coding in enumerate(request.codings):
            path = coding_path(request.form, index)
            state = CodingState()
            verdict = self._check_one(path, coding, state)
            system = state.implied_system or self.finder.canonical(coding.system or "")
            entries.append((system, coding))
            if verdict is False and not self.internal and request.form == "codeableConcept":
                self.findings.add(
                    "information",
                    "code-invalid",
                    msg("NOT_IN_VS_ONE", codes=quote_coding(system, coding), vs=self.vs_label),
                    "this-code-not-in-vs",
                    add_to_path(path, "code"),
                )
            if verdict is not True:
                unmatched.add(index)
            if verdict is True:
                ok = True
            elif verdict is None and ok is False:
                ok = None
            if verdict is True and state.concept is not None and state.cs is not None:
                self._check_case(path, coding, state.concept, system)
                self._check_display(path, coding, system, state)
                if match is None:
                    match = _Match(
                        system,
                        state.concept.code,
                        state.cs.info.version,
                        preferred_display(state.concept, state.cs.info, self.languages),
                        state,
                    )
            elif verdict is True and match is None:
                match = _Match(
                    system,
                    coding.code or "",
                    state.cs.info.version if state.cs else None,
                    None,
                    state,
                )
            elif not request.membership_only and system:
                found = self._explain(path, coding, system, verdict, state)
                if looked_up is None and found is not None:
                    looked_up = found
            self._status_issue(path, state)
            if state.cs is not None:
                self.status_notes.code_system(state.cs.info)
        if ok is True and request.form == "codeableConcept":
            self._downgrade_unknown_systems(unmatched)
        if ok is False and not (self.internal and self.findings.has_errors()):
            if request.form == "codeableConcept":
                self.findings.add(
                    "error",
                    "code-invalid",
                    msg("NO_VALID_CODING", vs=self.vs_label),
                    "not-in-vs",
                    None,
                )
            else:
                self.findings.add(
                    "error",
                    "code-invalid",
                    msg(
                        "NOT_IN_VS_ONE",
                        codes=quote_codings([quote_coding(*entry) for entry in entries]),
                        vs=self.vs_label,
                    ),
                    "not-in-vs",
                    add_to_path(coding_path(request.form, 0), "code"),
                )
        return self._result(ok, match, looked_up)

    def _downgrade_unknown_systems(self, unmatched: set[int]) -> None:
        """Another coding is in the value set, so an unknown system elsewhere in the
        CodeableConcept only means that coding was not checked."""
        findings = self.findings
        for position in sorted(unmatched):
            where = add_to_path(coding_path(self.request.form, position), "system")
            system = self.request.codings[position].system
            for issue in list(findings.issues):
                if (
                    issue.expression == where
                    and issue.severity == "error"
                    and issue.tx_type == "not-found"
                ):
                    text = msg("UNKNOWN_SYSTEM_NOT_CHECKED", system=system)
                    new = Issue("warning", "not-found", text, "not-found", where)
                    findings.replace(issue, new)

    # -- one coding ---------------------------------------------------------------------
    def _check_one(self, path: str, coding: Coding, state: CodingState) -> bool | None:
        checker = self.checker
        code = coding.code or ""
        system = coding.system
        if not system:
            if not self.request.infer_system:
                self.findings.add(
                    "warning",
                    "invalid",
                    msg("NO_SYSTEM"),
                    "invalid-data",
                    path or "code",
                    in_message=True,
                )
                return False
            system = self._infer_system(code)
            if system is None:
                return False
            state.implied_system = system
        system = self.finder.canonical(system)
        return checker.check(self.value_set, path, system, coding.version, code, state)

    def _infer_system(self, code: str) -> str | None:
        systems: list[str] = []
        for part in self.scope.services.plans.of(self.value_set).includes:
            system = part.system
            if not system or system in systems:
                continue
            if part.listed:
                if part.entry(code) is not None:
                    systems.append(system)
                continue
            cs = self.finder.find_cs(system, part.version)
            if cs is not None and cs.locate(code).concept is not None:
                systems.append(system)
        if len(systems) == 1:
            return systems[0]
        text = (
            msg("CANNOT_INFER", code=code, vs=self.vs_label, systems=", ".join(systems))
            if systems
            else msg("CANNOT_INFER_NONE", code=code, vs=self.vs_label)
        )
        self.findings.add("error", "not-found", text, "cannot-infer", "code")
        return None

    def _check_case(self, path: str, coding: Coding, concept: Concept, system: str) -> None:
        """A case-insensitive code system found the code in another case: valid, but said."""
        if coding.code is not None and concept.code != coding.code:
            self.findings.add(
                "warning",
                "business-rule",
                msg("CODE_CASE_DIFFERENCE", code=coding.code, correct=concept.code, system=system),
                "code-rule",
                add_to_path(path, "code") if path else "code",
            )

    def _check_display(self, path: str, coding: Coding, system: str, state: CodingState) -> None:
        if not coding.display or state.concept is None or state.cs is None:
            return
        finding = check_display(
            coding.display,
            system,
            state.concept,
            state.cs.info,
            self.languages,
            lenient=self.request.lenient_display,
            expression=add_to_path(path, "display"),
            extra=state.include_displays,
        )
        if finding is not None:
            i = finding.issue
            self.findings.add(
                i.severity, i.code, i.text, i.tx_type, i.expression, in_message=finding.in_message
            )

    def _explain(
        self, path: str, coding: Coding, system: str, verdict: bool | None, state: CodingState
    ) -> _Match | None:
        """Why a coding is not in the value set: its system, its code, its display."""
        if not _absolute(system):
            self.findings.add(
                "error",
                "invalid",
                msg("LOCAL_SYSTEM"),
                "invalid-data",
                add_to_path(path, "system") if path else "system",
            )
        pinned = self._pinned_version(system)
        cs = self.finder.find_cs(system, coding.version or pinned)
        if cs is None and pinned and not coding.version:
            cs = self.finder.find_cs(system, self._within_partial_pin(system, pinned))
        if cs is None:
            reason = self.scope.not_a_code_system(system)
            if reason is not None:
                self.findings.add(
                    "error", "invalid", reason, "invalid-data", add_to_path(path, "system")
                )
                return None
            known = self.findings.unknown_systems
            if not any(k == system or k.startswith(system + "|") for k in known):
                quoted = not (verdict is False and _absolute(system))
                if self.finder.unknown_system_issue(path, system, coding.version, quoted=quoted):
                    self.findings.note_unknown(system)
            return None
        located = cs.locate(coding.code or "")
        if located.concept is None:
            self.finder.unknown_code(
                path, cs, coding.code or "", located.message, located.rule_broken
            )
            return _Match(system, coding.code or "", cs.info.version, None, state)
        concept = located.concept
        if not state.inactive and concept.inactive:
            state.inactive, state.status = True, concept.status
        state.concept, state.cs = concept, cs
        self._check_display(path, coding, system, state)
        return _Match(
            system,
            coding.code or "",
            cs.info.version,
            preferred_display(concept, cs.info, self.languages),
            state,
        )

    def _within_partial_pin(self, system: str, pinned: str) -> str:
        """A partial pin such as "1" stands for 1.x; a version rule inside it narrows it."""
        partial = f"{pinned}.x"
        ruled = self.finder.policy.base(system, None)
        if ruled and (matches_pattern(ruled, partial) or ruled.startswith(pinned + ".")):
            return ruled
        return partial

    def _pinned_version(self, system: str) -> str | None:
        plans = self.scope.services.plans
        includes = includes_naming(plans, self.value_set, system, self.checker.resolve)
        versions = [p.version for p in includes if p.version]
        return max(versions) if versions else None

    def _status_issue(self, path: str, state: CodingState) -> None:
        concept = state.concept
        if concept is None:
            return
        where = path or "code"
        if state.inactive:
            status = state.status
            text = (
                msg("INACTIVE_CONCEPT", code=concept.code, status="inactive")
                if status in (None, "inactive")
                else msg("INACTIVE_CONCEPT_STATUS", code=concept.code, status=status)
            )
            self.findings.add(
                "warning", "business-rule", text, "code-comment", where, in_message=True
            )
        elif state.status == "deprecated":
            self.findings.add(
                "warning",
                "business-rule",
                msg("DEPRECATED_CONCEPT", code=concept.code),
                "code-comment",
                path or "code",
                in_message=True,
            )

    # -- output -------------------------------------------------------------------------
    def _prepare_failure(self, issue: Issue) -> ValidateCodeResult:
        result = ValidateCodeResult(False, [issue], message=issue.text)
        if self.request.form == "codeableConcept":
            result.codeable_concept, result.cc_text = self.request.codings, self.request.cc_text
        else:
            coding = self.request.codings[0]
            result.system, result.code, result.version = coding.system, coding.code, coding.version
        return result

    def _result(
        self, ok: bool | None, match: _Match | None, looked_up: _Match | None
    ) -> ValidateCodeResult:
        request = self.request
        valid = ok is True and not self.findings.has_errors()
        result = ValidateCodeResult(valid, list(self.findings.issues))
        cc = request.form == "codeableConcept"
        if cc:
            result.codeable_concept, result.cc_text = request.codings, request.cc_text
        chosen = match or (None if cc else looked_up)
        if chosen is not None:
            result.system, result.code = chosen.system, chosen.code
            result.version, result.display = chosen.version, chosen.display
            if chosen.state.inactive:
                result.inactive = True
            if chosen.state.status and chosen.state.status != "inactive":
                result.status = chosen.state.status
        elif not cc:
            coding = request.codings[0]
            result.system = coding.system
            result.code = coding.code
            result.version = coding.version
        if ok is False:
            result.unknown_systems = list(self.findings.unknown_systems)
        elif not valid:
            result.caused_by_unknown_system = list(self.findings.unknown_systems)
        texts = list(dict.fromkeys(self.findings.messages))
        result.message = "; ".join(texts) if texts else None
        return result
