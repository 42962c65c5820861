"""Is the display a client sent right for this concept, in the languages it asked for?

The candidates are the concept's display and its designations (plus displays a value set gives
the code). A match must be exact. When the code system's displays are not the owner's text (our
CPT descriptions), a difference is reported as information only: the client most likely sent the
official descriptor, which this server does not hold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from terminology.messages import msg
from terminology.model import CodeSystemInfo, Concept, Issue

_SPACES = re.compile(r"\s+")
_LANGUAGE = re.compile(r"^(\*|[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*)$")


@dataclass(frozen=True, slots=True)
class Candidate:
    value: str
    language: str | None


def parse_languages(header: str | None) -> list[str]:
    """Languages of a ``displayLanguage`` or Accept-Language value, best first (q ignored)."""
    if not header:
        return []
    out = []
    for item in header.split(","):
        tag = item.split(";")[0].strip()
        if tag:
            out.append(tag)
    return out


def valid_language_list(value: str) -> bool:
    return all(_LANGUAGE.match(tag) for tag in parse_languages(value)) and bool(value.strip())


def _matches(language: str | None, wanted: str) -> bool:
    if wanted == "*":
        return True
    if language is None:
        return False
    language, wanted = language.lower(), wanted.lower()
    return (
        language == wanted or language.startswith(wanted + "-") or wanted.startswith(language + "-")
    )


def candidates(concept: Concept, info: CodeSystemInfo, extra: list[Candidate]) -> list[Candidate]:
    found = []
    if concept.display:
        found.append(Candidate(concept.display, info.language))
    found += [Candidate(d.value, d.language) for d in concept.designations]
    found += extra
    return found


def preferred_display(concept: Concept, info: CodeSystemInfo, languages: list[str]) -> str | None:
    """The display to return: in the first requested language that has one, else the default."""
    for wanted in languages:
        if wanted == "*":
            break
        if info.language and _matches(info.language, wanted) and concept.display:
            return concept.display
        for d in concept.designations:
            if _matches(d.language, wanted):
                return d.value
    return concept.display


def _label(c: Candidate) -> str:
    return f"'{c.value}' ({c.language})" if c.language else f"'{c.value}'"


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
) -> list[Issue]:
    """Issues for a supplied display; empty when it is right."""
    every = candidates(concept, info, extra or [])
    if any(c.value == display for c in every) and not languages:
        return []
    if languages:
        in_language = [c for c in every if any(_matches(c.language, w) for w in languages)]
        if info.language is None and any(w == "*" for w in languages):
            in_language = every
    else:
        in_language = every
    if any(c.value == display for c in in_language):
        return []
    if not info.displays_official:
        return [
            Issue(
                "information",
                "informational",
                msg(
                    "DISPLAY_NOT_OFFICIAL",
                    display=display,
                    system=system,
                    code=concept.code,
                    ours=concept.display or "",
                ),
                "display-comment",
                expression,
            )
        ]
    severity = "warning" if lenient else "error"
    langs = ",".join(languages) if languages else "--"
    default_matches = any(c.value == display for c in every)
    if languages and not in_language:
        if default_matches:
            return [
                Issue(
                    "information",
                    "invalid",
                    msg(
                        "DISPLAY_DEFAULT_LANGUAGE_ONLY",
                        system=system,
                        code=concept.code,
                        languages=langs,
                        display=display,
                    ),
                    "invalid-display",
                    expression,
                )
            ]
        return [
            Issue(
                severity,
                "invalid",
                msg(
                    "WRONG_DISPLAY_NO_LANGUAGE",
                    display=display,
                    system=system,
                    code=concept.code,
                    languages=langs,
                    default=concept.display or "",
                ),
                "invalid-display",
                expression,
            )
        ]
    pool = in_language or every
    unique = list(dict.fromkeys(pool))
    valid = " or ".join(_label(c) for c in unique)
    normalised = _SPACES.sub(" ", display.strip())
    if any(_SPACES.sub(" ", c.value.strip()) == normalised for c in pool):
        text = msg(
            "WRONG_DISPLAY_WS",
            display=display,
            system=system,
            code=concept.code,
            valid=valid,
            languages=langs,
        )
    elif len(unique) > 1:
        text = msg(
            "WRONG_DISPLAY_CHOICES",
            display=display,
            system=system,
            code=concept.code,
            count=len(unique),
            valid=valid,
            languages=langs,
        )
    else:
        text = msg(
            "WRONG_DISPLAY",
            display=display,
            system=system,
            code=concept.code,
            valid=valid,
            languages=langs,
        )
    return [Issue(severity, "invalid", text, "invalid-display", expression)]
