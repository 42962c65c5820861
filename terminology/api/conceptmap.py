"""ConceptMap operations: ``$translate`` at type and instance level, GET and POST."""

from __future__ import annotations

from flask import Blueprint, Response

from terminology.api.http import fhir_json, is_r5, parameters, services, stored_instance
from terminology.api.response_cache import cached
from terminology.codec import outputs, translate_inputs
from terminology.operations.translate import translate_codings

bp = Blueprint("conceptmap", __name__)


@bp.route("/ConceptMap/$translate", methods=["GET", "POST"])
@bp.route("/ConceptMap/<cm_id>/$translate", methods=["GET", "POST"])
def translate_view(cm_id: str | None = None) -> Response:
    def compute() -> Response:
        call = translate_inputs.translate_request(
            parameters(), stored_instance("ConceptMap", cm_id)
        )
        result = translate_codings(call.codings, call.request, services())
        r5 = is_r5()
        answer = outputs.translate_parameters(result, r5_names=call.r5_names or r5, r5_only=r5)
        return fhir_json(answer)

    return cached(compute)
