"""``$validate`` of orders and claims: ``POST [base]/ServiceRequest/$validate``,
``[base]/Claim/$validate`` and ``[base]/Bundle/$validate``, with the resource as the body or as
the ``resource`` parameter of a ``Parameters`` body.

The answer is an OperationOutcome, HTTP 200 whenever the resource could be read (problems are
issues in it); 400 when the body is not that resource type at all, or names a profile we do
not validate against.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, current_app

from terminology.api.http import body_resource, fhir_json, services
from terminology.api.snapshot import snapshot
from terminology.checks.findings import Finding
from terminology.checks.profiles import Profile
from terminology.checks.validate import ResourceValidator
from terminology.codec.outcome import validation_outcome
from terminology.codec.resource_structure import structure_problems
from terminology.errors import TerminologyError
from terminology.messages import msg

bp = Blueprint("validate_resource", __name__)
PROFILES = "terminology.profiles"
_MODES = frozenset({"create", "update", "delete", "profile"})


def _profiles() -> Mapping[str, Profile]:
    found: Mapping[str, Profile] = current_app.extensions[PROFILES]
    return found


def _structure(resource: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    return [(p.relative, p.text, p.code) for p in structure_problems(resource)]


def _unwrap(payload: Any, rtype: str) -> Mapping[str, Any]:
    """The resource to validate: the body itself, or a Parameters body's ``resource``
    (``mode`` and ``profile`` are checked)."""
    if not isinstance(payload, dict):
        raise TerminologyError(msg("VALIDATE_NOT_A_RESOURCE", type=rtype), code="structure")
    if payload.get("resourceType") == "Parameters" and rtype != "Parameters":
        resource: Any = None
        for parameter in payload.get("parameter") or ():
            if not isinstance(parameter, dict):
                continue
            name = parameter.get("name")
            if name == "resource":
                resource = parameter.get("resource")
            elif name == "mode" and str(parameter.get("valueCode")) not in _MODES:
                raise TerminologyError(
                    msg("VALIDATE_MODE", mode=str(parameter.get("valueCode"))[:40]),
                    code="not-supported",
                )
            elif name == "profile":
                _check_profile(parameter.get("valueUri") or parameter.get("valueCanonical"), rtype)
        payload = resource
    if not isinstance(payload, dict) or payload.get("resourceType") != rtype:
        actual = payload.get("resourceType") if isinstance(payload, dict) else None
        raise TerminologyError(
            msg("WRONG_RESOURCE_TYPE", expected=rtype, actual=repr(actual)[:60]),
            code="structure",
        )
    return payload


def _check_profile(profile: Any, rtype: str) -> None:
    ours = _profiles().get(rtype)
    known = {f"http://hl7.org/fhir/StructureDefinition/{rtype}"}
    if ours is not None:
        known |= {ours.url, f"{ours.url}|1.0.0"}
    if not isinstance(profile, str) or profile not in known:
        raise TerminologyError(
            msg("VALIDATE_PROFILE", profile=str(profile)[:200], known=", ".join(sorted(known))),
            code="not-supported",
        )


def _answer(findings: list[Finding]) -> Response:
    return fhir_json(validation_outcome(findings))


@bp.post("/ServiceRequest/$validate")
def validate_service_request() -> Response:
    return _validate("ServiceRequest")


@bp.post("/Claim/$validate")
def validate_claim() -> Response:
    return _validate("Claim")


@bp.post("/Bundle/$validate")
def validate_bundle() -> Response:
    resource = _unwrap(body_resource(), "Bundle")
    validator = ResourceValidator(services(), _profiles(), snapshot().ncci)
    return _answer(validator.bundle(resource, _structure))


def _validate(rtype: str) -> Response:
    resource = _unwrap(body_resource(), rtype)
    validator = ResourceValidator(services(), _profiles(), snapshot().ncci)
    return _answer(validator.resource(resource, _structure))
