"""ValueSet operations: ``$validate-code`` and ``$expand`` at type and instance level, GET and
POST."""

from __future__ import annotations

from flask import Blueprint, Response, request

from terminology.api.http import fhir_json, parameters, services, stored_instance
from terminology.api.response_cache import cached
from terminology.codec import inputs, outputs
from terminology.operations.expand import expand
from terminology.operations.validate_code import validate_in_value_set

bp = Blueprint("valueset", __name__)


@bp.route("/ValueSet/$validate-code", methods=["GET", "POST"])
@bp.route("/ValueSet/<vs_id>/$validate-code", methods=["GET", "POST"])
def validate_code_view(vs_id: str | None = None) -> Response:
    def compute() -> Response:
        svc = services()
        req = inputs.validate_code_request(
            parameters(),
            value_set_mode=True,
            instance=stored_instance("ValueSet", vs_id),
            accept_language=request.environ.get("HTTP_ACCEPT_LANGUAGE"),
        )
        return fhir_json(outputs.validate_code_parameters(validate_in_value_set(req, svc)))

    return cached(compute)


@bp.route("/ValueSet/$expand", methods=["GET", "POST"])
@bp.route("/ValueSet/<vs_id>/$expand", methods=["GET", "POST"])
def expand_view(vs_id: str | None = None) -> Response:
    svc = services()
    req = inputs.expand_request(
        parameters(),
        instance=stored_instance("ValueSet", vs_id),
        accept_language=request.environ.get("HTTP_ACCEPT_LANGUAGE"),
        threshold=request.headers.get("X-TOO-COSTLY-THRESHOLD"),
    )
    return fhir_json(outputs.expansion_value_set(expand(req, svc)))
