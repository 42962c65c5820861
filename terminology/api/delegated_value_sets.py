"""ValueSet/$validate-code for a value set of ours that includes a system we delegate: answered
per coding. Our definition decides whether it admits the coding (an include of the whole
system, or one listing the code, and no exclude of it); the upstream decides whether the code
exists (with its display and status). A coding of a system we hold is never sent, and nor is
the value set: only the one coding, as a CodeSystem/$validate-code question.

An include that filters a delegated system (``is-a``, say) cannot be evaluated here without
its hierarchy, and is not sent upstream with our definition either: such a coding keeps the
local answer (``result = false``, the system named as the cause)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from flask import Response, request

from terminology.api.delegated import (
    HEADER,
    UPSTREAM_KEY,
    answered_issue,
    ask_validate,
    not_validated_issue,
    route_of,
    with_issue,
)
from terminology.api.http import fhir_json
from terminology.client import reading
from terminology.codec.outputs import validate_code_parameters
from terminology.delegation.gateway import UpstreamAnswer, UpstreamUnavailable
from terminology.delegation.routes import Route
from terminology.engine.compose import ComposePlan, Part
from terminology.model import Coding
from terminology.operations.context import Services
from terminology.operations.validate_code_model import ValidateCodeRequest, ValidateCodeResult


def _value_set(req: ValidateCodeRequest, svc: Services) -> Mapping[str, Any] | None:
    ref = req.value_set
    if ref is None:
        return None
    if ref.resource is not None:
        return ref.resource
    versions = svc.value_sets.versions(ref.url) if ref.url else []
    if ref.version is not None:
        versions = [v for v in versions if v.get("version") == ref.version]
    return versions[-1] if versions else None


def _admitting_part(plan: ComposePlan, coding: Coding) -> Part | None:
    """The include admitting ``coding`` by our definition alone, or None (not admitted, or
    only a filter over the delegated system's hierarchy could tell)."""
    code = coding.code or ""
    for part in plan.excludes:
        if part.system == coding.system and (
            part.filters or part.value_sets or not part.listed or part.entry(code)
        ):
            return None
    for part in plan.includes:
        if (
            part.system == coding.system
            and not part.value_sets
            and not part.filters
            and part.filter_problem is None
            and (not part.listed or part.entry(code) is not None)
            and (part.version is None or coding.version in (None, part.version))
        ):
            return part
    return None


def _upstream_issues(answer: UpstreamAnswer) -> list[dict[str, Any]]:
    for part in answer.body.get("parameter", []):
        if part.get("name") == "issues" and isinstance(part.get("resource"), dict):
            return list(part["resource"].get("issue", []))
    if answer.body.get("resourceType") == "OperationOutcome":
        return list(answer.body.get("issue", []))
    return []


def value_set_per_coding(
    req: ValidateCodeRequest, result: ValidateCodeResult, svc: Services
) -> Response | None:
    """The answer with the delegated codings checked upstream, when the local answer is
    ``false`` because of a delegated system; None when the local answer stands."""
    if result.result or not result.caused_by_unknown_system or req.tx_resources:
        return None
    asked: list[tuple[Coding, Route]] = []
    value_set = None
    for coding in req.codings:
        route = route_of(svc, coding.system, ())
        if route is None:
            continue
        value_set = value_set or _value_set(req, svc)
        if value_set is None:
            return None
        part = _admitting_part(svc.plans.of(value_set), coding)
        if part is not None:
            asked.append(
                (dataclasses.replace(coding, version=coding.version or part.version), route)
            )
    if not asked:
        return None
    extra: list[dict[str, Any]] = []
    failed: list[str] = []
    answered: list[str] = []
    origin = ""
    for coding, route in asked:
        assert coding.system is not None
        try:
            answer = ask_validate(route, coding, req)
        except UpstreamUnavailable as exc:
            result.issues.append(not_validated_issue(coding, exc))
            failed.append(coding.system)
            origin = origin or exc.upstream
            continue
        origin = answer.upstream
        answered.append(coding.system)
        verdict = reading.validate_code_result(answer.body) if answer.status < 300 else None
        if verdict is not None and verdict.result:
            member = dataclasses.replace(
                result,
                result=True,
                issues=[],
                message=None,
                code=verdict.code or coding.code,
                system=coding.system,
                version=verdict.version,
                display=verdict.display,
                caused_by_unknown_system=[],
                unknown_systems=[],
            )
            notes = [
                i for i in _upstream_issues(answer) if i.get("severity") not in ("error", "fatal")
            ]
            return _reply(
                validate_code_parameters(member),
                [*notes, answered_issue(coding.system, answer)],
                origin,
            )
        extra += [*_upstream_issues(answer), answered_issue(coding.system, answer)]
    # No delegated coding is a member: the local answer, its unknown-system findings replaced
    # by what the upstream said about the systems it answered for.
    result.caused_by_unknown_system = [
        s for s in result.caused_by_unknown_system if s.split("|")[0] not in answered
    ]
    result.issues = [
        i
        for i in result.issues
        if not (
            (i.message_id or "").startswith("UNKNOWN_CODESYSTEM")
            and any(s in i.text for s in answered)
        )
    ]
    return _reply(validate_code_parameters(result), extra, origin)


def _reply(body: dict[str, Any], issues: list[dict[str, Any]], origin: str) -> Response:
    for extra in issues:
        body = with_issue(body, extra)
    request.environ[UPSTREAM_KEY] = origin
    return fhir_json(body, headers={HEADER: origin})
