"""``ValueSet.compose.include.filter`` evaluated against one code-system version.

A filter the engine cannot evaluate is reported as such (``None``), never silently treated as
matching or not matching: a wrong answer about membership is worse than no answer.

``regex`` filters come from requests (an inline or ``tx-resource`` value set), so they run on
RE2, whose matching time is linear in the input: a backtracking engine such as Python's ``re``
lets a 10-character pattern like ``((a+)+)+$`` hold a worker for hours, in C code that not even
SIGTERM interrupts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import re2

from terminology.errors import TerminologyError
from terminology.messages import msg, shorten
from terminology.model import Coding, Concept
from terminology.providers.base import CodeSystemVersion

#: Longest regex accepted; RE2 also bounds the memory one compiled pattern may use.
MAX_REGEX_LENGTH = 1000
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # a client's bad pattern is answered, not logged
#: Properties every code system has, declared or not (FHIR concept-properties).
STANDARD_PROPERTIES = frozenset({"inactive", "status", "notSelectable", "deprecated"})


EXT_FILTER_OP = (
    "http://hl7.org/fhir/5.0/StructureDefinition/extension-ValueSet.compose.include.filter.op"
)


@dataclass(frozen=True, slots=True)
class FilterSpec:
    property: str
    op: str
    value: str


def filter_spec(raw: Mapping[str, Any]) -> FilterSpec:
    """A ``compose.include.filter`` element as a spec; R4 carries R5-only operators
    (``child-of``) in the ``_op`` extension."""
    op = raw.get("op")
    if not op:
        for ext in (raw.get("_op") or {}).get("extension", ()):
            if ext.get("url") == EXT_FILTER_OP and ext.get("valueCode"):
                op = ext["valueCode"]
                break
    return FilterSpec(str(raw.get("property", "")), str(op or ""), str(raw.get("value", "")))


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re2._Regexp | str:
    """The compiled pattern, or why it cannot be used (cached too: a client that repeats a bad
    pattern costs one compile)."""
    shown = shorten(pattern, 100)
    if len(pattern) > MAX_REGEX_LENGTH:
        return msg("REGEX_TOO_LONG", pattern=shown, length=len(pattern), limit=MAX_REGEX_LENGTH)
    try:
        return re2.compile(pattern, _RE2_OPTIONS)
    except re2.error as exc:
        detail = exc.args[0].decode("utf-8", "replace")[:200] if exc.args else ""
    try:
        re.compile(pattern)
    except (re.error, RecursionError, OverflowError):
        return msg("REGEX_MALFORMED", pattern=shown, reason=detail)
    # Python accepts it, RE2 does not: a back-reference or look-around.
    return msg("REGEX_UNSUPPORTED", pattern=shown, reason=detail)


def regex_problem(pattern: str) -> str | None:
    """Why a ``regex`` filter value cannot be used; None when it can."""
    compiled = _compiled(pattern)
    return compiled if isinstance(compiled, str) else None


def check_filter_value(spec: FilterSpec, where: str) -> None:
    """Reject a filter whose value cannot be evaluated, before any concept is visited."""
    if spec.op == "regex":
        problem = regex_problem(spec.value)
        if problem is not None:
            raise TerminologyError(problem, code="invalid", tx_type="vs-invalid", expression=where)


def _regex(pattern: str) -> re2._Regexp:
    compiled = _compiled(pattern)
    if isinstance(compiled, str):
        raise TerminologyError(compiled, code="invalid", tx_type="vs-invalid")
    return compiled


def _as_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Coding):
        return value.code or ""
    return str(value)


def _hierarchy(cs: CodeSystemVersion, concept: Concept, op: str, value: str) -> bool | None:
    code = concept.code
    if op == "is-a":
        return code == value or value in cs.ancestors(code)
    if op == "descendent-of":
        return code != value and value in cs.ancestors(code)
    if op == "is-not-a":
        return not (code == value or value in cs.ancestors(code))
    if op == "generalizes":
        return code == value or code in cs.ancestors(value)
    if op == "child-of":
        return value in concept.parents
    if op == "descendent-leaf":
        return not concept.children and value in cs.ancestors(code)
    if op == "=":
        return code == value
    if op == "in":
        return code in {v.strip() for v in value.split(",")}
    if op == "not-in":
        return code not in {v.strip() for v in value.split(",")}
    if op == "regex":
        return _regex(value).fullmatch(code) is not None
    return None


def matches(cs: CodeSystemVersion, concept: Concept, spec: FilterSpec) -> bool | None:
    """Whether ``concept`` passes ``spec``; None when the filter is not supported."""
    if spec.property == "concept":
        return _hierarchy(cs, concept, spec.op, spec.value)
    if spec.property == "code":
        if spec.op == "regex":
            return _regex(spec.value).fullmatch(concept.code) is not None
        # Servers accept the hierarchy operators on ``code`` as on ``concept`` (the ecosystem
        # tests filter ``code is-a X``).
        return _hierarchy(cs, concept, spec.op, spec.value)
    declared = {d.code for d in cs.info.property_definitions} | STANDARD_PROPERTIES
    if spec.property not in declared:
        return None
    values = [_as_text(v) for v in concept.values(spec.property)]
    if spec.property == "inactive" and not values:
        values = [_as_text(concept.inactive)]
    if spec.op == "=":
        return spec.value in values
    if spec.op == "in":
        return bool(set(values) & {v.strip() for v in spec.value.split(",")})
    if spec.op == "not-in":
        return not set(values) & {v.strip() for v in spec.value.split(",")}
    if spec.op == "exists":
        return bool(values) == (spec.value == "true")
    if spec.op == "regex":
        pattern = _regex(spec.value)
        return any(pattern.fullmatch(v) for v in values)
    return None


def passes(cs: CodeSystemVersion, concept: Concept, spec: FilterSpec) -> bool:
    """``matches``, with a filter the engine cannot evaluate refused (400 ``not-supported``):
    membership and expansion must never guess."""
    verdict = matches(cs, concept, spec)
    if verdict is None:
        raise TerminologyError(
            msg("FILTER_NOT_UNDERSTOOD", property=spec.property, op=spec.op, value=spec.value),
            code="not-supported",
            tx_type="vs-invalid",
        )
    return verdict
