"""The content an app serves, swapped whole when the store holds a newer generation.

A load (``terminology load``, or another replica's write) commits to the store and bumps its
generation. Each worker notices at its next request after ``interval`` seconds, builds a new
snapshot (services, NCCI tables and metadata bodies) from the store and swaps it in with one
assignment.
A request keeps the snapshot it started with to the end, so no answer mixes two generations,
and every memo and cached answer keys on the generation of the snapshot that made it.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app, has_request_context, request

from terminology.checks.ncci import NcciRules
from terminology.operations.context import Services

log = logging.getLogger(__name__)

EXTENSION = "terminology.live"
ENVIRON_KEY = "terminology.snapshot"
#: The snapshot of a request answered by the direct lane (``api/lane.py``), which has no Flask
#: request context to keep it in; set and reset by the lane around the answer.
lane_snapshot: ContextVar[Snapshot | None] = ContextVar("terminology_lane_snapshot", default=None)


@dataclass(frozen=True, slots=True)
class Snapshot:
    services: Services
    #: The payer rules' NCCI tables (stored with the content, so a load swaps them too).
    ncci: NcciRules
    #: The ``/metadata`` and ``$versions`` bodies of this content, as plain dicts.
    metadata: Mapping[str, Any]
    #: Names this content in HTTP validators (``ETag``): the store's tag of its generation
    #: (``storage.store.GENERATION_TAG``), unique to the commit, unlike the generation number.
    tag: str = ""
    #: When this content was committed to the store (seconds since the epoch), for
    #: ``Last-Modified``; a store that never recorded it gives the time this snapshot was
    #: built, which is later, so a client's ``If-Modified-Since`` never matches too early.
    loaded_at: float = 0.0

    @property
    def generation(self) -> int:
        return self.services.generation


class LiveContent:
    def __init__(
        self,
        build: Callable[[], Snapshot],
        store_generation: Callable[[], int],
        interval: float,
    ) -> None:
        self._build = build
        self._store_generation = store_generation
        self._interval = interval
        self._lock = threading.Lock()
        #: A file another worker of this replica touches after each REST write it commits
        #: (``written``): seeing it change, this worker checks the store at once rather than
        #: at the next interval. One ``stat`` a request; None when this server takes no writes.
        self.watch: Path | None = None
        self._watched: int | None = None
        self.current = build()
        self._next_check = time.monotonic() + interval

    def _nudged(self) -> bool:
        if self.watch is None:
            return False
        try:
            stamp = os.stat(self.watch).st_mtime_ns
        except OSError:
            return False
        if stamp == self._watched:
            return False
        self._watched = stamp
        return True

    def written(self) -> None:
        """After this worker committed a write: serve it from the next request on (rebuilt
        here, waiting for a rebuild under way), and tell the replica's other workers."""
        with self._lock:
            self._next_check = time.monotonic() + self._interval
            try:
                self._rebuild()
            except Exception:
                log.exception("could not load the store's newer content; still serving the old")
        if self.watch is not None:
            try:
                self.watch.touch()
                # Two writes within the file system's clock tick would leave the same time;
                # move it on by at least a nanosecond so every write changes it.
                before = self.watch.stat().st_mtime_ns
                stamp = max(time.time_ns(), before + 1)
                os.utime(self.watch, ns=(stamp, stamp))
            except OSError:
                log.warning(
                    "could not touch %s; other workers see the write within the reload interval",
                    self.watch,
                )

    def _rebuild(self) -> None:
        if self._store_generation() != self.current.generation:
            started = time.perf_counter()
            self.current = self._build()
            log.info(
                "now serving content generation %d (loaded in %.2f s)",
                self.current.generation,
                time.perf_counter() - started,
            )

    def refresh(self) -> Snapshot:
        """The snapshot to serve now: the newest one, rebuilt first when the store's
        generation moved on (checked at most once per ``interval``, never when it is 0, and at
        once when another worker of this replica wrote)."""
        nudged = self._nudged()
        if not nudged and (self._interval <= 0 or time.monotonic() < self._next_check):
            return self.current
        # One thread rebuilds; the others go on serving the current snapshot meanwhile.
        if not self._lock.acquire(blocking=nudged):
            return self.current
        try:
            self._next_check = time.monotonic() + self._interval
            self._rebuild()
        except Exception:
            # A store that cannot be read now (a restarting database) leaves the current
            # content serving; the next check tries again.
            log.exception("could not load the store's newer content; still serving the old")
        finally:
            self._lock.release()
        return self.current


def pin_snapshot() -> None:
    """Before each request: the snapshot it is answered from, for its whole life (an entry of
    a batch comes with the batch's)."""
    if ENVIRON_KEY in request.environ:
        return
    live: LiveContent = current_app.extensions[EXTENSION]
    request.environ[ENVIRON_KEY] = live.refresh()


def snapshot() -> Snapshot:
    """The snapshot of the current request (or, outside one, the app's current one)."""
    if has_request_context():
        pinned: Snapshot | None = request.environ.get(ENVIRON_KEY)
        if pinned is not None:
            return pinned
    else:
        laned = lane_snapshot.get()
        if laned is not None:
            return laned
    live: LiveContent = current_app.extensions[EXTENSION]
    return live.current
