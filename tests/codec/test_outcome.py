"""OperationOutcome issues: the message-id extension, expression and no location."""

from __future__ import annotations

from terminology.codec.outcome import from_error, issue
from terminology.codec.outputs import issues_outcome
from terminology.errors import TerminologyError
from terminology.messages import msg
from terminology.model import Issue
from terminology.uris import MESSAGE_ID, TX_ISSUE_TYPE


def test_an_error_becomes_an_issue_with_its_message_id_and_no_location() -> None:
    error = TerminologyError(msg("LOOKUP_NO_CODE"), code="required", expression="code")
    assert from_error(error) == {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "extension": [{"url": MESSAGE_ID, "valueString": "chest-imaging:LOOKUP_NO_CODE"}],
                "severity": "error",
                "code": "required",
                "details": {"text": msg("LOOKUP_NO_CODE")},
                "expression": ["code"],
            }
        ],
    }


def test_findings_carry_their_message_ids() -> None:
    text = msg("UNKNOWN_CODE_NO_VERSION", code="'x'", system="http://example.org/cs")
    outcome = issues_outcome([Issue("error", "code-invalid", text, "invalid-code", "code")])
    (only,) = outcome["issue"]
    assert only["extension"] == [{"url": MESSAGE_ID, "valueString": "Unknown_Code_in"}]
    assert only["details"]["coding"] == [{"system": TX_ISSUE_TYPE, "code": "invalid-code"}]
    assert only["expression"] == ["code"]
    assert "location" not in only


def test_an_explicit_id_wins_and_a_text_without_one_has_no_extension() -> None:
    assert issue("error", "invalid", msg("LOOKUP_NO_CODE"), message_id="X")["extension"] == [
        {"url": MESSAGE_ID, "valueString": "X"}
    ]
    assert "extension" not in issue("error", "invalid", "a text of no catalogue")
