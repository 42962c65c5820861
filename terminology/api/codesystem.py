"""CodeSystem operations: ``$lookup`` at type and instance level, GET and POST."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, request

from terminology.api.http import fhir_json, parameters, services
from terminology.api.response_cache import cached
from terminology.codec import inputs, outputs
from terminology.errors import TerminologyError
from terminology.messages import msg
from terminology.operations.lookup import lookup
from terminology.operations.validate_code import validate_in_code_system

bp = Blueprint("codesystem", __name__)


@bp.route("/CodeSystem/$lookup", methods=["GET", "POST"])
@bp.route("/CodeSystem/<cs_id>/$lookup", methods=["GET", "POST"])
def lookup_view(cs_id: str | None = None) -> Response:
    def compute() -> Response:
        req = inputs.lookup_request(parameters(), _instance(cs_id))
        return fhir_json(outputs.lookup_parameters(lookup(req, services())))

    return cached(compute)


@bp.route("/CodeSystem/$validate-code", methods=["GET", "POST"])
@bp.route("/CodeSystem/<cs_id>/$validate-code", methods=["GET", "POST"])
def validate_code_view(cs_id: str | None = None) -> Response:
    def compute() -> Response:
        req = inputs.validate_code_request(
            parameters(),
            value_set_mode=False,
            instance=_instance(cs_id),
            accept_language=request.headers.get("Accept-Language"),
        )
        result = validate_in_code_system(req, services())
        return fhir_json(outputs.validate_code_parameters(result))

    return cached(compute)


def _instance(cs_id: str | None) -> Mapping[str, Any] | None:
    if cs_id is None:
        return None
    instance = services().code_systems.read(cs_id)
    if instance is None:
        raise TerminologyError(
            msg("UNKNOWN_RESOURCE", type="CodeSystem", id=cs_id[:64]), status=404, code="not-found"
        )
    return instance
