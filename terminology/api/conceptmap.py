"""ConceptMap operations: ``$translate`` at type and instance level, GET and POST."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from terminology.api.http import (
    FHIR_VERSION_KEY,
    fhir_json,
    parameters,
    services,
    stored_instance,
)
from terminology.api.memos import memos
from terminology.api.question import Question
from terminology.api.response_cache import cached
from terminology.codec import outputs, translate_inputs
from terminology.operations.translate import translate_codings

bp = Blueprint("conceptmap", __name__)


@bp.route("/ConceptMap/$translate", methods=["GET", "POST"])
@bp.route("/ConceptMap/<cm_id>/$translate", methods=["GET", "POST"])
def translate_view(cm_id: str | None = None) -> Response:
    return cached(
        lambda: fhir_json(
            translate_answer(Question(request.environ, parameters(), services(), memos()), cm_id)
        )
    )


def translate_answer(q: Question, cm_id: str | None = None) -> dict[str, Any]:
    call = translate_inputs.translate_request(q.params, stored_instance("ConceptMap", cm_id))
    result = translate_codings(call.codings, call.request, q.services)
    r5 = FHIR_VERSION_KEY in q.environ
    return outputs.translate_parameters(result, r5_names=call.r5_names or r5, r5_only=r5)
