"""ValueSet operations: ``$validate-code`` and ``$expand`` at type and instance level, GET and
POST."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, request

from terminology.api.http import fhir_json, parameters, services
from terminology.api.response_cache import cached
from terminology.codec import inputs, outputs
from terminology.errors import TerminologyError
from terminology.messages import msg
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
            instance=_instance(vs_id),
            accept_language=request.headers.get("Accept-Language"),
        )
        return fhir_json(outputs.validate_code_parameters(validate_in_value_set(req, svc)))

    return cached(compute)


@bp.route("/ValueSet/$expand", methods=["GET", "POST"])
@bp.route("/ValueSet/<vs_id>/$expand", methods=["GET", "POST"])
def expand_view(vs_id: str | None = None) -> Response:
    svc = services()
    req = inputs.expand_request(
        parameters(),
        instance=_instance(vs_id),
        accept_language=request.headers.get("Accept-Language"),
        threshold=request.headers.get("X-TOO-COSTLY-THRESHOLD"),
    )
    return fhir_json(outputs.expansion_value_set(expand(req, svc)))


def _instance(vs_id: str | None) -> Mapping[str, Any] | None:
    """The stored ValueSet of an instance-level call; 404 when there is none."""
    if vs_id is None:
        return None
    instance = services().value_sets.read(vs_id)
    if instance is None:
        raise TerminologyError(
            msg("UNKNOWN_RESOURCE", type="ValueSet", id=vs_id[:64]), status=404, code="not-found"
        )
    return instance
