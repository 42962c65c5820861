"""Delegation at the HTTP edge: ``$lookup``, ``$validate-code`` and ``$expand`` about a code
system we do not hold go to the upstream ``TERMINOLOGY_UPSTREAMS`` names for it.

The decision is taken per operation, after the request is read, and only when upstreams are
configured and the local registry does not hold the system (one dict look-up, after the one
that finds ``None``): requests about our own systems take the path they always took, and never
leave the server. A value set of ours that includes a delegated system is answered per coding:
the membership of the coding in our definition is read here, the code itself checked upstream.
An upstream's answer carries an information issue naming it and an ``X-Upstream`` header, and
is neither kept in the response cache nor given an ETag: it can change without our content
changing (the gateway's own short cache bounds how stale it may be)."""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import Flask, Response, current_app, request

from terminology.api.http import fhir_json
from terminology.client import reading
from terminology.codec.outcome import issue, operation_outcome
from terminology.codec.outputs import validate_code_parameters
from terminology.config import Settings
from terminology.delegation.gateway import (
    Gateway,
    GatewaySettings,
    UpstreamAnswer,
    UpstreamUnavailable,
)
from terminology.delegation.routes import Route, parse_routes
from terminology.errors import TerminologyError
from terminology.messages import msg
from terminology.model import Coding, Issue
from terminology.operations.context import Services
from terminology.operations.expand_model import ExpandRequest
from terminology.operations.lookup import LookupRequest
from terminology.operations.validate_code_model import ValidateCodeRequest, ValidateCodeResult

EXTENSION = "terminology.upstreams"
#: Set in the environ of a request answered upstream: the caching hooks leave it uncached.
UPSTREAM_KEY = "terminology.upstream"
HEADER = "X-Upstream"
_IMPLICIT = "?fhir_vs"


def register(app: Flask, settings: Settings) -> None:
    app.extensions[EXTENSION] = Gateway(
        parse_routes(settings.upstreams),
        GatewaySettings(
            timeout=settings.upstream_timeout,
            max_concurrent=settings.upstream_max_concurrent,
            cache_seconds=settings.upstream_cache_seconds,
            cache_entries=settings.upstream_cache_entries,
            breaker_failures=settings.upstream_breaker_failures,
            breaker_reset=settings.upstream_breaker_reset,
        ),
    )


def route_of(svc: Services, system: str | None, tx_resources: tuple[object, ...]) -> Route | None:
    """The route of a system we do not hold, when upstreams are configured (else None)."""
    gateway: Gateway | None = current_app.extensions.get(EXTENSION)
    if gateway is None or not system or tx_resources or svc.registry.resolve(system):
        return None
    return gateway.route(system)


def _gateway() -> Gateway:
    gateway: Gateway = current_app.extensions[EXTENSION]
    return gateway


def _query(**values: object) -> dict[str, str | list[str]]:
    out: dict[str, str | list[str]] = {}
    for name, value in values.items():
        if value is None or value == ():
            continue
        if isinstance(value, tuple):
            out[name] = [str(v) for v in value]
        elif isinstance(value, bool):
            out[name] = "true" if value else "false"
        else:
            out[name] = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return out


def answered_issue(system: str, answer: UpstreamAnswer) -> dict[str, Any]:
    return issue(
        "information",
        "informational",
        msg("UPSTREAM_ANSWERED", upstream=answer.upstream, system=system),
    )


def _reply(body: dict[str, Any], status: int, upstream: str) -> Response:
    request.environ[UPSTREAM_KEY] = upstream
    return fhir_json(body, status=status, headers={HEADER: upstream})


