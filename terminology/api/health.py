"""``/healthz`` and ``/readyz``: is the process alive, and can it answer now?

They are plain JSON, not FHIR: load balancers and Kubernetes probes read the status code (and
a person the small body), and neither knows FHIR. They live at the root, outside the FHIR base.

- ``/healthz`` touches nothing: 200 while the worker runs Python code.
- ``/readyz`` is 200 when this worker has a content snapshot (it always has one once the app
  is built) and the store answers a cheap query now (its generation), 503 otherwise, so a load
  balancer sends no traffic to a replica whose PostgreSQL is gone. It waits at most the store's
  connect timeout (``connect_timeout`` in the database URL; 10 s by default).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from terminology.api.snapshot import LiveContent
from terminology.errors import TerminologyError
from terminology.storage.store import ContentStore

log = logging.getLogger(__name__)


def readiness(live: LiveContent, store: ContentStore) -> Callable[[], tuple[bool, dict[str, Any]]]:
    """The ``/readyz`` check of an app serving ``live`` content from ``store``."""

    def check() -> tuple[bool, dict[str, Any]]:
        serving = live.current.generation
        where = store.location  # never holds a password (PostgreSQL URLs are shown without)
        try:
            generation = store.generation()
        except Exception as exc:
            # A TerminologyError's text is the store's own, password scrubbed; of anything
            # else only the type is shown.
            reason = exc.message if isinstance(exc, TerminologyError) else type(exc).__name__
            log.warning("not ready: the content store does not answer: %s", reason)
            return False, {
                "status": "unavailable",
                "reason": f"the content store does not answer: {reason}",
                "store": where,
                "serving_generation": serving,
            }
        return True, {
            "status": "ready",
            "generation": serving,
            "store_generation": generation,
            "store": where,
        }

    return check
