"""``ValueSet/$validate-code`` and ``CodeSystem/$validate-code``.

http://hl7.org/fhir/R4/valueset-operation-validate-code.html with the HL7 terminology
ecosystem's contract: a question understood and answered "no" is ``result = false`` with
issues (HTTP 200); only a request that cannot be evaluated raises ``TerminologyError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from terminology.engine.membership import MembershipEngine
from terminology.errors import TerminologyError
from terminology.messages import msg
from terminology.model import Coding, Concept, Issue
from terminology.operations.context import Services
from terminology.operations.displays import (
    Candidate,
    check_display,
    parse_languages,
    preferred_display,
    valid_language_list,
)
from terminology.operations.resolution import Resolved, explain_missing
from terminology.operations.scope import Scope, build_scope
from terminology.operations.validation_model import (
    CanonicalRef,
    ValidateCodeRequest,
    ValidateCodeResult,
)
from terminology.operations.versions_in_vs import choose_version, includes_for
from terminology.providers.base import CodeSystemVersion


@dataclass(frozen=True, slots=True)
class Paths:
    """Where each part of one coding sits in the request, for ``issue.expression``."""

    code: str
    system: str
    version: str
    display: str
    whole: str

    @classmethod
    def for_form(cls, form: str, index: int) -> Paths:
        if form == "code":
            return cls("code", "system", "version", "display", "code")
        if form == "coding":
            return cls("Coding.code", "Coding.system", "Coding.version", "Coding.display", "Coding")
        base = f"CodeableConcept.coding[{index}]"
        return cls(f"{base}.code", f"{base}.system", f"{base}.version", f"{base}.display", base)


@dataclass(slots=True)
class CodingOutcome:
    valid: bool
    issues: list[Issue] = field(default_factory=list)
    system: str | None = None
    code: str | None = None
    version: str | None = None
    display: str | None = None
    concept: Concept | None = None
    inactive: bool | None = None
    status: str | None = None
    caused_by_unknown: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)


def _issue(severity: str, code: str, text: str, tx: str, expression: str | None) -> Issue:
    return Issue(severity, code, text, tx, expression)  # type: ignore[arg-type]


def _absolute(system: str) -> bool:
    return ":" in system


class Validator:
    """One request's validation: the scope, the value set and the language settings."""

    def __init__(self, request: ValidateCodeRequest, services: Services) -> None:
        self.request = request
        self.scope: Scope = build_scope(services, request.tx_resources)
        self.value_set: Mapping[str, Any] | None = None
        self.vs_label = ""
        self.languages = self._languages()
        self.engine = MembershipEngine(self.scope.registry, self._resolve_import)

    # -- set-up ---------------------------------------------------------------------------
    def _languages(self) -> list[str]:
        value = self.request.display_language
        if value is not None:
            if not valid_language_list(value):
                raise TerminologyError(
                    msg("INVALID_DISPLAY_LANGUAGE", value=value[:40]),
                    code="processing",
                    tx_type="invalid-display",
                    expression="displayLanguage",
                )
            return parse_languages(value)
        return parse_languages(self.request.accept_language)

    def _resolve_import(self, url: str, version: str | None) -> Mapping[str, Any] | None:
        return self.scope.value_set(url, version)

    def load_value_set(self, ref: CanonicalRef) -> None:
        if ref.resource is not None:
            value_set = ref.resource
        else:
            assert ref.url is not None
            value_set = self.scope.value_set(ref.url, ref.version)
            if value_set is None:
                text = (
                    msg("VS_VERSION_NOT_FOUND", url=ref.url, version=ref.version)
                    if ref.version
                    else msg("VS_NOT_FOUND", url=ref.url)
                )
                raise TerminologyError(text, status=404, code="not-found", tx_type="not-found")
        self.value_set = value_set
        url = value_set.get("url", "")
        version = value_set.get("version")
        self.vs_label = f"{url}|{version}" if version else url
        if not self.languages and value_set.get("language"):
            self.languages = [value_set["language"]]

    # -- one coding against the value set -------------------------------------------------
    def check_in_value_set(self, coding: Coding, paths: Paths) -> CodingOutcome:
        assert self.value_set is not None
        out = CodingOutcome(False, system=coding.system, code=coding.code)
        code = coding.code or ""
        system = coding.system
        if not system:
            inferred = self._infer_system(code) if self.request.infer_system else None
            if inferred is None:
                if not self.request.infer_system:
                    out.issues.append(
                        _issue("warning", "invalid", msg("NO_SYSTEM"), "invalid-data", paths.whole)
                    )
                out.issues.append(self._not_in_vs("", code, paths))
                return out
            system = out.system = inferred
        if not _absolute(system):
            out.issues.append(
                _issue("error", "invalid", msg("LOCAL_SYSTEM"), "invalid-data", paths.system)
            )
            out.issues.append(self._not_in_vs(system, code, paths))
            return out
        provider = self.scope.registry.resolve(system)
        includes = includes_for(self.value_set, system, self._resolve_import)
        if provider is None:
            if self.scope.supplement(system.split("|")[0]) is not None:
                supp = self.scope.supplement(system)
                label = (
                    f"{system}|{supp.get('version')}" if supp and supp.get("version") else system
                )
                out.issues.append(
                    _issue(
                        "error",
                        "invalid",
                        msg("SYSTEM_IS_SUPPLEMENT", system=label),
                        "invalid-data",
                        paths.system,
                    )
                )
                out.issues.append(self._not_in_vs(system, code, paths))
                return out
            if self.scope.is_value_set_url(system):
                out.issues.append(
                    _issue(
                        "error",
                        "invalid",
                        msg("SYSTEM_IS_VALUESET", system=system),
                        "invalid-data",
                        paths.system,
                    )
                )
                out.issues.append(self._not_in_vs(system, code, paths))
                return out
            if includes:
                out.issues.append(
                    _issue(
                        "error",
                        "not-found",
                        msg("CS_UNKNOWN_QUOTED", system=system),
                        "not-found",
                        paths.system,
                    )
                )
                out.caused_by_unknown.append(system)
            else:
                out.issues.append(
                    _issue(
                        "error",
                        "not-found",
                        msg("CS_UNKNOWN_BARE", system=system),
                        "not-found",
                        paths.system,
                    )
                )
                out.issues.append(self._not_in_vs(system, code, paths))
                out.unknown.append(system)
            return out
        choice = choose_version(self.request, provider, system, coding.version, includes, paths)
        out.issues += choice.issues
        if choice.fatal:
            out.caused_by_unknown += choice.unknown
            out.version = choice.reported_version
            return out
        cs = choice.cs
        assert cs is not None
        out.version = cs.info.version
        out.caused_by_unknown += choice.unknown
        located = cs.locate(code)
        concept = located.concept
        if concept is None:
            out.issues += self._unknown_code(
                provider, cs, system, code, located.message, located.rule_broken, paths
            )
            if cs.info.content != "fragment" or located.rule_broken:
                out.issues.append(self._not_in_vs(system, code, paths))
                return out
        membership = self.engine.check(
            self.value_set, system, code, version=cs.info.version, on=self.request.date
        )
        vs_problems = [i for i in membership.issues if i.severity == "error"]
        if vs_problems:
            out.issues += vs_problems
            if concept is not None:
                out.display = preferred_display(concept, cs.info, self.languages)
            return out
        if concept is None:
            # A fragment's unknown code: a warning, and valid if the value set takes all codes.
            out.valid = membership.found or not includes
            return out
        out.concept = concept
        out.display = preferred_display(concept, cs.info, self.languages)
        member = membership.found
        out.valid = member
        self._status_checks(out, concept, paths, member)
        if member and self.request.abstract is False and concept.not_selectable:
            out.issues.append(
                _issue(
                    "error",
                    "business-rule",
                    msg("ABSTRACT_CODE", code=code),
                    "code-rule",
                    paths.code,
                )
            )
            out.valid = False
        if not out.valid:
            out.issues.append(self._not_in_vs(system, code, paths))
        if coding.display:
            out.issues += check_display(
                coding.display,
                system,
                concept,
                cs.info,
                self.languages,
                lenient=self.request.lenient_display,
                expression=paths.display,
                extra=self._include_displays(includes, code),
            )
            if any(i.tx_type == "invalid-display" and i.severity == "error" for i in out.issues):
                out.valid = False
        return out

    def _status_checks(
        self, out: CodingOutcome, concept: Concept, paths: Paths, member: bool
    ) -> None:
        if concept.inactive:
            out.inactive = True
            out.status = concept.status or "inactive"
            status = (
                "inactive"
                if concept.status in (None, "inactive")
                else f"{concept.status} and inactive"
            )
            out.issues.append(
                _issue(
                    "warning",
                    "business-rule",
                    msg("INACTIVE_CONCEPT", code=concept.code, status=status),
                    "code-comment",
                    paths.whole,
                )
            )
            compose_inactive = (self.value_set or {}).get("compose", {}).get("inactive")
            if member and (self.request.active_only or compose_inactive is False):
                out.issues.append(
                    _issue(
                        "error",
                        "business-rule",
                        msg("NOT_ACTIVE", code=concept.code),
                        "code-rule",
                        paths.code,
                    )
                )
                out.valid = False
        elif concept.status == "deprecated":
            out.status = "deprecated"
            out.issues.append(
                _issue(
                    "warning",
                    "business-rule",
                    msg("DEPRECATED_CONCEPT", code=concept.code),
                    "code-comment",
                    paths.code,
                )
            )

    def _include_displays(self, includes: list[Mapping[str, Any]], code: str) -> list[Candidate]:
        out = []
        for include in includes:
            for concept in include.get("concept", ()):
                if concept.get("code") != code:
                    continue
                if concept.get("display"):
                    out.append(
                        Candidate(concept["display"], (self.value_set or {}).get("language"))
                    )
                for d in concept.get("designation", ()):
                    if d.get("value"):
                        out.append(Candidate(d["value"], d.get("language")))
        return out

    def _infer_system(self, code: str) -> str | None:
        assert self.value_set is not None
        systems = []
        for include in self.value_set.get("compose", {}).get("include", ()):
            system = include.get("system")
            if not system or system in systems:
                continue
            provider = self.scope.registry.resolve(system)
            cs = provider.select(version=include.get("version")) if provider else None
            if cs is not None and cs.locate(code).concept is not None:
                membership = self.engine.check(self.value_set, system, code)
                if membership.found:
                    systems.append(system)
        if len(systems) == 1:
            return systems[0]
        return None

    def _not_in_vs(self, system: str, code: str, paths: Paths) -> Issue:
        return _issue(
            "error",
            "code-invalid",
            msg("NOT_IN_VS", system=system, code=code, vs=self.vs_label),
            "not-in-vs",
            paths.code,
        )

    def _unknown_code(
        self,
        provider: Any,
        cs: CodeSystemVersion,
        system: str,
        code: str,
        rule_message: str | None,
        rule_broken: bool,
        paths: Paths,
    ) -> list[Issue]:
        version = cs.info.version
        if rule_broken and rule_message:
            return [_issue("error", "code-invalid", rule_message, "invalid-code", paths.code)]
        if cs.info.content == "fragment":
            history = provider.history(code)
            if history:
                text = explain_missing(Resolved(provider, cs), code, None)
                return [_issue("error", "business-rule", text, "code-rule", paths.code)]
            return [
                _issue(
                    "warning",
                    "code-invalid",
                    msg("UNKNOWN_CODE_FRAGMENT", code=code, system=system, version=version),
                    "invalid-code",
                    paths.code,
                )
            ]
        text = (
            msg("UNKNOWN_CODE_VERSION", code=code, system=system, version=version)
            if version
            else msg("UNKNOWN_CODE_NO_VERSION", code=code, system=system)
        )
        if provider.history(code):
            text = explain_missing(Resolved(provider, cs), code, None)
        return [_issue("error", "code-invalid", text, "invalid-code", paths.code)]


