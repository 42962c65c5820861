"""/readyz on a PostgreSQL store that goes away: a server reaches the test database through a
TCP forwarder of the test's own, which is then cut (the shared PostgreSQL keeps running)."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests

from tests.conftest import CONTENT_DIR, start_server, stop_server


class Forwarder:
    """Forwards connections on a local port to ``target``; ``cut`` refuses new ones and
    resets those open, as a database host that went down would."""

    def __init__(self, target: tuple[str, int], port: int = 0) -> None:
        self.target = target
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", port))
        self.listener.listen(64)
        self.port: int = self.listener.getsockname()[1]
        self.open: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        # shutdown() first: close() alone leaves a listener that a thread blocked in accept()
        # still holds, and it goes on accepting.
        try:
            self.listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.listener.close()
        with self.lock:
            for s in self.open:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
            self.open.clear()


def via(url: str, port: int) -> str:
    parts = urlsplit(url)
    user = parts.netloc.rpartition("@")[0]
    netloc = f"{user}@127.0.0.1:{port}" if user else f"127.0.0.1:{port}"
    return urlunsplit(parts._replace(netloc=netloc))


def test_readyz_is_503_while_postgresql_does_not_answer(
    tmp_path: Path, postgres_url: str, postgres_schema: str
) -> None:
    target = urlsplit(postgres_url)
    forwarder = Forwarder((target.hostname or "127.0.0.1", target.port or 5432))
    env = {
        "TERMINOLOGY_DATABASE_URL": via(postgres_url, forwarder.port),
        "TERMINOLOGY_DATABASE_SCHEMA": postgres_schema,
        "TERMINOLOGY_CONTENT_DIR": str(CONTENT_DIR),
    }
    server = start_server(tmp_path, env=env)
    root = server.base.removesuffix("/fhir")
    try:
        ready = requests.get(f"{root}/readyz", timeout=15)
        assert ready.status_code == 200, ready.text
        assert ready.json()["store"].startswith("postgresql://")

        forwarder.cut()
        down = requests.get(f"{root}/readyz", timeout=15)
        assert down.status_code == 503
        body = down.json()
        assert body["status"] == "unavailable"
        assert "content store" in body["reason"] and body["serving_generation"] >= 1
        assert down.headers["X-Request-Id"]
        # Alive all the same: a restart would not bring the database back.
        assert requests.get(f"{root}/healthz", timeout=5).status_code == 200

        forwarder = Forwarder(forwarder.target, forwarder.port)  # the database is back
        deadline = time.monotonic() + 15
        while requests.get(f"{root}/readyz", timeout=15).status_code != 200:
            assert time.monotonic() < deadline, "not ready again after the database came back"
            time.sleep(0.2)
    finally:
        stop_server(server)
        forwarder.cut()
