"""Bearer tokens: who may write (``TERMINOLOGY_WRITE_TOKEN``, ``TERMINOLOGY_WRITE_TOKENS_FILE``)
and, when the operator closes reads (``TERMINOLOGY_READ_TOKEN``), who may read.

A token is compared with every configured one by ``hmac.compare_digest`` over SHA-256 digests,
so the time taken says neither which token nearly matched nor how long a token is. No token
is ever logged or put in a message; the settings keep them out of their ``repr``. A missing or
wrong token is a 401 with ``WWW-Authenticate: Bearer`` (RFC 6750, with ``error="invalid_token"``
for a wrong one); Basic credentials are refused the same way, as are tokens in the query string
(RFC 6750 allows them, but query strings end up in access logs).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass

from flask import Flask, current_app, request

from terminology.errors import TerminologyError
from terminology.messages import msg

EXTENSION = "terminology.auth"
REALM = "terminology"


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


@dataclass(frozen=True, slots=True)
class Tokens:
    """The digests of the configured tokens (the tokens themselves are not kept)."""

    writers: tuple[bytes, ...]
    #: Tokens that may only read; empty with ``reads_open``.
    readers: tuple[bytes, ...]
    reads_open: bool

    @classmethod
    def build(cls, write_tokens: Iterable[str], read_token: str | None) -> Tokens:
        readers = (_digest(read_token),) if read_token else ()
        return cls(tuple(_digest(t) for t in write_tokens), readers, not read_token)

    @property
    def writes_enabled(self) -> bool:
        return bool(self.writers)

    @staticmethod
    def _matches(given: bytes, digests: tuple[bytes, ...]) -> bool:
        found = False
        for digest in digests:  # every one compared: the time does not say which matched
            found |= hmac.compare_digest(given, digest)
        return found

    def may_write(self, token: str) -> bool:
        return self._matches(_digest(token), self.writers)

    def may_read(self, token: str) -> bool:
        given = _digest(token)
        return self._matches(given, self.readers) | self._matches(given, self.writers)


def tokens() -> Tokens:
    return tokens_of(current_app)


def tokens_of(app: Flask) -> Tokens:
    found: Tokens = app.extensions[EXTENSION]
    return found


def _challenge(error: str | None = None) -> dict[str, str]:
    value = f'Bearer realm="{REALM}"'
    if error:
        value += f', error="{error}"'
    return {"WWW-Authenticate": value}


def _bearer() -> str:
    """The request's bearer token; a 401 when it has none, or other credentials."""
    header = request.headers.get("Authorization", "")
    scheme, _, credentials = header.strip().partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    if scheme.lower() == "basic":
        raise TerminologyError(
            msg("AUTH_BASIC_REFUSED"), status=401, code="login", headers=_challenge()
        )
    if header:
        raise TerminologyError(
            msg("AUTH_REQUIRED"),
            status=401,
            code="login",
            headers=_challenge("invalid_request"),
        )
    raise TerminologyError(msg("AUTH_REQUIRED"), status=401, code="login", headers=_challenge())


def require_writer() -> None:
    """Before a write: a 401 unless the request carries a write token."""
    if not tokens().may_write(_bearer()):
        raise TerminologyError(
            msg("AUTH_INVALID_TOKEN"),
            status=401,
            code="login",
            headers=_challenge("invalid_token"),
        )


#: Endpoints anyone may call even with reads closed: the CapabilityStatement (clients find how
#: to authenticate there) and the FHIR versions.
_OPEN_PATHS = ("/metadata",)


def check_reader() -> None:
    """Before every request when reads are closed: a 401 unless it carries a read or write
    token (``metadata`` and CORS preflights excepted). Writes are checked by their views."""
    environ = request.environ
    if environ["REQUEST_METHOD"] in ("OPTIONS", "PUT", "DELETE") or request.endpoint is None:
        return
    path: str = environ.get("PATH_INFO", "")
    if path.endswith(_OPEN_PATHS):
        return
    if request.endpoint.endswith("writes.create"):
        return
    if not tokens().may_read(_bearer()):
        raise TerminologyError(
            msg("AUTH_INVALID_TOKEN"),
            status=401,
            code="login",
            headers=_challenge("invalid_token"),
        )


def register(app: Flask, write_tokens: Iterable[str], read_token: str | None) -> Tokens:
    """Keep the tokens' digests; with a read token, check every request before its view."""
    found = Tokens.build(write_tokens, read_token)
    app.extensions[EXTENSION] = found
    if not found.reads_open:
        app.before_request(check_reader)
    return found
