"""How a WSGI app is served in production: one place, so the benchmark's ceiling app is served
exactly like the terminology server."""

from __future__ import annotations

import errno
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from terminology.errors import TerminologyError
from terminology.messages import msg

#: Seconds a worker gets to finish its in-flight request after SIGTERM or SIGINT before it is
#: killed. Without it granian waits for the request however long it runs (a worker stuck in a
#: long computation in C code never returns to Python to notice the signal), so the server
#: would not stop.
SHUTDOWN_GRACE_SECONDS = 3


def check_address_free(host: str, port: int) -> None:
    """Refuse to serve on an address another server already listens on.

    granian binds every worker's socket with SO_REUSEPORT, so a second server on a port in use
    would start without error and the kernel would split the connections between the two. A
    probe bound without SO_REUSEPORT fails when anything listens there (SO_REUSEADDR only lets
    it ignore connections of a previous run still in TIME_WAIT).
    """
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise TerminologyError(msg("CANNOT_LISTEN", host=host, port=port, reason=exc)) from exc
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise TerminologyError(msg("PORT_IN_USE", host=host, port=port)) from exc
            raise TerminologyError(
                msg("CANNOT_LISTEN", host=host, port=port, reason=exc.strerror or exc)
            ) from exc


#: Where prometheus-client keeps each process's metric values in multi-process mode.
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


@contextmanager
def metrics_directory() -> Iterator[Path]:
    """Set ``PROMETHEUS_MULTIPROC_DIR`` for the workers about to start, for as long as they serve.

    prometheus-client reads the variable when it is first imported, so this comes before
    anything imports it. A directory the operator named is emptied of an earlier run's values
    (they would be added to this run's) and kept; otherwise a fresh one is made and removed at
    the end."""
    given = os.environ.get(MULTIPROC_ENV)
    if given:
        path = Path(given)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):
            stale.unlink()
        yield path
        return
    path = Path(tempfile.mkdtemp(prefix="terminology-metrics-"))
    os.environ[MULTIPROC_ENV] = str(path)
    try:
        yield path
    finally:
        os.environ.pop(MULTIPROC_ENV, None)
        shutil.rmtree(path, ignore_errors=True)


def serve_wsgi(
    target: str,
    *,
    host: str,
    port: int,
    workers: int,
    access_log: bool,
    log_config: dict[str, Any] | None = None,
    threads: int = 0,
) -> None:
    """Serve the WSGI app at ``target`` (``module:attribute``) with granian until stopped.

    ``access_log`` is granian's own access log; ``log_config`` (a ``logging.config`` dict) is
    applied in every worker. Raises TerminologyError when the address is taken or cannot be
    bound."""
    from granian import Granian
    from granian.constants import Interfaces

    check_address_free(host, port)
    Granian(
        target,
        address=host,
        port=port,
        workers=workers,
        interface=Interfaces.WSGI,
        log_access=access_log,
        log_dictconfig=log_config,
        websockets=False,
        workers_kill_timeout=SHUTDOWN_GRACE_SECONDS,
        blocking_threads=threads or None,
    ).serve()
