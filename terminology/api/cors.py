"""CORS, so browser apps on other origins can call the server (Fetch standard, "CORS protocol").

``TERMINOLOGY_CORS_ORIGINS`` names the origins: ``*`` (the default), a comma-separated list, or
``none``. With ``*`` every reply to a request with an ``Origin`` says
``Access-Control-Allow-Origin: *``: the content is public and the server holds no ambient
authority (no cookies, no sessions), so any page may read what anyone can ``curl``. A bearer
token a page puts in ``Authorization`` itself is not a browser credential and works with ``*``.
With a list, the request's origin is echoed when listed (and ``Vary: Origin`` sent either way);
only then may ``TERMINOLOGY_CORS_CREDENTIALS`` add ``Access-Control-Allow-Credentials: true``.
``*`` with credentials is refused when the settings are read.

A preflight (``OPTIONS`` with ``Access-Control-Request-Method``) gets the app's 204 with the
endpoint's methods in ``Allow`` (``FhirFlask.make_default_options_response``) plus the allowed
methods, headers and how long the browser may keep the answer. An origin not allowed gets the
same reply without CORS headers, and the browser stops there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, current_app, request
from werkzeug.datastructures import Headers

EXTENSION = "terminology.cors"

#: Request headers a page may send: the FHIR ones, conditional requests, the write API's to come.
ALLOW_HEADERS = ", ".join(
    (
        "Accept",
        "Accept-Language",
        "Authorization",
        "Content-Encoding",
        "Content-Type",
        "If-Match",
        "If-Modified-Since",
        "If-None-Exist",
        "If-None-Match",
        "Prefer",
        "X-Cache-Id",
        "X-Request-Id",
    )
)
#: Reply headers a page may read beyond the safelisted ones.
#: WWW-Authenticate too: a page must be able to read why a write (or a closed read) was refused.
EXPOSE_HEADERS = (
    "ETag, Location, Content-Location, Last-Modified, Content-Encoding, X-Request-Id, "
    "WWW-Authenticate"
)


@dataclass(frozen=True, slots=True)
class CorsPolicy:
    any_origin: bool
    origins: frozenset[str]
    credentials: bool
    max_age: str

    @classmethod
    def parse(cls, origins: str, credentials: bool, max_age: int) -> CorsPolicy:
        names = frozenset(o.strip().rstrip("/").lower() for o in origins.split(",") if o.strip())
        any_origin = "*" in names
        if names == {"none"}:
            names = frozenset()
        return cls(any_origin, names - {"*"}, credentials and not any_origin, str(max_age))

    @property
    def enabled(self) -> bool:
        return self.any_origin or bool(self.origins)

    def allowed_origin(self, origin: str) -> str | None:
        """What ``Access-Control-Allow-Origin`` says to ``origin``; None when not allowed."""
        if self.any_origin:
            return "*"
        return origin if origin.lower() in self.origins else None


def register(app: Flask, policy: CorsPolicy) -> None:
    app.extensions[EXTENSION] = policy
    if policy.enabled:
        app.after_request(cors_headers)


def _add_vary(headers: Headers, name: str) -> None:
    vary = headers.get("Vary")
    headers["Vary"] = f"{vary}, {name}" if vary else name


def cors_headers(response: Response) -> Response:
    """After every request (errors and 304s included, so pages can read them)."""
    add_cors_headers(current_app.extensions[EXTENSION], request.environ, response.headers)
    return response


def add_cors_headers(policy: CorsPolicy, environ: Mapping[str, Any], headers: Headers) -> None:
    """The CORS headers of the reply to the request ``environ`` describes."""
    if not policy.enabled:
        return
    if not policy.any_origin:
        _add_vary(headers, "Origin")  # the reply differs by origin
    origin = environ.get("HTTP_ORIGIN")
    if not origin:
        return
    allowed = policy.allowed_origin(origin)
    if allowed is None:
        return
    headers["Access-Control-Allow-Origin"] = allowed
    if policy.credentials:
        headers["Access-Control-Allow-Credentials"] = "true"
    if environ["REQUEST_METHOD"] == "OPTIONS" and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in environ:
        headers["Access-Control-Allow-Methods"] = headers.get("Allow") or "GET, POST, OPTIONS"
        headers["Access-Control-Allow-Headers"] = ALLOW_HEADERS
        headers["Access-Control-Max-Age"] = policy.max_age
    else:
        headers["Access-Control-Expose-Headers"] = EXPOSE_HEADERS
