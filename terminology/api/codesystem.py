"""CodeSystem operations: ``$lookup``, ``$validate-code`` and ``$subsumes`` at type and
instance level, GET and POST; ``$batch-validate-code`` (POST), answered as the ValueSet one is."""

from __future__ import annotations

from flask import Blueprint, Response, request

from terminology.api.delegated import code_system_upstream, lookup_upstream
from terminology.api.http import fhir_json, parameters, services, stored_instance
from terminology.api.memos import memos
from terminology.api.response_cache import cached
from terminology.api.valueset import answer_validation_batch
from terminology.codec import inputs, outputs
from terminology.operations.lookup import lookup
from terminology.operations.subsumes import subsumes
from terminology.operations.validate_code import validate_in_code_system

bp = Blueprint("codesystem", __name__)


@bp.route("/CodeSystem/$lookup", methods=["GET", "POST"])
@bp.route("/CodeSystem/<cs_id>/$lookup", methods=["GET", "POST"])
def lookup_view(cs_id: str | None = None) -> Response:
    def compute() -> Response:
        req = inputs.lookup_request(parameters(), stored_instance("CodeSystem", cs_id))
        svc = services()
        upstream = lookup_upstream(req, svc)
        if upstream is not None:
            return upstream
        result = lookup(req, svc)
        return fhir_json(outputs.lookup_parameters(result, memos().lookups))

    return cached(compute)


@bp.route("/CodeSystem/$validate-code", methods=["GET", "POST"])
@bp.route("/CodeSystem/<cs_id>/$validate-code", methods=["GET", "POST"])
def validate_code_view(cs_id: str | None = None) -> Response:
    def compute() -> Response:
        req = inputs.validate_code_request(
            parameters(),
            value_set_mode=False,
            instance=stored_instance("CodeSystem", cs_id),
            accept_language=request.environ.get("HTTP_ACCEPT_LANGUAGE"),
        )
        svc = services()
        upstream = code_system_upstream(req, svc)
        if upstream is not None:
            return upstream
        result = validate_in_code_system(req, svc)
        return fhir_json(outputs.validate_code_parameters(result))

    return cached(compute)


@bp.route("/CodeSystem/$subsumes", methods=["GET", "POST"])
@bp.route("/CodeSystem/<cs_id>/$subsumes", methods=["GET", "POST"])
def subsumes_view(cs_id: str | None = None) -> Response:
    def compute() -> Response:
        req = inputs.subsumes_request(parameters(), stored_instance("CodeSystem", cs_id))
        return fhir_json(outputs.subsumes_parameters(subsumes(req, services())))

    return cached(compute)


@bp.route("/CodeSystem/$batch-validate-code", methods=["GET", "POST"])
def batch_validate_code_view() -> Response:
    return answer_validation_batch(value_set_batch=False)
