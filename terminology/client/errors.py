"""The client's one exception type."""

from __future__ import annotations

from typing import Any

from terminology.client.reading import issues_of
from terminology.client.results import Issue


class TerminologyClientError(Exception):
    """A call that got no answer: the server answered 4xx/5xx (``status``, and the
    ``OperationOutcome`` it sent in ``outcome``, its issues in ``issues``), or no usable reply
    came at all (``status`` None: connection refused, timed out after every retry, a body that
    is not the FHIR resource the operation returns)."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        outcome: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.outcome = outcome
        self.headers = headers or {}
        self.issues: tuple[Issue, ...] = issues_of(outcome)
