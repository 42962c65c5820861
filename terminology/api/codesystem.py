"""CodeSystem operations: ``$lookup``, ``$validate-code`` and ``$subsumes`` at type and
instance level, GET and POST; ``$batch-validate-code`` (POST), answered as the ValueSet one is."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from terminology.api.delegated import code_system_upstream, lookup_upstream
from terminology.api.http import fhir_json, parameters, services, stored_instance
from terminology.api.memos import memos
from terminology.api.question import Question
from terminology.api.response_cache import cached
from terminology.api.valueset import answer_validation_batch
from terminology.codec import inputs, outputs
from terminology.operations.lookup import LookupRequest, lookup
from terminology.operations.subsumes import subsumes
from terminology.operations.validate_code import validate_in_code_system
from terminology.operations.validate_code_model import ValidateCodeRequest

bp = Blueprint("codesystem", __name__)


@bp.route("/CodeSystem/$lookup", methods=["GET", "POST"])
@bp.route("/CodeSystem/<cs_id>/$lookup", methods=["GET", "POST"])
def lookup_view(cs_id: str | None = None) -> Response:
    def compute() -> Response:
        q = _question()
        req = inputs.lookup_request(q.params, stored_instance("CodeSystem", cs_id))
        upstream = lookup_upstream(req, q.services)
        return upstream if upstream is not None else fhir_json(_lookup_parameters(req, q))

    return cached(compute)


def _question() -> Question:
    return Question(request.environ, parameters(), services(), memos())


def lookup_answer(q: Question, cs_id: str | None = None) -> dict[str, Any]:
    """The answer the direct lane sends (which is off when upstreams are configured)."""
    req = inputs.lookup_request(q.params, stored_instance("CodeSystem", cs_id))
    return _lookup_parameters(req, q)


def _lookup_parameters(req: LookupRequest, q: Question) -> dict[str, Any]:
    return outputs.lookup_parameters(lookup(req, q.services), q.memos.lookups)


@bp.route("/CodeSystem/$validate-code", methods=["GET", "POST"])
@bp.route("/CodeSystem/<cs_id>/$validate-code", methods=["GET", "POST"])
def validate_code_view(cs_id: str | None = None) -> Response:
    def compute() -> Response:
        q = _question()
        req = _validate_code_request(q, cs_id)
        upstream = code_system_upstream(req, q.services)
        if upstream is not None:
            return upstream
        return fhir_json(outputs.validate_code_parameters(validate_in_code_system(req, q.services)))

    return cached(compute)


def validate_code_answer(q: Question, cs_id: str | None = None) -> dict[str, Any]:
    """The answer the direct lane sends (which is off when upstreams are configured)."""
    req = _validate_code_request(q, cs_id)
    return outputs.validate_code_parameters(validate_in_code_system(req, q.services))


def _validate_code_request(q: Question, cs_id: str | None) -> ValidateCodeRequest:
    return q.validate_code_request(
        value_set_mode=False, instance=stored_instance("CodeSystem", cs_id)
    )


@bp.route("/CodeSystem/$subsumes", methods=["GET", "POST"])
@bp.route("/CodeSystem/<cs_id>/$subsumes", methods=["GET", "POST"])
def subsumes_view(cs_id: str | None = None) -> Response:
    return cached(
        lambda: fhir_json(
            subsumes_answer(Question(request.environ, parameters(), services(), memos()), cs_id)
        )
    )


def subsumes_answer(q: Question, cs_id: str | None = None) -> dict[str, Any]:
    req = inputs.subsumes_request(q.params, stored_instance("CodeSystem", cs_id))
    return outputs.subsumes_parameters(subsumes(req, q.services))


@bp.route("/CodeSystem/$batch-validate-code", methods=["GET", "POST"])
def batch_validate_code_view() -> Response:
    return answer_validation_batch(value_set_batch=False)
