"""A per-request work budget, so no definition a client sends can keep a worker busy for long.

Expansion and validation call ``spend`` as they visit concepts and value sets. The budget counts
steps, not seconds, so the same question always gets the same answer whatever the machine's
load. It lives in a context variable because the work is spread over every layer (engine,
operations, providers) and threading a counter through each signature would obscure them; a
request starts a fresh budget at the HTTP edge, and code run outside a request (tests, tools)
has no limit.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

from terminology.errors import TerminologyError
from terminology.messages import msg

#: Steps one request may take by default: a few seconds of the worst kind of work, and far more
#: than any expansion of the full ICD-10-CM with filters needs.
DEFAULT_STEPS = 5_000_000


@dataclass(slots=True)
class Budget:
    limit: int
    used: int = 0


_current: ContextVar[Budget | None] = ContextVar("terminology_budget", default=None)


def start(limit: int) -> None:
    """Give the current request a fresh budget of ``limit`` steps (0 or less: no limit)."""
    _current.set(Budget(limit) if limit > 0 else None)


def spend(steps: int = 1) -> None:
    """Count ``steps`` of work; a 422 ``too-costly`` error once the request's budget is gone."""
    budget = _current.get()
    if budget is None:
        return
    budget.used += steps
    if budget.used > budget.limit:
        raise TerminologyError(
            msg("REQUEST_TOO_COSTLY", limit=budget.limit), status=422, code="too-costly"
        )


def exhausted() -> bool:
    """Whether the current request has spent its whole budget (a batch stops there: its later
    entries could only be refused for the earlier ones' work)."""
    budget = _current.get()
    return budget is not None and budget.used > budget.limit
