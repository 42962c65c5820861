"""gzip on the wire: replies for clients that accept it, and request bodies sent compressed.

A reply of at least ``gzip_min_bytes`` is gzipped (zlib, ``gzip_level``) when the request's
``Accept-Encoding`` allows gzip (``gzip``, ``x-gzip`` or ``*`` with a q-value above 0); never a
304 or a 204, which have no body. Small replies are sent as they are: below about a kilobyte
the bytes saved do not pay for the work. The ETag stays weak and the same, as nginx keeps it:
the decoded answer is the same.

A request body with ``Content-Encoding: gzip`` is inflated before any view reads it, to at most
``MAX_BODY_BYTES``: the limit applies to what the body decompresses to, so a small body that
inflates to gigabytes (a gzip bomb) is refused with a 413 after inflating one byte more than the
limit. Other encodings are a 415 that names gzip in ``Accept-Encoding`` (RFC 7694).
"""

from __future__ import annotations

import functools
import zlib
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, current_app, request
from werkzeug.datastructures import Headers

from terminology.api.http import body
from terminology.errors import TerminologyError
from terminology.messages import msg

_MIN_BYTES = "GZIP_MIN_BYTES"
_LEVEL = "GZIP_LEVEL"
_NO_BODY = frozenset({204, 304})


def register(app: Flask, min_bytes: int, level: int) -> None:
    app.config.update({_MIN_BYTES: min_bytes, _LEVEL: level})
    app.before_request(inflate_request_body)
    app.after_request(compress)


# Memoised process-wide: a pure function of the header, and clients send the same few.
@functools.lru_cache(maxsize=256)
def accepts_gzip(header: str) -> bool:
    """Whether an ``Accept-Encoding`` value allows gzip (RFC 9110 section 12.5.3)."""
    named: float | None = None
    anything: float | None = None
    for item in header.split(","):
        coding, *params = item.split(";")
        coding = coding.strip().lower()
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value.strip())
                except ValueError:
                    quality = 0.0
        if coding in ("gzip", "x-gzip"):
            named = quality if named is None else max(named, quality)
        elif coding == "*":
            anything = quality
    if named is not None:
        return named > 0
    return anything is not None and anything > 0


def _add_vary(headers: Headers, name: str) -> None:
    vary = headers.get("Vary")
    if vary is None:
        headers["Vary"] = name
    elif name.lower() not in vary.lower():
        headers["Vary"] = f"{vary}, {name}"


def compress(response: Response) -> Response:
    """After every request: gzip the reply when it is large enough and the client takes it."""
    config = current_app.config
    if (
        response.status_code in _NO_BODY
        or response.direct_passthrough
        or response.is_streamed
        or "Content-Encoding" in response.headers
    ):
        return response
    data = response.get_data()
    packed = gzip_reply(request.environ, data, response.headers, config[_MIN_BYTES], config[_LEVEL])
    if packed is not data:
        response.set_data(packed)
    return response


def gzip_reply(
    environ: Mapping[str, Any], data: bytes, headers: Headers, min_bytes: int, level: int
) -> bytes:
    """The body of a reply (with a body) to send: ``data`` gzipped, with ``Content-Encoding``
    and ``Vary`` set in ``headers``, when it is large enough and the client takes gzip, else
    ``data`` itself. Shared by ``compress`` and the direct lane (``api/lane.py``)."""
    if min_bytes <= 0 or len(data) < min_bytes:
        return data
    _add_vary(headers, "Accept-Encoding")  # this reply's encoding depends on it
    accept = environ.get("HTTP_ACCEPT_ENCODING")
    if not accept or not accepts_gzip(accept):
        return data
    packer = zlib.compressobj(level, zlib.DEFLATED, 31)
    packed = packer.compress(data) + packer.flush()
    if len(packed) >= len(data):
        return data
    headers["Content-Encoding"] = "gzip"
    return packed


def settings_of(app: Flask) -> tuple[int, int]:
    """The app's (minimum size, level) of gzipped replies."""
    return app.config[_MIN_BYTES], app.config[_LEVEL]


def inflate_request_body() -> None:
    """Before a POST's view: a gzip body replaced by what it inflates to, within the limit."""
    environ = request.environ
    encoding = environ.get("HTTP_CONTENT_ENCODING")
    if not encoding or environ["REQUEST_METHOD"] != "POST":
        return
    codings = [c.strip().lower() for c in encoding.split(",")]
    codings = [c for c in codings if c and c != "identity"]
    if not codings:
        return
    if codings not in (["gzip"], ["x-gzip"]):
        raise TerminologyError(
            msg("UNSUPPORTED_CONTENT_ENCODING", encoding=encoding[:60]),
            status=415,
            code="not-supported",
            headers={"Accept-Encoding": "gzip"},
        )
    raw = body()  # the compressed body, read within the body limit
    if raw is None:
        return
    environ["terminology.body"] = inflate(raw, current_app.config["MAX_BODY_BYTES"]) or None


def inflate(data: bytes, limit: int) -> bytes:
    """The gzip ``data`` decompressed (every member); a 413 past ``limit`` bytes, a 400 when it
    is not gzip. Stops at ``limit + 1`` bytes, whatever the data claims."""
    out = bytearray()
    rest = data
    try:
        while rest:
            member = zlib.decompressobj(31)
            out += member.decompress(rest, limit + 1 - len(out))
            if len(out) > limit:
                raise TerminologyError(
                    msg("BODY_INFLATES_TOO_LARGE", limit=limit), status=413, code="too-costly"
                )
            if not member.eof:
                raise TerminologyError(msg("BODY_NOT_GZIP", reason="truncated"), code="invalid")
            rest = member.unused_data
    except zlib.error as exc:
        raise TerminologyError(msg("BODY_NOT_GZIP", reason=str(exc)), code="invalid") from exc
    return bytes(out)
