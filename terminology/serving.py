"""How a WSGI app is served in production: one place, so the benchmark's ceiling app is served
exactly like the terminology server."""

from __future__ import annotations


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
    ).serve()
