"""Notes that a value set or code system a validation relied on is not fit for production use.

A code validated against a draft, experimental or retired value set, or found in a code system
whose standards status is deprecated or withdrawn, may be right today and wrong tomorrow; the
HL7 ecosystem servers (tx.fhir.org) say so with an ``information`` issue of tx-issue-type
``status-check`` ("Reference to draft CodeSystem url|version"), once per resource, and leave
the result alone. We do the same.
"""

from __future__ import annotations

from terminology.engine.compose import ComposePlan
from terminology.messages import msg
from terminology.model import CodeSystemInfo
from terminology.operations.findings import Findings

_STATUS_KEYS = {"draft": "STATUS_DRAFT", "retired": "STATUS_RETIRED"}
_STANDARDS_KEYS = {"deprecated": "STATUS_DEPRECATED", "withdrawn": "STATUS_WITHDRAWN"}


def _keys(status: object, experimental: bool, standards_status: object) -> list[str]:
    keys = []
    if isinstance(status, str) and status in _STATUS_KEYS:
        keys.append(_STATUS_KEYS[status])
    if experimental:
        keys.append("STATUS_EXPERIMENTAL")
    if isinstance(standards_status, str) and standards_status in _STANDARDS_KEYS:
        keys.append(_STANDARDS_KEYS[standards_status])
    return keys


class StatusNotes:
    """Adds the notes to one request's findings, each resource once."""

    def __init__(self, findings: Findings) -> None:
        self.findings = findings
        self._seen: set[tuple[str, str]] = set()

    def value_set(self, plan: ComposePlan) -> None:
        resource = plan.value_set
        keys = _keys(
            resource.get("status"),
            resource.get("experimental") is True,
            plan.standards_status,
        )
        if keys and plan.key:
            self._add("ValueSet", plan.key, keys)

    def code_system(self, info: CodeSystemInfo) -> None:
        canonical = f"{info.url}|{info.version}" if info.version else info.url
        self._add(
            "CodeSystem",
            canonical,
            _keys(info.status, info.experimental, info.standards_status),
        )

    def _add(self, kind: str, canonical: str, keys: list[str]) -> None:
        if not keys or (kind, canonical) in self._seen:
            return
        self._seen.add((kind, canonical))
        for key in keys:
            self.findings.add(
                "information",
                "business-rule",
                msg(key, kind=kind, url=canonical),
                "status-check",
                None,
            )
