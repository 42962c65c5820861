"""OperationOutcome dicts, with the tx-issue-type coding the HL7 validator reads.

Issues carry ``expression`` (the FHIRPath of the input at fault), not ``location``: R4 marks
``location`` deprecated in favour of ``expression``, and HL7's terminology-ecosystem tests forbid
it in some expected answers while never requiring it.
"""

from __future__ import annotations

from typing import Any

from terminology.errors import TerminologyError
from terminology.uris import TX_ISSUE_TYPE


def issue(
    severity: str,
    code: str,
    text: str,
    tx_type: str | None = None,
    expression: str | None = None,
) -> dict[str, Any]:
    details: dict[str, Any] = {"text": text}
    if tx_type:
        details = {"coding": [{"system": TX_ISSUE_TYPE, "code": tx_type}], "text": text}
    out: dict[str, Any] = {"severity": severity, "code": code, "details": details}
    if expression:
        out["expression"] = [expression]
    return out


def operation_outcome(issues: list[dict[str, Any]]) -> dict[str, Any]:
    return {"resourceType": "OperationOutcome", "issue": issues}


def from_error(error: TerminologyError) -> dict[str, Any]:
    return operation_outcome(
        [issue("error", error.code, error.message, error.tx_type, error.expression)]
    )