def with_issue(body: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """The upstream's resource with ``extra`` added to its issues (a copy: the cached answer
    is shared)."""
    if body.get("resourceType") == "OperationOutcome":
        return {**body, "issue": [*body.get("issue", []), extra]}
    parameters = [dict(p) for p in body.get("parameter", [])]
    for part in parameters:
        if part.get("name") == "issues" and isinstance(part.get("resource"), dict):
            outcome = part["resource"]
            part["resource"] = {**outcome, "issue": [*outcome.get("issue", []), extra]}
            break
    else:
        parameters.append({"name": "issues", "resource": operation_outcome([extra])})
    return {**body, "parameter": parameters}


def _unavailable_error(system: str, exc: UpstreamUnavailable) -> TerminologyError:
    return TerminologyError(
        msg(
            "UPSTREAM_UNAVAILABLE",
            system=system,
            upstream=exc.upstream,
            reason=exc.reason,
            seconds=exc.retry_after,
        ),
        status=503,
        code="transient",
        expression="system",
        headers={"Retry-After": str(exc.retry_after), HEADER: exc.upstream},
    )


def lookup_upstream(req: LookupRequest, svc: Services) -> Response | None:
    """The upstream's answer to a ``$lookup`` of a system we delegate; None for ours."""
    route = route_of(svc, req.system, req.tx_resources)
    if route is None:
        return None
    params = _query(
        system=req.system,
        code=req.code,
        version=req.version,
        date=req.date,
        displayLanguage=req.display_language,
        property=req.properties,
    )
    try:
        answer = _gateway().ask(route, "CodeSystem/$lookup", params, reading.lookup_result)
    except UpstreamUnavailable as exc:
        raise _unavailable_error(req.system, exc) from exc
    body = with_issue(answer.body, answered_issue(req.system, answer))
    return _reply(body, answer.status, answer.upstream)


def expand_upstream(req: ExpandRequest, svc: Services) -> Response | None:
    """The upstream's expansion of an implicit value set (``system?fhir_vs...``) of a system
    we delegate; None otherwise."""
    url = req.value_set.url
    if url is None or _IMPLICIT not in url or req.value_set.resource is not None:
        return None
    system = url.split("?", 1)[0]
    route = route_of(svc, system, req.tx_resources)
    if route is None:
        return None
    params = _query(
        url=url,
        filter=req.text_filter,
        date=req.date,
        offset=req.offset,
        count=req.count,
        activeOnly=req.active_only,
        includeDesignations=req.include_designations,
        displayLanguage=req.display_language,
    )
    try:
        answer = _gateway().ask(route, "ValueSet/$expand", params, reading.expansion_page)
    except UpstreamUnavailable as exc:
        raise _unavailable_error(system, exc) from exc
    body = answer.body
    if answer.status < 300:
        # A ValueSet has no issues: its origin goes in the expansion's parameters.
        expansion = dict(body["expansion"])
        origin = {"name": "x-upstream", "valueUri": answer.upstream}
        expansion["parameter"] = [*expansion.get("parameter", []), origin]
        body = {**body, "expansion": expansion}
    else:
        body = with_issue(body, answered_issue(system, answer))
    return _reply(body, answer.status, answer.upstream)


def ask_validate(route: Route, coding: Coding, req: ValidateCodeRequest) -> UpstreamAnswer:
    params = _query(
        url=coding.system,
        code=coding.code,
        version=coding.version,
        display=coding.display,
        date=req.date,
        displayLanguage=req.display_language,
    )
    return _gateway().ask(route, "CodeSystem/$validate-code", params, reading.validate_code_result)


def not_validated_issue(coding: Coding, exc: UpstreamUnavailable) -> Issue:
    text = msg(
        "UPSTREAM_NOT_VALIDATED",
        system=coding.system,
        upstream=exc.upstream,
        reason=exc.reason,
        code=coding.code,
        seconds=exc.retry_after,
    )
    return Issue("error", "transient", text, tx_type="not-found", expression="system")


def code_system_upstream(req: ValidateCodeRequest, svc: Services) -> Response | None:
    """CodeSystem/$validate-code of one coding of a system we delegate; None otherwise. An
    unavailable upstream is a fast ``result = false`` (HTTP 200) naming the system as the
    cause, as for any unknown system, with an issue saying why."""
    if len(req.codings) != 1:
        return None
    coding = req.codings[0]
    system = (req.code_system.url if req.code_system else None) or coding.system
    if req.code_system is not None and req.code_system.resource is not None:
        return None
    route = route_of(svc, system, req.tx_resources)
    if route is None or system is None:
        return None
    asked_version = req.code_system.version if req.code_system else None
    coding = dataclasses.replace(coding, system=system, version=coding.version or asked_version)
    try:
        answer = ask_validate(route, coding, req)
    except UpstreamUnavailable as exc:
        result = ValidateCodeResult(
            result=False,
            issues=[not_validated_issue(coding, exc)],
            code=coding.code,
            system=system,
            caused_by_unknown_system=[system],
        )
        result.message = result.issues[0].text
        request.environ[UPSTREAM_KEY] = exc.upstream
        return fhir_json(validate_code_parameters(result), headers={HEADER: exc.upstream})
    return _reply(
        with_issue(answer.body, answered_issue(system, answer)), answer.status, answer.upstream
    )
