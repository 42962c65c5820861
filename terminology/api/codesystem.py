"""CodeSystem operations: ``$lookup`` at type and instance level, GET and POST."""

from __future__ import annotations

from flask import Blueprint, Response

from terminology.api.http import fhir_json, parameters, services
from terminology.codec import inputs, outputs
from terminology.errors import TerminologyError
from terminology.messages import msg
from terminology.operations.lookup import lookup

bp = Blueprint("codesystem", __name__)


@bp.route("/CodeSystem/$lookup", methods=["GET", "POST"])
@bp.route("/CodeSystem/<cs_id>/$lookup", methods=["GET", "POST"])
def lookup_view(cs_id: str | None = None) -> Response:
    svc = services()
    instance = None
    if cs_id is not None:
        instance = svc.code_systems.read(cs_id)
        if instance is None:
            raise TerminologyError(
                msg("UNKNOWN_RESOURCE", type="CodeSystem", id=cs_id[:64]),
                status=404,
                code="not-found",
            )
    request = inputs.lookup_request(parameters(), instance)
    return fhir_json(outputs.lookup_parameters(lookup(request, svc)))
