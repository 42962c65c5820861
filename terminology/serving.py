"""How a WSGI app is served in production: one place, so the benchmark's ceiling app is served
exactly like the terminology server."""

from __future__ import annotations

#: Seconds a worker gets to finish its in-flight request after SIGTERM or SIGINT before it is
#: killed. Without it granian waits for the request however long it runs (a worker stuck in a
#: long computation in C code never returns to Python to notice the signal), so the server
#: would not stop.
SHUTDOWN_GRACE_SECONDS = 3


def serve_wsgi(target: str, *, host: str, port: int, workers: int, access_log: bool) -> None:
    """Serve the WSGI app at ``target`` (``module:attribute``) with granian until stopped."""
    from granian import Granian
    from granian.constants import Interfaces

    Granian(
        target,
        address=host,
        port=port,
        workers=workers,
        interface=Interfaces.WSGI,
        log_access=access_log,
        websockets=False,
        workers_kill_timeout=SHUTDOWN_GRACE_SECONDS,
    ).serve()
