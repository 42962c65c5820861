"""How questions reach upstream servers, bounded so an upstream can never hold a request
long: one attempt per upstream with a timeout (no retries inside a request: each would add a
timeout), at most ``max_concurrent`` calls in flight per worker (a request finding them all
busy for ``timeout`` seconds is answered "unavailable"), a short cache of answers keyed by the
full question, and a circuit breaker per upstream."""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from terminology.client import TerminologyClient, TerminologyClientError
from terminology.delegation.breaker import CircuitBreaker
from terminology.delegation.routes import Route, route_for


@dataclass(frozen=True, slots=True)
class UpstreamAnswer:
    """What an upstream answered: a 2xx with the operation's resource, or a 4xx with its
    OperationOutcome (the question was wrong there, as it would be here)."""

    upstream: str
    status: int
    body: dict[str, Any]


class UpstreamUnavailable(Exception):
    """No upstream could answer: timed out, failed, answered nonsense, or its breaker is open."""

    def __init__(self, upstream: str, reason: str, retry_after: int) -> None:
        super().__init__(f"{upstream}: {reason}")
        self.upstream = upstream
        self.reason = reason
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class GatewaySettings:
    timeout: float = 5.0
    max_concurrent: int = 8
    cache_seconds: float = 60.0
    cache_entries: int = 1024
    breaker_failures: int = 5
    breaker_reset: float = 30.0


class _AnswerCache:
    """Answers by question, each kept ``seconds``; the oldest goes first when full."""

    def __init__(self, seconds: float, entries: int, clock: Callable[[], float]) -> None:
        self.seconds = seconds
        self.entries = entries
        self._clock = clock
        self._items: OrderedDict[tuple[object, ...], tuple[float, UpstreamAnswer]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[object, ...]) -> UpstreamAnswer | None:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            if self._clock() >= found[0]:
                del self._items[key]
                return None
            return found[1]

    def put(self, key: tuple[object, ...], answer: UpstreamAnswer) -> None:
        if self.seconds <= 0 or self.entries <= 0:
            return
        with self._lock:
            self._items[key] = (self._clock() + self.seconds, answer)
            self._items.move_to_end(key)
            while len(self._items) > self.entries:
                self._items.popitem(last=False)


class Gateway:
    def __init__(
        self,
        routes: tuple[Route, ...],
        settings: GatewaySettings | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.routes = routes
        self.settings = settings or GatewaySettings()
        self._slots = threading.BoundedSemaphore(max(1, self.settings.max_concurrent))
        self._cache = _AnswerCache(self.settings.cache_seconds, self.settings.cache_entries, clock)
        self._clients: dict[str, TerminologyClient] = {}
        self.breakers: dict[str, CircuitBreaker] = {}
        for route in routes:
            for url in route.upstreams:
                if url in self._clients:
                    continue
                self._clients[url] = TerminologyClient(
                    url, timeout=self.settings.timeout, retries=0, session=self._session()
                )
                self.breakers[url] = CircuitBreaker(
                    self.settings.breaker_failures, self.settings.breaker_reset, clock
                )

    def _session(self) -> requests.Session:
        session = requests.Session()
        # As many pooled connections as calls may be in flight, so none is opened per call.
        adapter = HTTPAdapter(pool_maxsize=max(1, self.settings.max_concurrent))
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        return session

    def route(self, system: str) -> Route | None:
        return route_for(self.routes, system)

    def ask(
        self,
        route: Route,
        path: str,
        params: Mapping[str, str | list[str]] | None,
        check: Callable[[Any], object],
    ) -> UpstreamAnswer:
        """The answer to ``GET path?params`` from the first upstream of ``route`` that gives
        one; ``check`` reads a 2xx body and raises ``ValueError`` when it is not the
        operation's answer. Raises ``UpstreamUnavailable`` when none can answer."""
        question = json.dumps(sorted((params or {}).items()))
        key = (route.upstreams, path, question)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        unavailable: UpstreamUnavailable | None = None
        for url in route.upstreams:
            try:
                answer = self._ask_one(url, path, params, check)
            except UpstreamUnavailable as exc:
                if unavailable is None or exc.retry_after < unavailable.retry_after:
                    unavailable = exc
                continue
            self._cache.put(key, answer)
            return answer
        assert unavailable is not None, "a route has at least one upstream"
        raise unavailable

    def _ask_one(
        self,
        url: str,
        path: str,
        params: Mapping[str, str | list[str]] | None,
        check: Callable[[Any], object],
    ) -> UpstreamAnswer:
        breaker = self.breakers[url]
        if not breaker.allow():
            raise UpstreamUnavailable(url, "circuit breaker open", breaker.retry_after())
        if not self._slots.acquire(timeout=self.settings.timeout):
            # Not the upstream's fault: the breaker is not told, but the trial slot is freed.
            breaker.release_trial()
            raise UpstreamUnavailable(url, "too many upstream calls in progress", 1)
        try:
            answer = self._call(url, path, params, check)
        except UpstreamUnavailable as exc:
            breaker.failed()
            # When this failure opened the breaker, say how long it stays open.
            exc.retry_after = breaker.retry_after()
            raise
        finally:
            self._slots.release()
        breaker.succeeded()
        return answer

    def _call(
        self,
        url: str,
        path: str,
        params: Mapping[str, str | list[str]] | None,
        check: Callable[[Any], object],
    ) -> UpstreamAnswer:
        transport = self._clients[url].transport
        try:
            response = transport.call("GET", path, params=params, idempotent=True)
        except TerminologyClientError as exc:
            if exc.status is not None and 400 <= exc.status < 500 and exc.status != 429:
                if exc.outcome is not None:
                    return UpstreamAnswer(url, exc.status, exc.outcome)
                reason = f"HTTP {exc.status} without an OperationOutcome"
            elif exc.status is not None:
                reason = f"HTTP {exc.status}"
            else:
                reason = _no_answer_reason(exc)
            raise UpstreamUnavailable(url, reason, 1) from exc
        try:
            body = response.json()
            check(body)
        except ValueError as exc:
            raise UpstreamUnavailable(url, f"malformed answer ({exc})", 1) from exc
        return UpstreamAnswer(url, response.status_code, body)

    def close(self) -> None:
        for client in self._clients.values():
            client.close()


def _no_answer_reason(exc: TerminologyClientError) -> str:
    cause = exc.__cause__
    if isinstance(cause, requests.Timeout):
        return "no answer within the timeout"
    return "connection failed"