def _apply(out: CodingOutcome, result: ValidateCodeResult) -> None:
    result.code = out.code
    result.system = out.system
    result.version = out.version
    result.display = out.display
    result.inactive = out.inactive
    result.status = out.status


def validate_in_value_set(request: ValidateCodeRequest, services: Services) -> ValidateCodeResult:
    validator = Validator(request, services)
    assert request.value_set is not None
    validator.load_value_set(request.value_set)
    if request.form != "codeableConcept":
        (coding,) = request.codings
        out = validator.check_in_value_set(coding, Paths.for_form(request.form, 0))
        result = ValidateCodeResult(out.valid, out.issues)
        _apply(out, result)
        result.caused_by_unknown_system = out.caused_by_unknown
        result.unknown_systems = out.unknown
        return result
    return _validate_codeable_concept(validator, request)


def _validate_codeable_concept(
    validator: Validator, request: ValidateCodeRequest
) -> ValidateCodeResult:
    outcomes = [
        validator.check_in_value_set(coding, Paths.for_form("codeableConcept", i))
        for i, coding in enumerate(request.codings)
    ]
    good = next((o for o in outcomes if o.valid), None)
    result = ValidateCodeResult(
        good is not None, codeable_concept=request.codings, cc_text=request.cc_text
    )
    for outcome in outcomes:
        for issue in outcome.issues:
            if issue.tx_type == "not-in-vs":
                # Per coding, "not in the value set" is information: another coding may be.
                issue = Issue(
                    "information", issue.code, issue.text, "this-code-not-in-vs", issue.expression
                )
            result.issues.append(issue)
        result.caused_by_unknown_system += outcome.caused_by_unknown
        result.unknown_systems += outcome.unknown
    if good is not None:
        _apply(good, result)
    else:
        result.issues.insert(
            0,
            Issue(
                "error", "code-invalid", msg("NO_VALID_CODING", vs=validator.vs_label), "not-in-vs"
            ),
        )
        if len(outcomes) == 1 and outcomes[0].concept is not None:
            _apply(outcomes[0], result)
    return result


