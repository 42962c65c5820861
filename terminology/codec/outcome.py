"""OperationOutcome dicts, with the tx-issue-type coding and message id the HL7 validator reads.

Issues carry ``expression`` (the FHIRPath of the input at fault), not ``location``: R4 marks
``location`` deprecated in favour of ``expression``, and HL7's terminology-ecosystem tests forbid
it in some expected answers while never requiring it. Each issue carries the
``operationoutcome-message-id`` extension with the catalogue message id of its text (see
``terminology.messages``), as tx.fhir.org does.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from terminology.checks.findings import Finding
from terminology.errors import TerminologyError
from terminology.messages import message_id_of, msg
from terminology.uris import MESSAGE_ID, TX_ISSUE_TYPE, VALIDATION_REASON


def issue(
    severity: str,
    code: str,
    text: str,
    tx_type: str | None = None,
    expression: str | None = None,
    message_id: str | None = None,
) -> dict[str, Any]:
    """One OperationOutcome issue; ``message_id`` defaults to the id ``text`` carries."""
    out: dict[str, Any] = {}
    message_id = message_id or message_id_of(text)
    if message_id:
        out["extension"] = [{"url": MESSAGE_ID, "valueString": message_id}]
    details: dict[str, Any] = {"text": str(text)}
    if tx_type:
        details = {"coding": [{"system": TX_ISSUE_TYPE, "code": tx_type}], "text": str(text)}
    out.update(severity=severity, code=code, details=details)
    if expression:
        out["expression"] = [expression]
    return out


def validation_outcome(findings: Iterable[Finding]) -> dict[str, Any]:
    """The answer of ``$validate``: one issue per finding, its reason as a coding of our
    validation-reason CodeSystem (so a scrubber keys on the code, not the text); a lone
    information issue when there is nothing to report (an OperationOutcome needs one)."""
    issues = []
    for f in findings:
        issues.append(
            {
                "severity": f.severity,
                "code": f.code,
                "details": {
                    "coding": [
                        {"system": VALIDATION_REASON, "code": f.reason, "display": f.reason_display}
                    ],
                    "text": str(f.text),
                },
                "expression": [f.expression],
            }
        )
    if not issues:
        issues.append(
            {
                "severity": "information",
                "code": "informational",
                "details": {"text": "No issues: the resource passed every check"},
            }
        )
    return operation_outcome(issues)


def operation_outcome(issues: list[dict[str, Any]]) -> dict[str, Any]:
    return {"resourceType": "OperationOutcome", "issue": issues}


def from_error(error: TerminologyError) -> dict[str, Any]:
    fields = (error.code, error.message, error.tx_type, error.expression, error.message_id)
    return operation_outcome([issue("error", *fields)])


def with_request_id(outcome: dict[str, Any], request_id: str | None) -> dict[str, Any]:
    """``outcome`` with ``request-id: ID`` in each issue's ``diagnostics`` (after what is
    there), so a client quoting the outcome quotes the id its request was logged with.

    Written ``request-id``, not as the header's name: HL7's test runner compares diagnostics
    that mention ``x-request-id`` and ignores the others, and the id differs on every run."""
    if request_id:
        for item in outcome.get("issue", ()):
            before = item.get("diagnostics")
            note = f"request-id: {request_id}"
            item["diagnostics"] = f"{before}; {note}" if before else note
    return outcome


def batch_entry_outcome(error: TerminologyError) -> dict[str, Any]:
    """The answer of one ``$batch-validate-code`` validation that could not be evaluated: the
    issue the same request gets alone (severity, code, tx-issue-type and text), in the bare
    shape HL7's batch case pins for it, which allows no message-id extension and no
    expression. What those would say, and the HTTP status the request gets alone, go in
    ``diagnostics``."""
    details: dict[str, Any] = {"text": str(error.message)}
    if error.tx_type:
        details = {"coding": [{"system": TX_ISSUE_TYPE, "code": error.tx_type}], **details}
    status = error.status
    diagnostics = msg("BATCH_ENTRY_FAILED", status=status, message_id=error.message_id or "none")
    if error.expression:
        diagnostics += f"; expression {error.expression}"
    found = {"severity": "error", "code": error.code, "details": details}
    return operation_outcome([{**found, "diagnostics": str(diagnostics)}])
