"""A FHIR ``batch`` Bundle POSTed to the base: each entry's request (``$validate`` of an order
or claim, ``$lookup``, ``$validate-code``, ``$expand``, a read or search) is answered on its
own, as if sent alone, and the answers come back as a ``batch-response`` Bundle in entry order.
A failing entry does not fail the batch: its entry carries its status and OperationOutcome.

Entries are dispatched through the app itself (its routes, checks and error handling), all on
the content snapshot the batch started with.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

import orjson
from flask import Blueprint, Response, current_app

from terminology.api import request_id
from terminology.api.http import base_path, body_resource, fhir_json, is_r5
from terminology.api.negotiation import FHIR_JSON
from terminology.api.snapshot import ENVIRON_KEY, snapshot
from terminology.codec.outcome import issue, operation_outcome, with_request_id
from terminology.codec.r5 import R5
from terminology.errors import TerminologyError
from terminology.messages import msg

bp = Blueprint("batch", __name__)

#: The most entries one batch may hold; a bigger batch is refused as too costly.
MAX_ENTRIES = 1000
_METHODS = frozenset({"GET", "POST"})


@bp.post("")
@bp.post("/")
def batch() -> Response:
    bundle = body_resource()
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        actual = bundle.get("resourceType") if isinstance(bundle, dict) else None
        raise TerminologyError(
            msg("WRONG_RESOURCE_TYPE", expected="Bundle", actual=repr(actual)[:60]),
            code="structure",
        )
    if bundle.get("type") != "batch":
        raise TerminologyError(
            msg("BATCH_TYPE", type=str(bundle.get("type"))[:40]), code="not-supported"
        )
    entries = bundle.get("entry") or []
    if not isinstance(entries, list):
        raise TerminologyError(msg("BATCH_ENTRIES"), code="structure")
    if len(entries) > MAX_ENTRIES:
        raise TerminologyError(
            msg("BATCH_TOO_LARGE", count=len(entries), limit=MAX_ENTRIES),
            status=422,
            code="too-costly",
        )
    answers = [_answer(entry) for entry in entries]
    return fhir_json({"resourceType": "Bundle", "type": "batch-response", "entry": answers})


def _answer(entry: Any) -> dict[str, Any]:
    try:
        method, path, query, payload = _request_of(entry)
    except TerminologyError as error:
        return _failed(error.status, error.message)
    pinned = snapshot()
    client = current_app.test_client()
    # Each entry in the batch's FHIR version: R5 entries of an R5 batch, whatever its base.
    accept = f"{FHIR_JSON}; fhirVersion={R5}" if is_r5() else FHIR_JSON
    response = client.open(
        path,
        method=method,
        query_string=query,
        data=orjson.dumps(payload) if payload is not None else None,
        headers={"Accept": accept, "Content-Type": FHIR_JSON}
        if payload is not None
        else {"Accept": accept},
        environ_overrides={ENVIRON_KEY: pinned, request_id.ENVIRON_KEY: request_id.current()},
    )
    try:
        resource = orjson.loads(response.get_data())
    except orjson.JSONDecodeError:
        resource = None
    status = _status_line(response.status_code)
    if response.status_code >= 400:
        out: dict[str, Any] = {"response": {"status": status}}
        if isinstance(resource, dict):
            out["response"]["outcome"] = resource
        return out
    return {"resource": resource, "response": {"status": status}}


def _request_of(entry: Any) -> tuple[str, str, str, Mapping[str, Any] | None]:
    """(method, path under the app, query, body) of one batch entry."""
    if not isinstance(entry, Mapping) or not isinstance(entry.get("request"), Mapping):
        raise TerminologyError(msg("BATCH_ENTRY_REQUEST"), code="structure")
    req = entry["request"]
    method = req.get("method")
    url = req.get("url")
    if method not in _METHODS or not isinstance(url, str) or not url:
        raise TerminologyError(msg("BATCH_ENTRY_REQUEST"), code="structure")
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or parts.path.startswith("/"):
        raise TerminologyError(msg("BATCH_ENTRY_URL", url=url[:200]), code="not-supported")
    path = f"{base_path()}/{parts.path}"
    if parts.path.strip("/") == "":
        raise TerminologyError(msg("BATCH_NESTED"), code="not-supported")
    resource = entry.get("resource")
    if method == "POST" and not isinstance(resource, Mapping):
        raise TerminologyError(msg("BATCH_ENTRY_REQUEST"), code="structure")
    return method, path, parts.query, resource if method == "POST" else None


def _failed(status: int, text: str) -> dict[str, Any]:
    outcome = with_request_id(
        operation_outcome([issue("error", "invalid", text)]), request_id.current()
    )
    return {"response": {"status": _status_line(status), "outcome": outcome}}


def _status_line(code: int) -> str:
    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return str(code)
