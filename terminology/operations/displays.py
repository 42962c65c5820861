"""Is the display a client sent right for this concept, in the languages it asked for?

Candidates are the concept's display (in the code system's language, or in none), its
designations, and any display the value set gives the code. With no language asked for, every
candidate counts; otherwise only those in an asked-for language (a candidate without a language
counts for any). A match must be exact; a difference only in white space gets its own message.
When the code system's displays are not the owner's text (our CPT descriptions) a difference is
information only: the client most likely sent the official descriptor, which we do not hold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from terminology.messages import Whole, msg, shorten
from terminology.model import CodeSystemInfo, Concept, Designation, Issue, Severity
from terminology.uris import SNOMED, TERM_MAINT_INFRA

_SPACES = re.compile(r"\s+")
_LANGUAGE = re.compile(r"^(\*|[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*)$")
#: Designations with these statuses are still recognised but reported as no longer correct
#: (the ecosystem reports all of them as "deprecated").
_INACTIVE_DESIGNATION = frozenset({"deprecated", "withdrawn", "retired", "inactive"})
#: Designation uses that make a designation a display (besides having no use): it is then
#: offered among the valid displays a wrong one is told of. Others (an abbreviation, a
#: historical form) still match a display sent, but are not offered, as tx.fhir.org does.
_DISPLAY_USES = frozenset(
    {(TERM_MAINT_INFRA, "preferredForLanguage"), (SNOMED, "900000000000548007")}
)


@dataclass(frozen=True, slots=True)
class Candidate:
    value: str
    language: str | None
    #: A designation marked deprecated/withdrawn: still recognised, but no longer correct.
    status: str | None = None
    #: Whether it is offered as a valid display (a display, or a designation used as one).
    offered: bool = True


@dataclass(frozen=True, slots=True)
class DisplayFinding:
    issue: Issue
    #: Whether the text belongs in the operation's summary ``message``.
    in_message: bool


def parse_languages(header: str | None) -> list[str]:
    """Languages of a ``displayLanguage`` or Accept-Language value, in the order given."""
    if not header:
        return []
    return [item.split(";")[0].strip() for item in header.split(",") if item.split(";")[0].strip()]


def valid_language_list(value: str) -> bool:
    tags = parse_languages(value)
    return bool(tags) and all(_LANGUAGE.match(tag) for tag in tags)


def language_matches(language: str | None, wanted: str) -> bool:
    if wanted == "*" or language is None:
        return True
    language, wanted = language.lower(), wanted.lower()
    return (
        language == wanted or language.startswith(wanted + "-") or wanted.startswith(language + "-")
    )


def candidates(concept: Concept, info: CodeSystemInfo, extra: list[Candidate]) -> list[Candidate]:
    found = []
    if concept.display:
        found.append(Candidate(concept.display, info.language))
    for d in concept.designations:
        status = "deprecated" if d.status in _INACTIVE_DESIGNATION else None
        found.append(Candidate(d.value, d.language, status, _is_display(d)))
    return found + extra


def _is_display(d: Designation) -> bool:
    return d.use is None or (d.use.system, d.use.code) in _DISPLAY_USES


def preferred_display(concept: Concept, info: CodeSystemInfo, languages: list[str]) -> str | None:
    """The display to return: in the first asked-for language that has one, else the default."""
    for wanted in languages:
        if wanted == "*":
            break
        if concept.display and info.language and language_matches(info.language, wanted):
            return concept.display
        for d in concept.designations:
            if d.language and language_matches(d.language, wanted):
                return d.value
    return concept.display


def _present(items: list[Candidate]) -> str:
    labels = list(
        dict.fromkeys(
            f"'{shorten(c.value)}' ({c.language})" if c.language else f"'{shorten(c.value)}'"
            for c in items
        )
    )
    if len(labels) <= 2:
        return Whole(" or ".join(labels))
    return Whole(", ".join(labels[:-1]) + " or " + labels[-1])


def check_display(
    display: str,
    system: str,
    concept: Concept,
    info: CodeSystemInfo,
    languages: list[str],
    *,
    lenient: bool,
    expression: str,
    extra: list[Candidate] | None = None,
) -> DisplayFinding | None:
    """What is wrong with a supplied display; None when it is right."""
    every = candidates(concept, info, extra or [])
    wanted = [
        c for c in every if not languages or any(language_matches(c.language, w) for w in languages)
    ]
    exact = [c for c in wanted if c.value == display]
    if exact:
        if all(c.status for c in exact):
            valid = Whole(", ".join(f'"{shorten(c.value)}"' for c in wanted if not c.status))
            text = msg(
                "INACTIVE_DISPLAY",
                display=display,
                code=concept.code,
                status=exact[0].status,
                valid=valid,
            )
            return DisplayFinding(
                Issue("warning", "invalid", text, "display-comment", expression), False
            )
        return None
    if not info.displays_official:
        text = msg(
            "DISPLAY_NOT_OFFICIAL",
            display=display,
            system=system,
            code=concept.code,
            ours=concept.display or "",
        )
        return DisplayFinding(
            Issue("information", "informational", text, "display-comment", expression), True
        )
    severity: Severity = "warning" if lenient else "error"
    summary = ",".join(languages) if languages else "--"
    active = [c for c in wanted if not c.status]
    if not active:
        if any(c.value == display for c in every):
            text = msg(
                "DISPLAY_DEFAULT_LANGUAGE_ONLY",
                system=system,
                code=concept.code,
                languages=summary,
                display=display,
            )
            return DisplayFinding(
                Issue("information", "invalid", text, "invalid-display", expression), True
            )
        text = msg(
            "WRONG_DISPLAY_NO_LANGUAGE",
            display=display,
            system=system,
            code=concept.code,
            languages=summary,
            default=concept.display or "",
        )
        return DisplayFinding(Issue(severity, "invalid", text, "invalid-display", expression), True)
    normalised = _SPACES.sub(" ", display.strip())
    whitespace_only = any(_SPACES.sub(" ", c.value.strip()) == normalised for c in active)
    offered = [c for c in active if c.offered] or active
    count = len({c.value for c in offered})
    key = ("WRONG_DISPLAY_WS" if whitespace_only else "WRONG_DISPLAY") + (
        "_CHOICES" if count > 1 else ""
    )
    text = msg(
        key,
        display=display,
        system=system,
        code=concept.code,
        valid=_present(offered),
        languages=summary,
        count=count,
    )
    return DisplayFinding(Issue(severity, "invalid", text, "invalid-display", expression), True)
