"""The read and search interactions on the served resource types: CodeSystem, ValueSet,
ConceptMap (``GET [type]/[id]``, ``GET [type]``, ``POST [type]/_search``)."""

from __future__ import annotations

import re

from flask import Blueprint, Response, request

from terminology.api.http import base_url, fhir_json, parameters, services
from terminology.api.memos import memos
from terminology.codec import inputs, outputs
from terminology.errors import TerminologyError
from terminology.messages import msg
from terminology.operations.search import search

bp = Blueprint("read_search", __name__)

_TYPES = "any(CodeSystem, ValueSet, ConceptMap)"
_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")


@bp.get(f"/<{_TYPES}:rtype>")
@bp.post(f"/<{_TYPES}:rtype>/_search")
def search_type(rtype: str) -> Response:
    query = list(request.args.items(multi=True))
    if request.method == "POST":
        # _search takes its parameters as a form body; merge them after the query string.
        query += [
            (p.name, str(p.value))
            for p in parameters()
            if p.kind == "query" and (p.name, p.value) not in query
        ]
    search_req = inputs.search_request(rtype, query)
    result = search(search_req, services())
    bundle = outputs.searchset(search_req, result, base_url(), query, memos().concept_counts)
    return fhir_json(bundle)


@bp.get(f"/<{_TYPES}:rtype>/<rid>")
def read(rtype: str, rid: str) -> Response:
    resource = services().repository(rtype).read(rid) if _ID.fullmatch(rid) else None
    if resource is None:
        raise TerminologyError(
            msg("UNKNOWN_RESOURCE", type=rtype, id=rid[:64]), status=404, code="not-found"
        )
    search_req = inputs.search_request(rtype, request.args.items(multi=True))
    return fhir_json(outputs.read_body(resource, search_req.summary, search_req.elements))
