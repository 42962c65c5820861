"""The direct lane: the common terminology questions answered without Flask's per-request
machinery.

Most of the traffic is a handful of requests: ``$validate-code``, ``$lookup``, ``$translate``
and ``$subsumes`` at type level, GET or POST, from clients that send no conditional, CORS or
compressed-body headers. Flask spends more on each of them (a request and an application
context, URL matching, hooks looked up and called through proxies, a response object) than the
answer costs to compute. This WSGI layer sits between the operability layer
(``api/operability.py``: request id, metrics, access log) and Flask, and answers those requests
with the very functions the Flask views call: the same edge checks (``http.check_head_size``,
``http.check_routed_request``), the same answer functions (``codesystem.lookup_answer``, ...),
the same response cache, and the same header rules (``caching.add_answer_headers``,
``compression.gzip_reply``, ``cors.add_cors_headers``).

It only takes what it can answer exactly as Flask would. Anything else goes to Flask: another
path or method, a conditional request (304s), an ``Origin`` (CORS replies), a compressed or
chunked body, a GET with a body, closed reads. And any request whose answer is an error: the
lane never writes an error itself; it hands the request to Flask, which computes it again (the
operations change nothing) and answers with the one error path every other request takes.
``tests/api/test_lane.py`` checks that both ways give the same status, headers and body.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from werkzeug.datastructures import Headers

from terminology import budget
from terminology.api import caching, codesystem, compression, conceptmap, cors, valueset
from terminology.api.http import (
    check_head_size,
    check_routed_request,
    content_type_of,
    encode_for,
    parameters_of,
)
from terminology.api.memos import EXTENSION as MEMOS
from terminology.api.operability import ROUTE_KEY
from terminology.api.question import Question
from terminology.api.response_cache import ResponseCache, key_of
from terminology.api.snapshot import ENVIRON_KEY as SNAPSHOT_KEY
from terminology.api.snapshot import EXTENSION as LIVE
from terminology.api.snapshot import lane_snapshot

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from flask import Flask

Answer = Callable[[Question], dict[str, Any]]

#: The endpoints the lane answers, by the Flask endpoint of their type-level rule.
_ANSWERS: dict[str, Answer] = {
    "codesystem.lookup_view": codesystem.lookup_answer,
    "codesystem.validate_code_view": codesystem.validate_code_answer,
    "codesystem.subsumes_view": codesystem.subsumes_answer,
    "valueset.validate_code_view": valueset.validate_code_answer,
    "conceptmap.translate_view": conceptmap.translate_answer,
}
#: Request headers whose handling is Flask's: conditional requests, CORS, compressed or
#: chunked bodies.
_FLASK_HEADERS = (
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_ORIGIN",
    "HTTP_CONTENT_ENCODING",
    "HTTP_TRANSFER_ENCODING",
)


class DirectLane:
    def __init__(self, app: Flask, flask_wsgi: WSGIApplication) -> None:
        self.flask = flask_wsgi
        self.routes: dict[str, tuple[Any, Answer]] = {}
        for rule in app.url_map.iter_rules():
            answer = _ANSWERS.get(rule.endpoint.removeprefix("r5_"))
            if answer is not None and not rule.arguments:
                self.routes[rule.rule] = (rule, answer)
        self.config = app.config
        self.budget = app.config["REQUEST_BUDGET"]
        self.max_body = app.config["MAX_BODY_BYTES"]
        self.live = app.extensions[LIVE]
        self.memos = app.extensions[MEMOS]
        self.caching = app.extensions[caching.EXTENSION]
        self.cors = app.extensions[cors.EXTENSION]
        self.gzip = compression.settings_of(app)
        self.responses: ResponseCache | None = app.extensions.get("terminology.responses")

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        found = self.routes.get(environ.get("PATH_INFO", ""))
        if found is None or not self._takes(environ):
            return self.flask(environ, start_response)
        rule, answer = found
        environ[ROUTE_KEY] = rule
        try:
            reply = self._answer(environ, answer)
        except Exception:  # noqa: BLE001  (Flask answers it: the one error path)
            reply = None
        if reply is None:
            return self.flask(environ, start_response)
        headers, data = reply
        start_response("200 OK", headers.to_wsgi_list())
        return [data]

    def _takes(self, environ: WSGIEnvironment) -> bool:
        method = environ["REQUEST_METHOD"]
        length = environ.get("CONTENT_LENGTH")
        if method == "GET":
            if length and length != "0":
                return False  # a GET with a body: Flask drains it
        elif method == "POST":
            if not length or not length.isdigit() or int(length) > self.max_body:
                return False
        else:
            return False
        return not any(name in environ for name in _FLASK_HEADERS)

    def _answer(self, environ: WSGIEnvironment, answer: Answer) -> tuple[Headers, bytes] | None:
        budget.start(self.budget)
        check_head_size(environ, self.config)
        snap = environ.get(SNAPSHOT_KEY)
        if snap is None:
            snap = environ[SNAPSHOT_KEY] = self.live.refresh()
        token = lane_snapshot.set(snap)
        try:
            length = environ.get("CONTENT_LENGTH")
            check_routed_request(environ, self.config, int(length) if length else None)
            params = parameters_of(environ, self.max_body)
            cache = self.responses
            key = None
            if cache is not None:
                payload = environ.get("terminology.body")
                key = key_of(environ, snap.generation, payload)
            hit = cache.lookup(key) if cache is not None and key is not None else None
            if hit is not None:
                data, content_type = hit.body, hit.content_type
            else:
                resource = answer(Question(environ, params, snap.services, self.memos))
                data, content_type = encode_for(environ, resource), content_type_of(environ)
                if cache is not None and key is not None:
                    cache.keep(key, data, content_type)
        finally:
            lane_snapshot.reset(token)
        headers = Headers([("Content-Type", content_type)])
        caching.add_answer_headers(headers, environ, snap, self.caching)
        data = compression.gzip_reply(environ, data, headers, *self.gzip)
        cors.add_cors_headers(self.cors, environ, headers)
        headers["Content-Length"] = str(len(data))
        return headers, data
