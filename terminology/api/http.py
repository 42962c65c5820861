"""HTTP conventions shared by every endpoint: content negotiation, request bodies, JSON replies.

Checks run in the order clients can act on: first the size of the request's query string (414)
and headers (431), kept well below the WSGI server's own limits so that the reply is an
OperationOutcome and not the server's empty one; an unknown route (404) or method (405) is found
by routing; then the reply format (406), the body's media type (415), its size (413), and only
then its content (400).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from flask import Response, current_app, request

from terminology import budget
from terminology.api.negotiation import (
    ANY_FORMAT,
    FHIR_JSON,
    FHIR_XML,
    XML_REPLIES,
    fhir_version,
    media_and_params,
    negotiate,
)
from terminology.api.snapshot import snapshot
from terminology.codec.fhir_xml import XML_MEDIA_TYPES, to_xml
from terminology.codec.fhir_xml_read import parse_xml
from terminology.codec.parameters import (
    FORM_MEDIA_TYPE,
    JSON_MEDIA_TYPES,
    ParamBag,
    parse_json,
    parse_query,
    read_parameters,
)
from terminology.codec.r5 import R4, R5, to_r5
from terminology.errors import TerminologyError
from terminology.messages import msg
from terminology.operations.context import Services

_DRAIN_LIMIT = 64 * 1024 * 1024
#: Methods whose body is read: operations and creates (POST), updates (PUT).
_BODY_METHODS = frozenset({"POST", "PUT"})
#: The environ key saying a request is answered as FHIR R5; absent, it is R4. The one place
#: the version of a request is kept: the codec converts what it answers by it (``codec/r5.py``)
#: and nothing behind the edge reads it.
FHIR_VERSION_KEY = "terminology.fhir"


def services() -> Services:
    """The services of the content snapshot the current request is answered from."""
    return snapshot().services


def on_r5_base(environ: Mapping[str, Any], prefix: str) -> bool:
    """Whether the request's path is under the R5 base ``prefix`` (``/fhir/r5``). One
    ``startswith`` for every other request."""
    path: str = environ["PATH_INFO"]
    return path.startswith(prefix) and (len(path) == len(prefix) or path[len(prefix)] == "/")


def reply_media() -> str:
    """The reply's media type: negotiated by ``check_request``; for an error found before that
    (a 404 route, a 414), negotiated here, and FHIR JSON when the request asks for nothing we
    write."""
    environ = request.environ
    media: str | None = environ.get("terminology.media")
    if media is None:
        try:
            media = negotiate(environ)[0]
        except TerminologyError:
            media = FHIR_JSON
        if media == ANY_FORMAT:
            content_type = environ.get("CONTENT_TYPE") or ""
            xml = media_and_params(content_type)[0] in XML_MEDIA_TYPES
            media = FHIR_XML if xml else FHIR_JSON
        environ["terminology.media"] = media
    return media


def check_head_size(environ: Mapping[str, Any], config: Mapping[str, Any]) -> None:
    query_bytes = len(environ.get("QUERY_STRING", ""))
    if query_bytes > config["MAX_QUERY_BYTES"]:
        raise TerminologyError(
            msg("QUERY_TOO_LONG", size=query_bytes, limit=config["MAX_QUERY_BYTES"]),
            status=414,
            code="too-long",
        )
    # Each header line as sent: name, ': ', value, CRLF (WSGI names carry 'HTTP_' for the ': ').
    header_bytes = sum([len(k) + len(v) - 1 for k, v in environ.items() if k[:5] == "HTTP_"])
    for key, name_length in (("CONTENT_TYPE", 12), ("CONTENT_LENGTH", 14)):
        if key in environ:
            header_bytes += name_length + len(environ[key]) + 4
    if header_bytes > config["MAX_HEADER_BYTES"]:
        raise TerminologyError(
            msg("HEADERS_TOO_LARGE", size=header_bytes, limit=config["MAX_HEADER_BYTES"]),
            status=431,
            code="too-long",
        )


def check_request() -> None:
    """Runs before every view: the request's size, then (once routing found the view) the reply
    format, then the body's type and size."""
    config = current_app.config
    budget.start(config["REQUEST_BUDGET"])
    req = request._get_current_object()  # type: ignore[attr-defined]  # one proxy lookup
    environ = req.environ
    check_head_size(environ, config)
    if req.routing_exception is not None:
        return  # let routing report 404 / 405 first
    if environ["REQUEST_METHOD"] == "OPTIONS":
        return  # answered with the endpoint's methods and no body, in any format
    check_routed_request(environ, config, req.content_length)


