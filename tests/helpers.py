"""Small readers for FHIR Parameters and OperationOutcome responses in tests."""

from __future__ import annotations

from typing import Any

from terminology.uris import MESSAGE_ID, TX_ISSUE_TYPE


def param(body: dict[str, Any], name: str) -> Any:
    """The value of the first parameter called ``name`` (None when absent)."""
    for p in body.get("parameter", []):
        if p["name"] == name:
            for key, value in p.items():
                if key.startswith("value"):
                    return value
            return p.get("part") or p.get("resource")
    return None


def properties(body: dict[str, Any]) -> dict[str, list[Any]]:
    """``$lookup`` properties as {code: [values]}."""
    out: dict[str, list[Any]] = {}
    for p in body.get("parameter", []):
        if p["name"] != "property":
            continue
        parts = {part["name"]: part for part in p["part"]}
        value = next(v for k, v in parts["value"].items() if k.startswith("value"))
        out.setdefault(parts["code"]["valueCode"], []).append(value)
    return out


def single_issue(outcome: dict[str, Any]) -> dict[str, Any]:
    assert outcome["resourceType"] == "OperationOutcome", outcome
    assert len(outcome["issue"]) == 1, outcome
    return outcome["issue"][0]


def tx_type(issue: dict[str, Any]) -> str | None:
    for coding in issue.get("details", {}).get("coding", []):
        if coding.get("system") == TX_ISSUE_TYPE:
            return coding.get("code")
    return None


def message_id(issue: dict[str, Any]) -> str | None:
    """The issue's ``operationoutcome-message-id`` (None when it has none)."""
    found = [e for e in issue.get("extension", []) if e.get("url") == MESSAGE_ID]
    assert len(found) <= 1, issue
    return found[0]["valueString"] if found else None


def outcome_shape_problem(outcome: Any) -> str | None:
    """What is wrong with the issues of an OperationOutcome we sent, None when nothing: each
    carries one message id and no (deprecated) ``location``."""
    for index, item in enumerate(outcome.get("issue", []) if isinstance(outcome, dict) else []):
        ids = [
            e.get("valueString")
            for e in item.get("extension", [])
            if isinstance(e, dict) and e.get("url") == MESSAGE_ID
        ]
        if len(ids) != 1 or not isinstance(ids[0], str) or not ids[0]:
            return f"issue[{index}] has message ids {ids}"
        if "location" in item:
            return f"issue[{index}] has a location"
    return None


def issues(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The issues of a validate-code answer (empty when there are none)."""
    outcome = param(body, "issues")
    return outcome["issue"] if outcome else []


def issue_summary(body: dict[str, Any]) -> set[tuple[str, str | None, str | None]]:
    """{(severity, tx-issue-type, expression)} of a validate-code answer."""
    return {(i["severity"], tx_type(i), (i.get("expression") or [None])[0]) for i in issues(body)}


def parameters(*items: dict[str, Any]) -> dict[str, Any]:
    """A ``Parameters`` resource holding ``items``, as a POSTed body."""
    return {"resourceType": "Parameters", "parameter": list(items)}
