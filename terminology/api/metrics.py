"""Prometheus metrics, in prometheus-client's multi-process mode under granian's workers.

granian serves with several worker processes, and a scrape reaches one of them, so each
worker's values live in memory-mapped files in ``PROMETHEUS_MULTIPROC_DIR`` (a fresh directory
``terminology serve`` makes before the workers start) and ``/metrics`` adds up every worker's
files. Without that variable (the app under another WSGI server, or in a test) the values are
the process's own.

Every label takes a few known values: ``operation`` is read from the endpoint a request was
routed to (never its path, which holds ids and codes), ``status`` is the HTTP status, so the
number of series is bounded whatever clients send.
"""

from __future__ import annotations

import glob
import os
import time
from collections.abc import Callable
from typing import TypeVar

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

#: The metrics of this module, registered here rather than in prometheus-client's global
#: registry, so the app can be created more than once in a process (tests) and the exposition
#: holds only these.
REGISTRY = CollectorRegistry(auto_describe=True)

#: The operation label, by the name of the view function a request was routed to (the name,
#: not the blueprint: the same views registered under another base keep their label).
OPERATIONS = {
    "lookup_view": "lookup",
    "validate_code_view": "validate-code",
    "batch_validate_code_view": "batch-validate-code",
    "expand_view": "expand",
    "translate_view": "translate",
    "subsumes_view": "subsumes",
    "validate_service_request": "validate",
    "validate_claim": "validate",
    "validate_bundle": "validate",
    "batch": "batch",
    "read": "read",
    "search_type": "search",
    "metadata": "metadata",
    "versions": "metadata",
}
OTHER = "other"

#: From 0.25 ms (a cached answer) to 10 s (past the fuzz campaign's bound for any answer).
LATENCY_BUCKETS = (
    0.00025,
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
)

REQUESTS = Counter(
    "terminology_requests",
    "HTTP requests answered, by operation and status.",
    ("operation", "status"),
    registry=REGISTRY,
)
DURATION = Histogram(
    "terminology_request_duration_seconds",
    "Time to compute an answer (from the WSGI call until the body is ready), by operation.",
    ("operation",),
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
RESPONSE_CACHE = Counter(
    "terminology_response_cache",
    "Look-ups in the response cache of repeated identical questions, by result (hit, miss).",
    ("result",),
    registry=REGISTRY,
)
GENERATION = Gauge(
    "terminology_content_generation",
    "The content store generation the workers serve (the most recently set by a live worker).",
    registry=REGISTRY,
    multiprocess_mode="livemostrecent",
)
CONTENT_LOADS = Counter(
    "terminology_content_loads",
    "Content snapshots built from the store (at start-up and after each change), by result.",
    ("result",),
    registry=REGISTRY,
)
CONTENT_LOAD_SECONDS = Histogram(
    "terminology_content_load_duration_seconds",
    "Time to build a content snapshot from the store.",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
    registry=REGISTRY,
)

# Children by label values, so the hot path skips prometheus-client's label look-up.
_request_children: dict[tuple[str, int], Callable[[], None]] = {}
_duration_children: dict[str, Callable[[float], None]] = {}
_CACHE_HIT = RESPONSE_CACHE.labels("hit")
_CACHE_MISS = RESPONSE_CACHE.labels("miss")
_generation_shown: list[int] = [-1]


def operation_of(endpoint: str | None) -> str:
    """The operation label of a request routed to ``endpoint`` (``blueprint.view``)."""
    if endpoint is None:
        return OTHER
    return OPERATIONS.get(endpoint.rpartition(".")[2], OTHER)


def observe_request(operation: str, status: int, seconds: float) -> None:
    inc = _request_children.get((operation, status))
    if inc is None:
        inc = _request_children[(operation, status)] = REQUESTS.labels(operation, str(status)).inc
    inc()
    observe = _duration_children.get(operation)
    if observe is None:
        observe = _duration_children[operation] = DURATION.labels(operation).observe
    observe(seconds)


def cache_lookup(hit: bool) -> None:
    (_CACHE_HIT if hit else _CACHE_MISS).inc()


def serving_generation(generation: int) -> None:
    """Note the content generation this worker serves (a write only when it changed)."""
    if _generation_shown[0] != generation:
        _generation_shown[0] = generation
        GENERATION.set(generation)


T = TypeVar("T")


def timed_load(build: Callable[[], T], generation: Callable[[T], int]) -> Callable[[], T]:
    """``build`` (of a content snapshot), counting and timing each call."""

    def timed() -> T:
        started = time.perf_counter()
        try:
            built = build()
        except Exception:
            CONTENT_LOADS.labels("failed").inc()
            raise
        CONTENT_LOAD_SECONDS.observe(time.perf_counter() - started)
        CONTENT_LOADS.labels("ok").inc()
        serving_generation(generation(built))
        return built

    return timed


def exposition() -> tuple[bytes, str]:
    """The text a scrape gets and its media type: every worker's values added up in
    multi-process mode, this process's otherwise."""
    path = os.environ.get(MULTIPROC_ENV)
    if not path:
        return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
    _forget_dead_workers(path)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=path)  # type: ignore[no-untyped-call]
    return generate_latest(registry), CONTENT_TYPE_LATEST


def _forget_dead_workers(path: str) -> None:
    """Drop the live gauges of workers that are gone (granian replaces every worker on
    SIGHUP and tells the app nothing), so a dead worker's generation is not reported.
    Their counters stay, as prometheus-client intends: a total must not go down."""
    for name in glob.glob(os.path.join(path, "gauge_live*_*.db")):
        pid = name.rsplit("_", 1)[1].removesuffix(".db")
        if pid.isdigit() and not _alive(int(pid)):
            multiprocess.mark_process_dead(int(pid), path)  # type: ignore[no-untyped-call]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