def validate_in_code_system(request: ValidateCodeRequest, services: Services) -> ValidateCodeResult:
    """CodeSystem/$validate-code: is the code defined by the code system (on the date)?"""
    ref = request.code_system or CanonicalRef()
    extra = (ref.resource,) if ref.resource is not None else ()
    validator = Validator(
        ValidateCodeRequest(
            **{**_fields(request), "tx_resources": (*request.tx_resources, *extra)}
        ),
        services,
    )
    outcomes = [
        validator.check_in_code_system(coding, Paths.for_form(request.form, i), ref)
        for i, coding in enumerate(request.codings)
    ]
    if request.form != "codeableConcept":
        out = outcomes[0]
        result = ValidateCodeResult(out.valid, out.issues)
        _apply(out, result)
        result.caused_by_unknown_system = out.caused_by_unknown
        return result
    good = next((o for o in outcomes if o.valid), None)
    result = ValidateCodeResult(
        good is not None, codeable_concept=request.codings, cc_text=request.cc_text
    )
    for out in outcomes:
        result.issues += out.issues
        result.caused_by_unknown_system += out.caused_by_unknown
    if good is not None:
        _apply(good, result)
    return result


def _fields(request: ValidateCodeRequest) -> dict[str, Any]:
    return {name: getattr(request, name) for name in request.__dataclass_fields__}


