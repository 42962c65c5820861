"""What one request's checks found: issues, the texts for ``message``, unknown systems."""

from __future__ import annotations

from terminology.model import Issue, Severity


class Findings:
    """Owned by the operation that asks; the checks it calls add to it."""

    def __init__(self) -> None:
        self.issues: list[Issue] = []
        self.messages: list[str] = []
        self.unknown_systems: list[str] = []

    def add(
        self,
        severity: Severity,
        code: str,
        text: str,
        tx_type: str | None,
        expression: str | None,
        *,
        in_message: bool = False,
    ) -> None:
        issue = Issue(severity, code, text, tx_type, expression or None)
        if issue not in self.issues:
            self.issues.append(issue)
        if in_message or severity == "error":
            self.messages.append(text)

    def replace(self, old: Issue, new: Issue) -> None:
        """Put ``new`` where ``old`` was; ``old``'s text no longer belongs in the summary."""
        self.issues[self.issues.index(old)] = new
        self.messages = [m for m in self.messages if m != old.text]

    def has_errors(self) -> bool:
        return any(i.severity in ("error", "fatal") for i in self.issues)

    def note_unknown(self, key: str) -> None:
        if key not in self.unknown_systems:
            self.unknown_systems.append(key)
