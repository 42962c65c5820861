"""``terminology bench --target URL``: measure a server that is already running (replicas
behind nginx, say) instead of one the bench starts, against the same bare-Flask ceiling.

The ceiling stays one server of ``--workers`` workers started here, so the ratio reads "the
target as a multiple of what one bare Flask server reaches on this machine": with every
process on one machine, a topology of several replicas and a proxy should not be expected to
pass 1.0, and the ratio shows what the proxy and the extra processes cost.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import requests

from terminology.bench.wrk import BenchError

#: Load goes to this machine only: the bench is no tool for loading someone else's server.
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def target_base(url: str) -> str:
    """The target's root (rows' paths start with ``/fhir``), once it answers ``/metadata``."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise BenchError(f"--target {url!r}: give an http:// URL, like http://127.0.0.1:8088")
    if parts.hostname not in LOOPBACK:
        raise BenchError(
            f"--target {url!r}: the bench drives load at this machine only "
            "(127.0.0.1, localhost or ::1)"
        )
    base = f"{parts.scheme}://{parts.netloc}{parts.path}".rstrip("/").removesuffix("/fhir")
    try:
        answer = requests.get(f"{base}/fhir/metadata", timeout=10)
    except requests.RequestException as exc:
        raise BenchError(f"--target {url!r} does not answer: {exc}") from exc
    if answer.status_code != 200:
        raise BenchError(
            f"--target {url!r}: {base}/fhir/metadata answered HTTP {answer.status_code}"
        )
    return base
