"""Checks one coding against one value set, collecting issues as the HL7 ecosystem reports them.

``check`` answers True (member), False (not a member) or None (cannot tell: a code system or
version the value set needs is unknown). It walks the value set's ``ComposePlan``, the same
reading of the definition ``$expand`` walks, and says *why* as it goes: which version was used,
which version rules fired, which concept was inactive or abstract.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from terminology import budget
from terminology.engine.compose import ComposePlan, Part, import_of, pinned
from terminology.engine.cycles import enter
from terminology.engine.filters import passes
from terminology.messages import msg
from terminology.model import Concept, Issue
from terminology.operations.compose_reading import (
    entry_displays,
    entry_status,
    vs_label,
)
from terminology.operations.cs_finder import CodeSystemFinder
from terminology.operations.displays import Candidate
from terminology.operations.paths import add_to_path
from terminology.operations.validate_code_model import ValidateCodeRequest
from terminology.providers.base import CodeSystemVersion


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


class MembershipChecker:
    """Membership of one coding in one value set, with the findings that explain it (added to
    the caller's ``Findings``, through ``finder``)."""

    def __init__(self, request: ValidateCodeRequest, finder: CodeSystemFinder) -> None:
        self.request = request
        self.finder = finder
        self.scope = finder.scope
        self.findings = finder.findings
        self.plans = finder.scope.services.plans
        self.resolve = finder.scope.import_resolver(request.default_valueset_versions)
        # Value sets already prepared, and import answers already known, in this request: a
        # definition that reaches one value set along many import paths (a "diamond") would
        # otherwise be worked through once per path, exponential in the depth of the imports.
        self._prepared: dict[int, Mapping[str, Any]] = {}
        self._answers: dict[tuple[Any, ...], tuple[Any, CodingState, bool | None]] = {}

    # -- preparation ----------------------------------------------------------------------
    def prepare(self, value_set: Mapping[str, Any], stack: tuple[str, ...] = ()) -> None:
        """Problems in the value set definition, found before any code is checked."""
        stack = enter(value_set, stack)
        budget.spend()
        if self._prepared.get(id(value_set)) is value_set:
            return
        self._prepared[id(value_set)] = value_set
        plan = self.plans.of(value_set)
        if plan.self_contained:
            return
        for part in (*plan.includes, *plan.excludes):
            for ref in part.value_sets:
                imported = import_of(plan, ref, self.resolve)
                if imported is None:
                    raise PrepareFailure(
                        Issue(
                            "error",
                            "not-found",
                            msg(
                                "VS_NOT_FOUND",
                                url=pinned(ref, self.request.default_valueset_versions),
                            ),
                            "not-found",
                        )
                    )
                self.prepare(imported, stack)
            part.checked_filters()

    def prepared(self) -> list[Mapping[str, Any]]:
        """The value set and those it imports, in the order first prepared."""
        return list(self._prepared.values())

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
        budget.spend()
        plan = self.plans.of(value_set)
        result: bool | None = False
        # A coding without a version, and a value set that includes its system in several
        # versions: the code may be in any of them, so a version that lacks it is not yet an
        # error. Only when none has it is the code unknown (in the version tried first).
        several = not version and len(plan.versions_by_system.get(system, ())) > 1
        first_tried: CodeSystemVersion | None = None
        for part in plan.by_priority:
            if not part.system:
                result = True
            elif part.system == system and plan.use_for_version(part, version):
                v = self.finder.determine_version(path, system, part.version, version)
                cs = self.finder.find_cs_checked(path, system, v)
                if cs is None:
                    if self.request.membership_only:
                        return False
                    if self.finder.unknown_system_issue(path, system, v, quoted=True):
                        self.findings.note_unknown(f"{system}|{v}" if v else system)
                    return None
                first_tried = first_tried or cs
                result = self.check_concept_set(
                    path, "in", cs, part, code, state, plan, report_unknown=not several
                )
                if result:
                    state.cs = cs
            else:
                result = False
            if result:
                for ref in part.value_sets:
                    imported = import_of(plan, ref, self.resolve)
                    result = imported is not None and self._check_import(
                        imported, path, system, version, code, state
                    )
                    if not result:
                        break
            if result:
                break
        if several and not result and first_tried is not None:
            located = first_tried.locate(code)
            if located.concept is None and not self.request.membership_only:
                # True for a fragment: an unknown code may be valid in another fragment.
                result = self.finder.unknown_code(
                    path, first_tried, code, located.message, located.rule_broken
                )
        if result:
            for exclude in plan.excludes:
                if self._excluded(exclude, plan, system, version, code):
                    return False
        return result

    def _check_import(
        self,
        imported: Mapping[str, Any],
        path: str,
        system: str,
        version: str | None,
        code: str,
        state: CodingState,
    ) -> bool | None:
        """``check`` of an imported value set, answered once per coding (its findings are
        recorded the first time)."""
        key = (id(imported), path, system, version, code, id(state))
        known = self._answers.get(key)
        if known is not None and known[0] is imported and known[1] is state:
            return known[2]
        answer = self.check(imported, path, system, version, code, state)
        self._answers[key] = (imported, state, answer)
        return answer

    def _excluded(
        self, exclude: Part, owner: ComposePlan, system: str, version: str | None, code: str
    ) -> bool:
        if exclude.system and exclude.system != system:
            return False
        if exclude.system:
            wanted = self.finder.policy.base(system, exclude.version) or version
            cs = self.finder.find_cs(system, wanted)
            if cs is None or not self.check_concept_set(
                "", "not in", cs, exclude, code, CodingState(), owner
            ):
                return False
        for ref in exclude.value_sets:
            imported = import_of(owner, ref, self.resolve)
            if imported is None:
                return False
            quiet = MembershipChecker(self.request, self.finder.quiet())
            if not quiet.check(imported, "", system, version, code, CodingState()):
                return False
        return True

    def check_concept_set(
        self,
        path: str,
        role: str,
        cs: CodeSystemVersion,
        part: Part,
        code: str,
        state: CodingState,
        plan: ComposePlan,
        *,
        report_unknown: bool = True,
    ) -> bool:
        owner = plan.value_set
        filters = part.filters
        located = cs.locate(code)
        concept = located.concept
        if part.listed:
            # The stored code: in a case-insensitive code system the coding's may differ.
            entry = part.entry(concept.code if concept is not None else code)
            if entry is None or concept is None:
                return False
            if role == "in":
                state.include_displays += entry_displays(entry, owner)
                status = entry_status(entry)
                if status:
                    self.findings.add(
                        "warning",
                        "business-rule",
                        msg(
                            "CONCEPT_DEPRECATED_IN_VS",
                            code=code,
                            system=cs.info.url,
                            vs=vs_label(owner),
                            status=status,
                        ),
                        "code-comment",
                        add_to_path(path, "code"),
                    )
        elif concept is None:
            if role == "in" and report_unknown and not self.request.membership_only and not filters:
                return self.finder.unknown_code(
                    path, cs, code, located.message, located.rule_broken
                )
            return False
        if not all(passes(cs, concept, spec) for spec in filters):
            return False
        if role != "in":
            return True
        state.concept = concept
        if self.request.abstract is False and concept.not_selectable:
            self.findings.add(
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
            if self.request.active_only or not plan.inactive_allowed:
                self.findings.add(
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
