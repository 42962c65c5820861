"""Value sets as objects a caller asks questions of, without building an operation request.

    chest_ct = ValueSets(services).get(CHEST_CT_URL)
    chest_ct.contains(Coding(CPT, "71250"), on=date(2026, 3, 1)).result   # True

Order and claim validation ask "is this code allowed here, on the date of service?" for every
coded element; they get the same answer, issues and texts as ``$validate-code`` because the
answer is worked out by the same verdict (``verdict.py``) over the same version policy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from terminology.model import Coding, Issue
from terminology.operations.context import Services
from terminology.operations.scope import Scope, build_scope
from terminology.operations.validate_code_model import CanonicalRef, ValidateCodeRequest
from terminology.operations.verdict import Verdict


@dataclass(frozen=True, slots=True)
class Membership:
    """Whether a coding is in a value set, and why.

    ``result`` is True (a member), False (not a member) or None (cannot tell: the coding's
    code system, or the version the date of service needs, is not loaded)."""

    result: bool | None
    issues: tuple[Issue, ...] = ()
    #: The concept that answered: its system, version and preferred display.
    system: str | None = None
    version: str | None = None
    display: str | None = None
    inactive: bool = False
    #: The error texts and notable warnings, joined with "; " (``$validate-code``'s message).
    message: str | None = None

    @property
    def errors(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity in ("error", "fatal"))


class ValueSet:
    """One value set, as the server holds it."""

    def __init__(self, resource: Mapping[str, Any], scope: Scope) -> None:
        self.resource = resource
        self._scope = scope

    @property
    def url(self) -> str:
        return str(self.resource.get("url", ""))

    @property
    def version(self) -> str | None:
        version = self.resource.get("version")
        return str(version) if version is not None else None

    def contains(
        self, coding: Coding, on: date | None = None, *, display_language: str | None = None
    ) -> Membership:
        """Is ``coding`` in this value set on the date of service ``on`` (the version in force
        then answers; without a date, the latest)? Its display is checked too."""
        request = ValidateCodeRequest(
            form="coding",
            codings=(coding,),
            value_set=CanonicalRef(self.url, self.version),
            date=on,
            display_language=display_language,
        )
        answer = Verdict(request, self._scope, self.resource, internal=False).run()
        unknown = not answer.result and bool(answer.unknown_systems)
        return Membership(
            result=None if unknown else answer.result,
            issues=tuple(answer.issues),
            system=answer.system,
            version=answer.version,
            display=answer.display,
            inactive=bool(answer.inactive),
            message=answer.message,
        )


class ValueSets:
    """The value sets of one content generation, by canonical url."""

    def __init__(self, services: Services) -> None:
        self._scope = build_scope(services, ())

    def get(self, url: str, version: str | None = None) -> ValueSet:
        """The value set ``url`` (``url|version`` also works); a 404 ``TerminologyError`` when
        the server does not hold it."""
        if version is None and "|" in url:
            url, _, version = url.partition("|")
        resource = self._scope.target_value_set(CanonicalRef(url, version or None))
        return ValueSet(resource, self._scope)
