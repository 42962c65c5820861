"""The request id: the client's ``X-Request-Id`` when it is a sane token, else a new one.

It is returned on every response, written in the access line and in each OperationOutcome's
``issue.diagnostics``, so a reply a client quotes can be found in the server's log. A client's
value is taken only when it is short and made of characters that are safe in a header, a log
line and a message (letters, digits and ``._:/@+=~-``); anything else is replaced, never
echoed.
"""

from __future__ import annotations

import itertools
import os
import re
from typing import Any

from flask import has_request_context, request

HEADER = "X-Request-Id"
#: Where the request's id is kept in its WSGI environ (a batch's entries are given the batch's).
ENVIRON_KEY = "terminology.request_id"
MAX_LENGTH = 128
_SANE = re.compile(rf"[A-Za-z0-9._:/@+=~-]{{1,{MAX_LENGTH}}}")


def accept_or_generate(sent: str | None) -> str:
    """The client's id if it is sane, else a new one (32 hex digits)."""
    if sent and _SANE.fullmatch(sent):
        return sent
    return f"{_prefix}{next(_counter):016x}"


def _reseed() -> None:
    """A new random half for this process: a worker forked from a parent must not repeat the
    parent's (or a sibling's) ids."""
    global _prefix, _counter
    _prefix = os.urandom(8).hex()
    _counter = itertools.count()


# A random 64-bit half per process and a counter: unique across workers and replicas like a
# uuid4, without a system call and an object per request (a few microseconds of every answer).
_prefix = ""
_counter = itertools.count()
_reseed()
os.register_at_fork(after_in_child=_reseed)


def of(environ: dict[str, Any]) -> str | None:
    found: str | None = environ.get(ENVIRON_KEY)
    return found


def current() -> str | None:
    """The id of the request being answered (None outside a request, or in an app served
    without the operability middleware)."""
    return of(request.environ) if has_request_context() else None