def check_routed_request(
    environ: dict[str, Any], config: Mapping[str, Any], length: int | None
) -> None:
    """The checks of ``check_request`` once routing found the view: the reply format and
    FHIR version (noted in ``environ``), then the body's type and size (``length`` is the
    declared one). Shared by the direct lane (``api/lane.py``), which has no request object."""
    asked, version = negotiate(environ)
    environ["terminology.media"] = FHIR_JSON if asked == ANY_FORMAT else asked
    if on_r5_base(environ, config["FHIR_R5_PATH"]):
        if version == R4:
            raise TerminologyError(
                msg("R5_ENDPOINT_VERSION", asked=version), status=406, code="not-supported"
            )
        environ[FHIR_VERSION_KEY] = R5
    elif version == R5:
        environ[FHIR_VERSION_KEY] = R5
    if environ["REQUEST_METHOD"] not in _BODY_METHODS:
        return
    content_type = environ.get("CONTENT_TYPE")
    if not content_type:
        if length:
            raise TerminologyError(
                msg("UNSUPPORTED_MEDIA_TYPE", media="(none)"), status=415, code="not-supported"
            )
        return
    media, params = media_and_params(content_type)
    environ["terminology.body_media"] = media
    if asked == ANY_FORMAT and media in XML_MEDIA_TYPES:
        environ["terminology.media"] = FHIR_XML
    if media not in JSON_MEDIA_TYPES and media != FORM_MEDIA_TYPE and media not in XML_MEDIA_TYPES:
        raise TerminologyError(
            msg("UNSUPPORTED_MEDIA_TYPE", media=media[:60]), status=415, code="not-supported"
        )
    if media != FORM_MEDIA_TYPE and "fhirversion" in params:
        # A body in either version is read alike; one the client says is R5, sent to the R4
        # base without saying what the reply should be, is answered as R5 too.
        if fhir_version(params, status=415) == R5 and version is None:
            environ[FHIR_VERSION_KEY] = R5
    limit = config["MAX_BODY_BYTES"]
    if length is not None and length > limit:
        _drain()
        raise TerminologyError(msg("BODY_TOO_LARGE", limit=limit), status=413, code="too-costly")


def _drain() -> None:
    """Read and discard an oversized body so the client sees our 413, not a reset connection."""
    stream = request.stream
    remaining = _DRAIN_LIMIT
    while remaining > 0:
        chunk = stream.read(min(65536, remaining))
        if not chunk:
            return
        remaining -= len(chunk)


def discard_unread_body() -> None:
    """Read and drop a body the request declared but no view read (an error answered before
    it, a 405 on PATCH): left in the stream, it would be parsed as the connection's next
    request, and that keep-alive connection would fail."""
    environ = request.environ
    if "terminology.body" in environ or environ.get("terminology.drained"):
        return
    environ["terminology.drained"] = True
    length = environ.get("CONTENT_LENGTH")
    if length and length.isdigit() and int(length) > 0:
        _drain()


def body() -> bytes | None:
    """The request body (read once; later calls get the same bytes)."""
    return body_of(request.environ, current_app.config["MAX_BODY_BYTES"])


def body_of(environ: dict[str, Any], limit: int) -> bytes | None:
    """The body of the request ``environ`` describes, read once and kept in it."""
    if environ["REQUEST_METHOD"] not in _BODY_METHODS:
        return None
    if "terminology.body" in environ:
        read: bytes | None = environ["terminology.body"]
        return read
    data = _read_body(environ, limit)
    environ["terminology.body"] = data
    return data


def _read_body(environ: dict[str, Any], limit: int) -> bytes | None:
    length = environ.get("CONTENT_LENGTH")
    if length and length.isdigit() and int(length) <= limit:
        # The common case: a declared length within the limit, read straight from the server.
        return environ["wsgi.input"].read(int(length)) or None
    # No length, or a chunked body: only in a Flask request (the direct lane takes neither).
    data = request.stream.read(limit + 1)
    if len(data) > limit:
        _drain()
        raise TerminologyError(msg("BODY_TOO_LARGE", limit=limit), status=413, code="too-costly")
    return data or None


