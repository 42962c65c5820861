"""A bounded cache of the answers to repeated identical terminology questions.

The operations it serves (``$lookup``, ``$validate-code``, ``$translate``, ``$subsumes``) are
pure functions of the request and of the loaded content, and the content never changes while a
snapshot is served.
EHRs and claim scrubbers ask the same questions over and over (71250 against the CT value set,
say), so the encoded answer to an identical request (same path, query, body, reply format and
languages) is kept and sent again. Only successful answers are kept; bodies larger than a small
limit are neither keys nor values; ``TERMINOLOGY_RESPONSE_CACHE_ENTRIES=0`` turns the cache off.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from flask import Response, current_app, request

from terminology.api import metrics
from terminology.api.http import body, services

#: Requests with bodies larger than this (inline resources, say) are answered afresh.
MAX_KEY_BODY = 16 * 1024
#: Answers larger than this are not kept.
MAX_VALUE_BODY = 64 * 1024


@dataclass(frozen=True, slots=True)
class Cached:
    body: bytes
    content_type: str


class ResponseCache:
    def __init__(self, entries: int) -> None:
        self.entries = entries
        self._store: dict[tuple[object, ...], Cached] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[object, ...]) -> Cached | None:
        return self._store.get(key)

    def lookup(self, key: tuple[object, ...]) -> Cached | None:
        """``get``, counted in the metrics as a hit or a miss."""
        hit = self._store.get(key)
        metrics.cache_lookup(hit is not None)
        return hit

    def keep(self, key: tuple[object, ...], data: bytes, content_type: str) -> None:
        """Keep a successful answer, unless it is too large to be worth its memory."""
        if len(data) <= MAX_VALUE_BODY:
            self.put(key, Cached(data, content_type))

    def put(self, key: tuple[object, ...], value: Cached) -> None:
        with self._lock:
            if key in self._store:
                return
            while len(self._store) >= self.entries:
                # Oldest first: dicts keep insertion order.
                del self._store[next(iter(self._store))]
            self._store[key] = value


def key_of(
    environ: dict[str, object], generation: int, payload: bytes | None
) -> tuple[object, ...] | None:
    """The cache key of a request: what its answer depends on (None: not to be cached)."""
    if payload is not None and len(payload) > MAX_KEY_BODY:
        return None
    return (
        generation,  # an answer about replaced content is never sent again
        environ.get("PATH_INFO"),
        environ.get("QUERY_STRING"),
        environ.get("terminology.media"),
        environ.get("terminology.fhir"),  # FHIR_VERSION_KEY: R4 and R5 answers differ
        environ.get("HTTP_ACCEPT_LANGUAGE"),
        environ.get("CONTENT_TYPE"),
        payload,
    )


def _key() -> tuple[object, ...] | None:
    environ = request.environ
    payload = body() if environ["REQUEST_METHOD"] == "POST" else None
    return key_of(environ, services().generation, payload)


def cached(compute: Callable[[], Response]) -> Response:
    """The answer ``compute`` gives, or the one it gave to an identical earlier request."""
    cache: ResponseCache | None = current_app.extensions.get("terminology.responses")
    key = _key() if cache is not None else None
    if key is None or cache is None:
        return compute()
    hit = cache.lookup(key)
    if hit is not None:
        return Response(hit.body, status=200, content_type=hit.content_type)
    response = compute()
    # An upstream's answer can change without our content changing: never kept here.
    if response.status_code == 200 and "terminology.upstream" not in request.environ:
        cache.keep(key, response.get_data(), response.content_type or "")
    return response
