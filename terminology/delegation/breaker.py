"""A circuit breaker per upstream server: after ``failures`` failed calls in a row it opens,
and for ``reset_after`` seconds every question is answered at once as "upstream unavailable"
instead of waiting out another timeout. Then one trial call is let through (half-open): a
success closes the breaker, a failure opens it for another period."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class CircuitBreaker:
    def __init__(
        self,
        failures: int = 5,
        reset_after: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.threshold = max(1, failures)
        self.reset_after = reset_after
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_running = False

    @property
    def state(self) -> str:
        with self._lock:
            if self._opened_at is None:
                return "closed"
            return "half-open" if self._due() else "open"

    def _due(self) -> bool:
        return self._opened_at is not None and self._clock() - self._opened_at >= self.reset_after

    def allow(self) -> bool:
        """Whether a call may go to the upstream now (one at a time while half-open)."""
        with self._lock:
            if self._opened_at is None:
                return True
            if self._due() and not self._trial_running:
                self._trial_running = True
                return True
            return False

    def retry_after(self) -> int:
        """Whole seconds until the breaker lets a trial call through (at least 1)."""
        with self._lock:
            if self._opened_at is None:
                return 1
            left = self.reset_after - (self._clock() - self._opened_at)
            return max(1, int(left + 0.999))

    def succeeded(self) -> None:
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._trial_running = False

    def release_trial(self) -> None:
        """A let-through call that never reached the upstream: the next may try instead."""
        with self._lock:
            self._trial_running = False

    def failed(self) -> None:
        with self._lock:
            self._failures += 1
            if self._trial_running or self._failures >= self.threshold:
                self._opened_at = self._clock()
            self._trial_running = False
