"""Small readers for FHIR Parameters and OperationOutcome responses in tests."""

from __future__ import annotations

from typing import Any

from terminology.uris import TX_ISSUE_TYPE


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
