"""Rotating rows: many distinct questions, generated from the content the server loads.

A row that repeats one request measures, at best, the cost of an answer the server has already
worked out once. These rows instead cycle through every code of the value sets we ship (and
codes that are not members, so failures are measured too) crossed with dates of service spread
over the loaded code-system versions, so no answer is replayed from a cache. They are generated
at bench time from the content directory, so they stay true when the content changes.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

from terminology.loaders.seed import read_manifest
from terminology.storage.loader import load_content
from terminology.uris import EXT_EFFECTIVE_PERIOD

T = TypeVar("T")

#: A code no code system holds: asked in every value set for every system it includes.
ABSENT_CODE = "bench-not-a-code"

#: Dates taken from the whole content for every system, on top of a system's own version dates,
#: so codes are also asked on dates no version of their system is in force.
SHARED_DATES = 4

#: Non-member codes asked per system a value set includes (besides ``ABSENT_CODE``).
NON_MEMBERS_PER_INCLUDE = 3

#: Codes of one system CodeSystem/$validate-code asks, spread over its codes: all of a small
#: system, a sample of the ~100,000 of ICD-10-CM (enough that answers are not replayed).
CODES_PER_SYSTEM = 1000


@dataclass(frozen=True, slots=True)
class Question:
    """One GET request of a rotating row and the ``result`` its answer must carry."""

    path: str
    #: ``result`` known in advance from the content, or None where only the server can tell.
    expected: bool | None
    #: The ``display`` the answer must carry (a ``$lookup``), if checked.
    display: str | None = None


@dataclass(frozen=True, slots=True)
class Version:
    """The codes of one loaded code-system version and the dates of service it covers."""

    start: date | None
    end: date | None
    codes: frozenset[str]
    version: str | None = None
    #: Code -> display, for the code systems loaded from vendor files (lookup rows ask them).
    displays: Mapping[str, str] = field(default_factory=dict)

    def covers(self, day: date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


@dataclass(frozen=True, slots=True)
class Include:
    """The codes of one system a value set lists by name."""

    system: str
    codes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Content:
    """What the questions are made of: code-system versions and the value sets' listed codes."""

    versions: dict[str, list[Version]]
    value_sets: dict[str, list[Include]]

    def in_force(self, system: str, code: str, day: date) -> bool:
        """Whether ``code`` is in the version of ``system`` in force on ``day``: the version whose
        period holds the day, or the only version of a system whose versions carry no period."""
        versions = self.versions.get(system, [])
        dated = [v for v in versions if v.start is not None or v.end is not None]
        if dated:
            return any(v.covers(day) and code in v.codes for v in dated)
        return len(versions) == 1 and code in versions[0].codes

    def known(self, system: str, code: str, day: date) -> bool | None:
        """CodeSystem/$validate-code's ``result`` for ``code`` on ``day``: True when in force,
        False when another version holds it (or no version is in force on the day), None for a
        code no version holds (the rules for fragments and code syntax decide that)."""
        if self.in_force(system, code, day):
            return True
        versions = self.versions.get(system, [])
        dated = [v for v in versions if v.start is not None or v.end is not None]
        if dated and not any(v.covers(day) for v in dated):
            return False
        return False if any(code in v.codes for v in versions) else None

    def all_codes(self, system: str) -> list[str]:
        return sorted({c for v in self.versions.get(system, []) for c in v.codes})

    def dates_for(self, system: str) -> list[date]:
        """The middle of each period of the system's versions, plus a few dates spread over all
        loaded periods (for systems without periods, those alone)."""
        own = {_middle(v) for v in self.versions.get(system, []) if v.start and v.end}
        return sorted(own | set(spread(self.all_dates(), SHARED_DATES)))

    def all_dates(self) -> list[date]:
        return sorted(
            {_middle(v) for vs in self.versions.values() for v in vs if v.start and v.end}
        ) or [date.today()]


