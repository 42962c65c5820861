"""HTTP conventions shared by every endpoint: content negotiation, request bodies, JSON replies.

Checks run in the order clients can act on: first the size of the request's query string (414)
and headers (431), kept well below the WSGI server's own limits so that the reply is an
OperationOutcome and not the server's empty one; an unknown route (404) or method (405) is found
by routing; then the reply format (406), the body's media type (415), its size (413), and only
then its content (400).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import orjson
from flask import Response, current_app, request

from terminology import budget
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

FHIR_JSON = "application/fhir+json"
FHIR_XML = "application/fhir+xml"
#: What ``_format`` or ``Accept`` may name, and the media type of the reply it gets.
_FORMAT_ALIASES = {
    "json": FHIR_JSON,
    "application/json": "application/json",
    FHIR_JSON: FHIR_JSON,
    "application/json+fhir": FHIR_JSON,
    "text/json": "application/json",
    "xml": FHIR_XML,
    FHIR_XML: FHIR_XML,
    "application/xml+fhir": FHIR_XML,
    "application/xml": "application/xml",
    "text/xml": "text/xml",
}
#: What ``negotiate`` says when the client left the format to us: FHIR JSON, or FHIR XML when
#: the request's body is XML (as HAPI does), so an XML client need not also set ``Accept``.
ANY_FORMAT = "*"
#: Replies written as FHIR XML; every other reply is FHIR JSON.
XML_REPLIES = frozenset({FHIR_XML, "application/xml", "text/xml"})
_ANY = {"*/*", "application/*"}
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


def _media_and_params(value: str) -> tuple[str, dict[str, str]]:
    media, *raw_params = value.split(";")
    params = {}
    for raw in raw_params:
        key, _, val = raw.partition("=")
        params[key.strip().lower()] = val.strip().strip('"')
    return media.strip().lower(), params


def _fhir_version(params: Mapping[str, str], status: int = 406) -> str | None:
    """The FHIR version a media type's ``fhirVersion`` names (None when it names none); 406
    (415 for a body) for one this server does not speak."""
    asked = params.get("fhirversion")
    if not asked:
        return None
    for version in (R4, R5):
        if asked.startswith(version):
            return version
    raise TerminologyError(
        msg("NOT_ACCEPTABLE_VERSION", asked=asked[:20]), status=status, code="not-supported"
    )


def on_r5_base(environ: Mapping[str, Any], prefix: str) -> bool:
    """Whether the request's path is under the R5 base ``prefix`` (``/fhir/r5``). One
    ``startswith`` for every other request."""
    path: str = environ["PATH_INFO"]
    return path.startswith(prefix) and (len(path) == len(prefix) or path[len(prefix)] == "/")


def negotiate(environ: Mapping[str, Any]) -> tuple[str, str | None]:
    """The media type of the reply, ``ANY_FORMAT`` when the client named none (no ``Accept``,
    or only a wildcard), and the FHIR version it asked for (None when it named none); 406 when
    the client accepts nothing we produce."""
    fmt = request.args.get("_format") if "_format" in environ.get("QUERY_STRING", "") else None
    if fmt:
        media, params = _media_and_params(fmt)
        # '+' in a query string means a space, so '_format=application/fhir+json' sent without
        # encoding the '+' arrives as 'application/fhir json'. A media type has no spaces.
        media = "+".join(media.split())
        if media not in _FORMAT_ALIASES:
            raise TerminologyError(
                msg("NOT_ACCEPTABLE", asked=fmt[:60]), status=406, code="not-supported"
            )
        return _FORMAT_ALIASES[media], _fhir_version(params)
    accept = environ.get("HTTP_ACCEPT", "").strip()
    if not accept:
        return ANY_FORMAT, None
    return _negotiate_accept(accept)


# Memoised process-wide on purpose: the media type is a pure function of the Accept header (no
# app, no content), so every app may share it, and clients send the same few headers over and
# over. Bounded, since the header is the client's: the least recently used entry goes first.
# A header that is refused (406) raises and is not memoised.
@functools.lru_cache(maxsize=256)
def _negotiate_accept(accept: str) -> tuple[str, str | None]:
    """The best of what the client accepts: highest quality first; at equal quality a named
    type before a wildcard, then the client's order. ``q=0`` means not acceptable."""
    candidates = []
    for index, item in enumerate(accept.split(",")):
        media, params = _media_and_params(item)
        quality = _quality(params.get("q"))
        if quality <= 0:
            continue
        if media in _FORMAT_ALIASES or media in _ANY:
            candidates.append((-quality, media in _ANY, index, media, params))
    if candidates:
        _, _, _, media, params = min(candidates)
        return _FORMAT_ALIASES.get(media, ANY_FORMAT), _fhir_version(params)
    raise TerminologyError(
        msg("NOT_ACCEPTABLE", asked=accept[:60]), status=406, code="not-supported"
    )


def _quality(value: str | None) -> float:
    if value is None:
        return 1.0
    try:
        quality = float(value)
    except ValueError:
        return 1.0  # a malformed weight is read as none
    return quality if 0 <= quality <= 1 else 1.0


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
            xml = _media_and_params(content_type)[0] in XML_MEDIA_TYPES
            media = FHIR_XML if xml else FHIR_JSON
        environ["terminology.media"] = media
    return media


def _check_head_size(environ: Mapping[str, Any], config: Mapping[str, Any]) -> None:
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
    _check_head_size(environ, config)
    if req.routing_exception is not None:
        return  # let routing report 404 / 405 first
    if environ["REQUEST_METHOD"] == "OPTIONS":
        return  # answered with the endpoint's methods and no body, in any format
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
    length = req.content_length
    content_type = environ.get("CONTENT_TYPE")
    if not content_type:
        if length:
            raise TerminologyError(
                msg("UNSUPPORTED_MEDIA_TYPE", media="(none)"), status=415, code="not-supported"
            )
        return
    media, params = _media_and_params(content_type)
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
        if _fhir_version(params, status=415) == R5 and version is None:
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
    environ = request.environ
    if environ["REQUEST_METHOD"] not in _BODY_METHODS:
        return None
    if "terminology.body" in environ:
        read: bytes | None = environ["terminology.body"]
        return read
    data = _read_body(environ)
    environ["terminology.body"] = data
    return data


def _read_body(environ: dict[str, Any]) -> bytes | None:
    limit = current_app.config["MAX_BODY_BYTES"]
    length = environ.get("CONTENT_LENGTH")
    if length and length.isdigit() and int(length) <= limit:
        # The common case: a declared length within the limit, read straight from the server.
        return environ["wsgi.input"].read(int(length)) or None
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
    environ = request.environ
    media = environ.get("terminology.body_media")
    if media is None:
        content_type = environ.get("CONTENT_TYPE", "")
        media = _media_and_params(content_type)[0] if content_type else None
    query = parse_query(environ.get("QUERY_STRING", ""))
    return read_parameters(query, body(), media, FHIR_VERSION_KEY in environ)


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
    media = environ.get("terminology.media", FHIR_JSON)
    if FHIR_VERSION_KEY in environ:
        resource = to_r5(resource)
    if media in XML_REPLIES:
        encoded = to_xml(resource, FHIR_VERSION_KEY in environ)
    else:
        encoded = orjson.dumps(resource)
    response = Response(encoded, status=status, content_type=_CONTENT_TYPES[media])
    if headers:
        response.headers.update(headers)
    return response


def encode(resource: Mapping[str, Any]) -> bytes:
    """``resource`` encoded in the reply's format and FHIR version (for bodies that are memoised
    encoded)."""
    environ = request.environ
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