def body_resource() -> Any:
    """The request body read as a FHIR resource: FHIR JSON, or FHIR XML read into the same
    dict, by its media type (checked by ``check_request``)."""
    data = body() or b""
    environ = request.environ
    if environ.get("terminology.body_media") in XML_MEDIA_TYPES:
        return parse_xml(data, FHIR_VERSION_KEY in environ)
    return parse_json(data)


def parameters() -> ParamBag:
    """The operation's parameters from the query string and any form or Parameters body."""
    return parameters_of(request.environ, current_app.config["MAX_BODY_BYTES"])


def parameters_of(environ: dict[str, Any], limit: int) -> ParamBag:
    """``parameters`` of the request ``environ`` describes, its body within ``limit``."""
    media = environ.get("terminology.body_media")
    if media is None:
        content_type = environ.get("CONTENT_TYPE", "")
        media = media_and_params(content_type)[0] if content_type else None
    query = parse_query(environ.get("QUERY_STRING", ""))
    return read_parameters(query, body_of(environ, limit), media, FHIR_VERSION_KEY in environ)


_CONTENT_TYPES = {
    FHIR_JSON: f"{FHIR_JSON};charset=utf-8",
    "application/json": "application/json;charset=utf-8",
    FHIR_XML: f"{FHIR_XML};charset=utf-8",
    "application/xml": "application/xml;charset=utf-8",
    "text/xml": "text/xml;charset=utf-8",
}


def is_r5() -> bool:
    """Whether the current request is answered as FHIR R5."""
    return FHIR_VERSION_KEY in request.environ


def fhir_bytes(body: bytes, status: int = 200) -> Response:
    """An already encoded body, in the negotiated format."""
    media = request.environ.get("terminology.media", FHIR_JSON)
    return Response(body, status=status, content_type=_CONTENT_TYPES[media])


def fhir_json(
    resource: Mapping[str, Any], status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """A FHIR resource (a JSON dict) as the reply, in FHIR JSON or, when negotiated, FHIR XML."""
    environ = request.environ
    encoded = encode_for(environ, resource)
    response = Response(encoded, status=status, content_type=content_type_of(environ))
    if headers:
        response.headers.update(headers)
    return response


def encode(resource: Mapping[str, Any]) -> bytes:
    """``resource`` encoded in the reply's format and FHIR version (for bodies that are memoised
    encoded)."""
    return encode_for(request.environ, resource)


def content_type_of(environ: Mapping[str, Any]) -> str:
    """The reply's ``Content-Type``: the negotiated media type, in UTF-8."""
    return _CONTENT_TYPES[environ.get("terminology.media", FHIR_JSON)]


def encode_for(environ: Mapping[str, Any], resource: Mapping[str, Any]) -> bytes:
    """``encode`` for the request ``environ`` describes."""
    if FHIR_VERSION_KEY in environ:
        resource = to_r5(resource)
    if environ.get("terminology.media", FHIR_JSON) in XML_REPLIES:
        return to_xml(resource, FHIR_VERSION_KEY in environ)
    return orjson.dumps(resource)


def base_path() -> str:
    """The FHIR base the request was sent to: ``/fhir`` or, for R5, ``/fhir/r5``."""
    config = current_app.config
    if on_r5_base(request.environ, config["FHIR_R5_PATH"]):
        r5: str = config["FHIR_R5_PATH"]
        return r5
    r4: str = config["FHIR_BASE_PATH"]
    return r4


def base_url() -> str:
    return request.host_url.rstrip("/") + base_path()


def stored_instance(resource_type: str, resource_id: str | None) -> Mapping[str, Any] | None:
    """The stored resource of an instance-level operation (``[type]/[id]/$op``); 404 when the
    id is unknown, None for a type-level call."""
    if resource_id is None:
        return None
    found = services().repository(resource_type).read(resource_id)
    if found is None:
        raise TerminologyError(
            msg("UNKNOWN_RESOURCE", type=resource_type, id=resource_id[:64]),
            status=404,
            code="not-found",
        )
    return found
