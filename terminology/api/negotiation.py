"""Content negotiation: which format and FHIR version a reply is written in, from ``_format``
or ``Accept`` (a 406 when the client accepts nothing we write)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from werkzeug import urls as _registers_url_quote  # noqa: F401  ('werkzeug.url_quote' errors)

from terminology.codec.r5 import R4, R5
from terminology.errors import TerminologyError
from terminology.messages import msg

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


def media_and_params(value: str) -> tuple[str, dict[str, str]]:
    media, *raw_params = value.split(";")
    params = {}
    for raw in raw_params:
        key, _, val = raw.partition("=")
        params[key.strip().lower()] = val.strip().strip('"')
    return media.strip().lower(), params


def fhir_version(params: Mapping[str, str], status: int = 406) -> str | None:
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


def negotiate(environ: Mapping[str, Any]) -> tuple[str, str | None]:
    """The media type of the reply, ``ANY_FORMAT`` when the client named none (no ``Accept``,
    or only a wildcard), and the FHIR version it asked for (None when it named none); 406 when
    the client accepts nothing we produce."""
    fmt = _query_format(environ) if "_format" in environ.get("QUERY_STRING", "") else None
    if fmt:
        media, params = media_and_params(fmt)
        # '+' in a query string means a space, so '_format=application/fhir+json' sent without
        # encoding the '+' arrives as 'application/fhir json'. A media type has no spaces.
        media = "+".join(media.split())
        if media not in _FORMAT_ALIASES:
            raise TerminologyError(
                msg("NOT_ACCEPTABLE", asked=fmt[:60]), status=406, code="not-supported"
            )
        return _FORMAT_ALIASES[media], fhir_version(params)
    accept = environ.get("HTTP_ACCEPT", "").strip()
    if not accept:
        return ANY_FORMAT, None
    return _negotiate_accept(accept)


def _query_format(environ: Mapping[str, Any]) -> str | None:
    """The first ``_format`` of the query string, decoded exactly as Werkzeug's ``request.args``
    decodes it (invalid bytes stay percent-encoded), without a request object."""
    query: str = environ.get("QUERY_STRING", "")
    decoded = query.encode("latin1").decode()
    for name, value in parse_qsl(decoded, keep_blank_values=True, errors="werkzeug.url_quote"):
        if name == "_format":
            return value
    return None


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
        media, params = media_and_params(item)
        quality = _quality(params.get("q"))
        if quality <= 0:
            continue
        if media in _FORMAT_ALIASES or media in _ANY:
            candidates.append((-quality, media in _ANY, index, media, params))
    if candidates:
        _, _, _, media, params = min(candidates)
        return _FORMAT_ALIASES.get(media, ANY_FORMAT), fhir_version(params)
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
