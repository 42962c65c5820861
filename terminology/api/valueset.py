"""ValueSet operations: ``$validate-code`` and ``$expand`` at type and instance level, GET and
POST; ``$batch-validate-code`` (POST), whose every validation is answered as that
``$validate-code`` request alone."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request
from werkzeug.exceptions import MethodNotAllowed

from terminology import budget
from terminology.api import request_id
from terminology.api.delegated import expand_upstream
from terminology.api.delegated_value_sets import value_set_per_coding
from terminology.api.http import fhir_json, parameters, services, stored_instance
from terminology.api.memos import memos
from terminology.api.question import Question
from terminology.api.response_cache import cached
from terminology.codec import inputs, outputs
from terminology.codec.batch_inputs import BatchEntry, batch_entries
from terminology.codec.outcome import batch_entry_outcome, with_request_id
from terminology.errors import TerminologyError
from terminology.operations.context import Services
from terminology.operations.expand import expand
from terminology.operations.validate_code import validate_in_code_system, validate_in_value_set
from terminology.operations.validate_code_model import ValidateCodeRequest

bp = Blueprint("valueset", __name__)


@bp.route("/ValueSet/$validate-code", methods=["GET", "POST"])
@bp.route("/ValueSet/<vs_id>/$validate-code", methods=["GET", "POST"])
def validate_code_view(vs_id: str | None = None) -> Response:
    def compute() -> Response:
        q = Question(request.environ, parameters(), services(), memos())
        req = _validate_code_request(q, vs_id)
        result = validate_in_value_set(req, q.services)
        upstream = value_set_per_coding(req, result, q.services)
        if upstream is not None:
            return upstream
        return fhir_json(outputs.validate_code_parameters(result))

    return cached(compute)


def validate_code_answer(q: Question, vs_id: str | None = None) -> dict[str, Any]:
    """The answer the direct lane sends (which is off when upstreams are configured)."""
    req = _validate_code_request(q, vs_id)
    return outputs.validate_code_parameters(validate_in_value_set(req, q.services))


def _validate_code_request(q: Question, vs_id: str | None) -> ValidateCodeRequest:
    return q.validate_code_request(value_set_mode=True, instance=stored_instance("ValueSet", vs_id))


# GET is routed here too only to be refused as a method (405 naming POST), not read as the
# ValueSet whose id is "$batch-validate-code" (404).
@bp.route("/ValueSet/$batch-validate-code", methods=["GET", "POST"])
def batch_validate_code_view() -> Response:
    return answer_validation_batch(value_set_batch=True)


def answer_validation_batch(*, value_set_batch: bool) -> Response:
    """``ValueSet/$batch-validate-code`` (``value_set_batch``) or the CodeSystem one: each
    validation goes down the path of a single ``$validate-code`` request, on this request's
    content snapshot and within its work budget, and gets that request's answer; one that
    cannot be evaluated gets its OperationOutcome in its place and the others are answered.
    A batch that spends the whole budget is refused whole (422 ``too-costly``): its later
    validations could only be refused for the earlier ones' work."""
    if request.method != "POST":
        raise MethodNotAllowed(valid_methods=["POST"])
    svc = services()
    accept_language = request.environ.get("HTTP_ACCEPT_LANGUAGE")
    answers = []
    for entry in batch_entries(parameters(), value_set_batch=value_set_batch):
        try:
            answers.append(_validate(entry, svc, accept_language))
        except TerminologyError as error:
            if budget.exhausted():
                raise
            answers.append(with_request_id(batch_entry_outcome(error), request_id.current()))
    return fhir_json(outputs.batch_validation_parameters(answers))


def _validate(entry: BatchEntry, svc: Services, accept_language: str | None) -> dict[str, Any]:
    if entry.error is not None:
        raise entry.error
    assert entry.params is not None
    req = inputs.validate_code_request(
        entry.params, value_set_mode=entry.value_set_mode, accept_language=accept_language
    )
    validate = validate_in_value_set if entry.value_set_mode else validate_in_code_system
    return outputs.validate_code_parameters(validate(req, svc))


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
    upstream = expand_upstream(req, svc)
    if upstream is not None:
        return upstream
    return fhir_json(outputs.expansion_value_set(expand(req, svc)))