def _middle(version: Version) -> date:
    assert version.start is not None and version.end is not None
    return version.start + timedelta(days=(version.end - version.start).days // 2)


def spread(items: Sequence[T], count: int) -> list[T]:
    """Up to ``count`` items evenly spaced over ``items``, first and last included."""
    if count <= 0 or not items:
        return []
    if len(items) <= count:
        return list(items)
    if count == 1:
        return [items[0]]
    step = (len(items) - 1) / (count - 1)
    return [items[round(i * step)] for i in range(count)]


def _codes(concepts: Iterable[dict[str, Any]]) -> Iterator[str]:
    for concept in concepts:
        if isinstance(concept.get("code"), str):
            yield concept["code"]
        yield from _codes(concept.get("concept", []))


def _day(value: object) -> date | None:
    return date.fromisoformat(value[:10]) if isinstance(value, str) and value else None


def read_content(directory: Path) -> Content:
    """The code-system versions and listed value-set codes of a content directory."""
    loaded = load_content(directory)
    versions: dict[str, list[Version]] = {}
    for cs in loaded.code_systems:
        period: dict[str, Any] = next(
            (
                e.get("valuePeriod", {})
                for e in cs.get("extension", [])
                if e.get("url") == EXT_EFFECTIVE_PERIOD
            ),
            {},
        )
        versions.setdefault(cs["url"], []).append(
            Version(
                _day(period.get("start")),
                _day(period.get("end")),
                frozenset(_codes(cs.get("concept", []))),
            )
        )
    # The code systems the server loads from vendor files (the full ICD-10-CM of each year).
    for release in read_manifest(directory):
        header = release.header
        period = next(
            (
                e.get("valuePeriod", {})
                for e in header.get("extension", [])
                if e.get("url") == EXT_EFFECTIVE_PERIOD
            ),
            {},
        )
        versions.setdefault(header["url"], []).append(
            Version(
                _day(period.get("start")),
                _day(period.get("end")),
                frozenset(r.code for r in release.records),
                header.get("version"),
                {r.code: r.display or "" for r in release.records},
            )
        )
    value_sets: dict[str, list[Include]] = {}
    for vs in loaded.value_sets:
        includes = [
            Include(inc["system"], tuple(c["code"] for c in inc["concept"]))
            for inc in vs.get("compose", {}).get("include", [])
            if inc.get("system") and inc.get("concept")
        ]
        if includes:
            value_sets[vs["url"]] = includes
    return Content(versions, value_sets)


def _path(base_path: str, resource: str, operation: str, params: dict[str, str]) -> str:
    return f"{base_path}/{resource}/${operation}?{urlencode(params, quote_via=quote, safe=':/')}"


def _shuffled(questions: list[Question]) -> list[Question]:
    """A fixed order that mixes value sets, systems and dates from one request to the next."""
    random.Random(8).shuffle(questions)
    return questions


def value_set_questions(content: Content, base_path: str = "/fhir") -> list[Question]:
    """ValueSet/$validate-code: every listed code of every value set, and non-members of each
    included system, on each date of service of that system."""
    questions: list[Question] = []
    for url, includes in sorted(content.value_sets.items()):
        for include in includes:
            members = {c for i in includes if i.system == include.system for c in i.codes}
            outsiders = [c for c in content.all_codes(include.system) if c not in members]
            non_members = [*spread(outsiders, NON_MEMBERS_PER_INCLUDE), ABSENT_CODE]
            asked = [(c, True) for c in include.codes] + [(c, False) for c in non_members]
            for day in content.dates_for(include.system):
                for code, member in asked:
                    params = {
                        "url": url,
                        "system": include.system,
                        "code": code,
                        "date": day.isoformat(),
                    }
                    expected = member and content.in_force(include.system, code, day)
                    path = _path(base_path, "ValueSet", "validate-code", params)
                    questions.append(Question(path, expected))
    return _shuffled(_distinct(questions))


def code_system_questions(content: Content, base_path: str = "/fhir") -> list[Question]:
    """CodeSystem/$validate-code: every code of every loaded system (the union over its
    versions; an even sample of a large one) and one absent code, on each date of service of
    that system."""
    questions: list[Question] = []
    for system in sorted(content.versions):
        codes = spread(content.all_codes(system), CODES_PER_SYSTEM)
        for day in content.dates_for(system):
            for code in [*codes, ABSENT_CODE]:
                params = {"url": system, "code": code, "date": day.isoformat()}
                path = _path(base_path, "CodeSystem", "validate-code", params)
                questions.append(Question(path, content.known(system, code, day)))
    return _shuffled(_distinct(questions))


def full_code_system_questions(
    content: Content, system: str, operation: str, per_version: int, base_path: str = "/fhir"
) -> list[Question]:
    """``$lookup`` or CodeSystem ``$validate-code`` over a large code system loaded from
    vendor files: an even sample of each version's codes, each asked on a date in force."""
    questions: list[Question] = []
    for version in content.versions.get(system, []):
        if not version.displays or version.start is None or version.end is None:
            continue
        day = _middle(version).isoformat()
        for code in spread(sorted(version.codes), per_version):
            if operation == "lookup":
                params = {"system": system, "code": code, "date": day}
                path = _path(base_path, "CodeSystem", "lookup", params)
                questions.append(Question(path, None, version.displays[code]))
            else:
                params = {"url": system, "code": code, "date": day}
                path = _path(base_path, "CodeSystem", "validate-code", params)
                questions.append(Question(path, True))
    return _shuffled(_distinct(questions))


def _distinct(questions: list[Question]) -> list[Question]:
    """Drop repeated paths (a code a value set lists under two includes of one system)."""
    seen: set[str] = set()
    out = []
    for q in questions:
        if q.path not in seen:
            seen.add(q.path)
            out.append(q)
    return out


def parameter_value(body: dict[str, Any], name: str) -> Any:
    """The value of the first output parameter ``name`` of a Parameters answer (None if absent)."""
    for p in body.get("parameter", []):
        if p.get("name") == name:
            return next((v for k, v in p.items() if k.startswith("value")), None)
    return None


def check_answer(question: Question, body: dict[str, Any]) -> str | None:
    """Why the server's answer to ``question`` is wrong, or None."""
    if body.get("resourceType") != "Parameters":
        return f"{question.path}: got {body.get('resourceType')}, expected Parameters"
    if question.display is not None:
        display = parameter_value(body, "display")
        if display != question.display:
            return f"{question.path}: display is {display!r}, expected {question.display!r}"
        return None
    result = parameter_value(body, "result")
    if not isinstance(result, bool):
        return f"{question.path}: no boolean result"
    if question.expected is not None and result is not question.expected:
        return f"{question.path}: result is {result}, expected {question.expected}"
    return None


def lua_script(paths_file: Path) -> str:
    """A wrk script that cycles through the request paths in ``paths_file`` (one a line); each
    wrk thread starts at a different place so threads do not ask the same question together."""
    return _cycling(paths_file, "wrk.format(nil, items[index])")


def body_script(bodies_file: Path, path: str) -> str:
    """A wrk script that POSTs the JSON bodies in ``bodies_file`` (one a line) to ``path`` in
    turn, each thread from its own starting point."""
    return _cycling(
        bodies_file,
        f'wrk.format("POST", {_lua_string(path)}, headers, items[index])',
        'local headers = {["Content-Type"] = "application/fhir+json"}\n',
    )


def _cycling(lines_file: Path, request: str, prelude: str = "") -> str:
    """A wrk script whose requests cycle through the lines of ``lines_file``."""
    return f"""\
local items = {{}}
for line in io.lines({_lua_string(str(lines_file))}) do items[#items + 1] = line end
local started = 0
local index = 0
{prelude}
function setup(thread)
  thread:set("thread_number", started)
  started = started + 1
end

function init(args)
  index = ((thread_number or 0) * 7919) % #items
end

function request()
  index = index % #items + 1
  return {request}
end
"""


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