def _check_in_code_system(
    self: Validator, coding: Coding, paths: Paths, ref: CanonicalRef
) -> CodingOutcome:
    system = coding.system or ref.url or (ref.resource or {}).get("url")
    code = coding.code or ""
    out = CodingOutcome(False, system=system, code=code)
    if not system:
        out.issues.append(
            _issue("warning", "invalid", msg("NO_SYSTEM"), "invalid-data", paths.whole)
        )
        return out
    provider = self.scope.registry.resolve(system)
    if provider is None:
        out.issues.append(
            _issue(
                "error",
                "not-found",
                msg("CS_UNKNOWN_QUOTED", system=system),
                "not-found",
                paths.system,
            )
        )
        out.caused_by_unknown.append(system)
        return out
    wanted = coding.version or ref.version or (ref.resource or {}).get("version")
    choice = choose_version(
        ValidateCodeRequest(**{**_fields(self.request), "date": self.request.date}),
        provider,
        system,
        wanted,
        [],
        paths,
    )
    out.issues += choice.issues
    out.caused_by_unknown += choice.unknown
    if choice.cs is None:
        out.version = choice.reported_version
        return out
    cs = choice.cs
    out.version = cs.info.version
    located = cs.locate(code)
    concept = located.concept
    if concept is None:
        out.issues += self._unknown_code(
            provider, cs, system, code, located.message, located.rule_broken, paths
        )
        out.valid = not any(i.severity == "error" for i in out.issues)
        return out
    out.concept = concept
    out.display = preferred_display(concept, cs.info, self.languages)
    out.valid = not any(i.severity == "error" for i in out.issues)
    self._status_checks(out, concept, paths, True)
    if self.request.abstract is False and concept.not_selectable:
        out.issues.append(
            _issue(
                "error", "business-rule", msg("ABSTRACT_CODE", code=code), "code-rule", paths.code
            )
        )
        out.valid = False
    if coding.display:
        out.issues += check_display(
            coding.display,
            system,
            concept,
            cs.info,
            self.languages,
            lenient=self.request.lenient_display,
            expression=paths.display,
        )
        if any(i.tx_type == "invalid-display" and i.severity == "error" for i in out.issues):
            out.valid = False
    return out


Validator.check_in_code_system = _check_in_code_system  # type: ignore[attr-defined]
