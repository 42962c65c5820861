"""Property-based fuzz campaign against the real server over HTTP (issue 17 §5).

Requests come from ``grammar.py`` (the real operations and parameters, real and hostile
values); ``harness.py`` checks every reply (no 5xx, FHIR JSON OperationOutcomes for errors,
time and size bounds, identical answers to identical questions) and collects each distinct
failure class with the smallest request that showed it. The test fails when any was found.

Profiles (``TERMINOLOGY_FUZZ_PROFILE``):

- ``default``: part of ``python3 dev.py test``; derandomized (the same requests every run),
  ``TERMINOLOGY_FUZZ_EXAMPLES`` examples (default 1800) within a time budget of
  ``TERMINOLOGY_FUZZ_BUDGET`` seconds (default 60): the run stops there, and says so.
- ``long``: a nightly or manual run, a random seed (or ``TERMINOLOGY_FUZZ_SEED``),
  ``TERMINOLOGY_FUZZ_EXAMPLES`` examples (default 100000), no time budget unless set.

``TERMINOLOGY_FUZZ_REPORT=FILE`` writes the summary (requests per operation, slowest reply,
server memory before and after, failure classes with reproductions) as JSON;
``TERMINOLOGY_FUZZ_TIMEOUT`` is the per-request time bound in seconds (default 5).
"""

from __future__ import annotations

import os
import random
import time
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from tests.fuzz import grammar
from tests.fuzz.harness import Campaign, FuzzServer

PROFILE = os.environ.get("TERMINOLOGY_FUZZ_PROFILE", "default")
if PROFILE not in ("default", "long"):
    raise ValueError(f"TERMINOLOGY_FUZZ_PROFILE must be default or long, not {PROFILE!r}")
LONG = PROFILE == "long"
EXAMPLES = int(os.environ.get("TERMINOLOGY_FUZZ_EXAMPLES") or (100_000 if LONG else 1800))
BUDGET = float(os.environ.get("TERMINOLOGY_FUZZ_BUDGET") or (0 if LONG else 60))
SEED = os.environ.get("TERMINOLOGY_FUZZ_SEED") or (str(random.getrandbits(32)) if LONG else "")

_COMMON: dict[str, Any] = dict(
    deadline=None,  # the harness bounds each request itself (TERMINOLOGY_FUZZ_TIMEOUT)
    database=None,  # nothing is written into the repository; failures are reported instead
    phases=[Phase.explicit, Phase.generate],  # violations are collected, never raised
    suppress_health_check=list(HealthCheck),  # large inputs and a slow server are the point
    print_blob=False,
)
settings.register_profile(
    "terminology-fuzz-default", max_examples=EXAMPLES, derandomize=True, **_COMMON
)
settings.register_profile("terminology-fuzz-long", max_examples=EXAMPLES, **_COMMON)


class BudgetSpent(BaseException):
    """Ends the run when the time budget is spent (a BaseException, so hypothesis does not take
    it for a failure to report, and stops generating at once)."""


def test_fuzz_campaign(fuzz_server: FuzzServer) -> None:
    collector = fuzz_server.collector
    collector.profile = PROFILE
    collector.seed = SEED or "derandomized"
    campaign = Campaign(fuzz_server, collector)
    started = time.monotonic()
    deadline = started + BUDGET if BUDGET > 0 else float("inf")

    @settings(settings.get_profile(f"terminology-fuzz-{PROFILE}"))
    @given(request=grammar.requests(), repeat=st.integers(0, 3))
    def fuzz(request: grammar.FuzzRequest, repeat: int) -> None:
        collector.examples += 1
        if time.monotonic() > deadline:
            raise BudgetSpent
        campaign.exchange(request, repeat=repeat == 0)

    if SEED:
        fuzz = seed(int(SEED))(fuzz)
    try:
        fuzz()
    except BudgetSpent:
        collector.stopped_by_budget = True
    campaign.finish()
    collector.rss_after = fuzz_server.rss()
    collector.seconds = time.monotonic() - started
    assert not collector.failures, collector.text()
