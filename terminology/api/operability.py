"""The WSGI layer around the Flask app that makes the server operable.

For each request from a client it takes or makes the request id (``api/request_id.py``) before
Flask runs, so every error reply can quote it, adds ``X-Request-Id`` to the response, counts
and times the request by operation (``api/metrics.py``) and, when access logging is on, writes
one JSON line about it. It also answers ``/healthz``, ``/readyz`` and ``/metrics`` at the root
itself, without Flask's FHIR machinery (content negotiation, snapshot pinning): a probe or a
scrape that sends ``Accept: text/plain`` must not get a 406.

The access line holds the method, the route (the URL rule, with ``<id>`` placeholders), the
path without its query string (the query may carry codes; the body, never logged, carries
patient data), status, duration, bytes out, request id, worker pid and content generation. The
probe and scrape endpoints are neither logged nor counted: they come every few seconds and say
nothing about the service's traffic.

A ``batch`` Bundle's entries are dispatched through the app again (``api/batch.py``) with the
batch's request id already set; those inner requests are part of the batch and are not logged
or counted on their own.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import orjson
from flask import Flask, Response, request

from terminology.api import metrics, request_id
from terminology.api.http import discard_unread_body
from terminology.api.snapshot import ENVIRON_KEY as SNAPSHOT_KEY
from terminology.logs import ACCESS_LOGGER

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

access_log = logging.getLogger(ACCESS_LOGGER)

#: Where the URL rule a request was routed to is kept in its environ (Flask drops its request
#: object, which knows the rule, before the response leaves the app).
ROUTE_KEY = "terminology.route"

_JSON = [("Content-Type", "application/json")]
_HEAD_GET = ("GET", "HEAD")
_MAX_LOGGED_PATH = 200


def install(
    app: Flask, *, access_logging: bool, readiness: Callable[[], tuple[bool, dict[str, Any]]]
) -> None:
    """Wrap ``app`` in the operability layer (after its routes and hooks are registered)."""
    # First of the before-request hooks, so a request refused by a later one still has its route.
    app.before_request_funcs.setdefault(None, []).insert(0, _note_route)
    app.after_request(_drain_unread_body)
    app.wsgi_app = Operability(  # type: ignore[method-assign]
        app.wsgi_app, access_logging=access_logging, readiness=readiness
    )


def _drain_unread_body(response: Response) -> Response:
    """Read and drop a body no view read (a GET with a body): left on a kept-alive connection,
    granian may cut the reply or drop the connection. Error replies drain it already; with
    this layer's few microseconds per request added, the fuzz campaign found successful
    replies losing that race too."""
    discard_unread_body()
    return response


def _note_route() -> None:
    rule = request.url_rule
    if rule is not None:
        request.environ[ROUTE_KEY] = rule


class Operability:
    def __init__(
        self,
        app: WSGIApplication,
        *,
        access_logging: bool,
        readiness: Callable[[], tuple[bool, dict[str, Any]]],
    ) -> None:
        self.app = app
        self.access_logging = access_logging
        self.readiness = readiness
        self.pid = os.getpid()
        self._own: dict[str, Callable[[], tuple[str, list[tuple[str, str]], bytes]]] = {
            "/healthz": self._healthz,
            "/readyz": self._readyz,
            "/metrics": self._metrics,
        }

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get(request_id.ENVIRON_KEY) is not None:
            return self.app(environ, start_response)  # an entry of a batch: part of the batch
        rid = request_id.accept_or_generate(environ.get("HTTP_X_REQUEST_ID"))
        environ[request_id.ENVIRON_KEY] = rid
        own = self._own.get(environ.get("PATH_INFO", ""))
        if own is not None:
            return self._answer_own(own, environ, start_response, rid)
        started = time.perf_counter()
        seen: list[Any] = []

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            headers.append((request_id.HEADER, rid))
            seen[:] = (status, headers)
            return start_response(status, headers, exc_info)

        try:
            body = self.app(environ, start)
        except BaseException:
            self._done(environ, "500", [], time.perf_counter() - started, rid)
            raise
        status, headers = seen if seen else ("500", [])
        self._done(environ, status, headers, time.perf_counter() - started, rid)
        return body

    def _done(
        self,
        environ: WSGIEnvironment,
        status_line: str,
        headers: list[tuple[str, str]],
        seconds: float,
        rid: str,
    ) -> None:
        status = int(status_line[:3])
        rule = environ.get(ROUTE_KEY)
        operation = metrics.operation_of(getattr(rule, "endpoint", None))
        metrics.observe_request(operation, status, seconds)
        if not self.access_logging:
            return
        snapshot = environ.get(SNAPSHOT_KEY)
        size = next((v for k, v in headers if k.lower() == "content-length"), None)
        fields = {
            "method": environ.get("REQUEST_METHOD"),
            "route": getattr(rule, "rule", None),
            "path": environ.get("PATH_INFO", "")[:_MAX_LOGGED_PATH],
            "status": status,
            "duration_ms": round(seconds * 1000, 3),
            "bytes_out": int(size) if size and size.isdigit() else None,
            "request_id": rid,
            "generation": getattr(snapshot, "generation", None),
        }
        access_log.info("request", extra={"fields": fields})

    def _answer_own(
        self,
        own: Callable[[], tuple[str, list[tuple[str, str]], bytes]],
        environ: WSGIEnvironment,
        start_response: StartResponse,
        rid: str,
    ) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") not in _HEAD_GET:
            status = "405 Method Not Allowed"
            headers = [*_JSON, ("Allow", "GET, HEAD")]
            body = orjson.dumps({"status": "method not allowed", "allowed": list(_HEAD_GET)})
        else:
            status, headers, body = own()
        headers = [*headers, ("Content-Length", str(len(body))), (request_id.HEADER, rid)]
        start_response(status, headers)
        return [b""] if environ.get("REQUEST_METHOD") == "HEAD" else [body]

    def _healthz(self) -> tuple[str, list[tuple[str, str]], bytes]:
        return "200 OK", _JSON, b'{"status":"ok"}'

    def _readyz(self) -> tuple[str, list[tuple[str, str]], bytes]:
        ready, report = self.readiness()
        status = "200 OK" if ready else "503 Service Unavailable"
        return status, _JSON, orjson.dumps(report)

    def _metrics(self) -> tuple[str, list[tuple[str, str]], bytes]:
        body, media = metrics.exposition()
        return "200 OK", [("Content-Type", media)], body
