"""One problem a resource check found: plain data, rendered as an OperationOutcome issue at
the HTTP edge."""

from __future__ import annotations

from dataclasses import dataclass

from terminology.checks.reasons import REASONS
from terminology.model import Severity


@dataclass(frozen=True, slots=True)
class Finding:
    severity: Severity
    #: The OperationOutcome issue type (``code-invalid``, ``structure``, ``business-rule``...).
    code: str
    #: Our reason code (``checks/reasons.py``).
    reason: str
    #: What is wrong and how to fix it.
    text: str
    #: The FHIRPath of the element at fault, from the resource root (or the Bundle's).
    expression: str

    def __post_init__(self) -> None:
        if self.reason not in REASONS:
            raise ValueError(f"unknown validation reason {self.reason!r}")

    @property
    def reason_display(self) -> str:
        return REASONS[self.reason][0]
