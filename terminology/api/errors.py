"""Every error leaves the server as an OperationOutcome, never as an HTML page or a traceback."""

from __future__ import annotations

import logging
import re

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from terminology.api import request_id
from terminology.api.auth import tokens
from terminology.api.http import discard_unread_body, fhir_json, reply_media
from terminology.codec.outcome import from_error, with_request_id
from terminology.errors import TerminologyError
from terminology.messages import Whole, msg

log = logging.getLogger("terminology")

#: The paths of creates, updates and deletes: ``[type]`` and ``[type]/[id]``.
_WRITE_PATH = re.compile(r"/(CodeSystem|ValueSet|ConceptMap)(/[A-Za-z0-9\-.]{1,64})?$")

_HTTP_ISSUE_CODES = {
    404: "not-found",
    405: "not-supported",
    413: "too-costly",
    415: "not-supported",
}


def _render(error: TerminologyError) -> Response:
    discard_unread_body()
    reply_media()  # an error found before the reply format was negotiated is in it too
    outcome = with_request_id(from_error(error), request_id.current())
    return fhir_json(outcome, status=error.status, headers=error.headers)


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    path = request.path[:200]
    headers: dict[str, str] = {}
    if status == 404:
        text = msg("UNKNOWN_ROUTE", path=path)
    elif isinstance(exc, MethodNotAllowed):
        allowed = ", ".join(sorted(exc.valid_methods or ()))
        text = msg("METHOD_NOT_ALLOWED", method=request.method, path=path, allowed=allowed)
        if _WRITE_PATH.search(path) and not tokens().writes_enabled:
            # A create, update or delete, which this server has not enabled.
            text = msg("WRITES_DISABLED", method=request.method, path=path, allowed=allowed)
        headers["Allow"] = allowed
    elif status == 413:
        text = msg("BODY_TOO_LARGE", limit=request.max_content_length)
    else:
        text = msg("HTTP_ERROR", description=Whole(exc.description or exc.name))
    code = _HTTP_ISSUE_CODES.get(status, "processing" if status >= 500 else "invalid")
    return _render(TerminologyError(text, status=status, code=code, headers=headers))


def _unexpected(exc: Exception) -> Response:
    if isinstance(exc, HTTPException):
        return _http_error(exc)
    log.exception("unhandled error on %s %s", request.method, request.path[:200])
    return _render(TerminologyError(msg("INTERNAL_ERROR"), status=500, code="exception"))


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(TerminologyError, _render)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
