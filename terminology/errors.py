"""The one exception type of the server: every request that cannot be answered raises it.

A question answered "no" (a code not in a value set, say) is a result, not an exception; this
type is for requests the server cannot evaluate. The HTTP edge renders it as an
OperationOutcome with ``status`` as the HTTP status.
"""

from __future__ import annotations

from terminology.messages import message_id_of


class TerminologyError(Exception):
    """A request that cannot be answered, rendered as one OperationOutcome issue.

    ``code`` is the R4 IssueType (``invalid``, ``not-found``, ``not-supported``, ...);
    ``tx_type`` a code from ``http://hl7.org/fhir/tools/CodeSystem/tx-issue-type``;
    ``expression`` a FHIRPath relative to the input (``code``, ``Coding.system``, ...);
    ``message_id`` the catalogue message id of ``message``, taken from ``message`` itself when
    that is a ``Message`` (what ``msg`` returns) and not given.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        code: str = "invalid",
        tx_type: str | None = None,
        expression: str | None = None,
        headers: dict[str, str] | None = None,
        message_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.tx_type = tx_type
        self.expression = expression
        self.headers = headers or {}
        self.message_id = message_id or message_id_of(message)
