"""``ValueSet.compose.include.filter`` evaluated against one code-system version.

A filter the engine cannot evaluate is reported as such (``None``), never silently treated as
matching or not matching: a wrong answer about membership is worse than no answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from terminology.model import Coding, Concept
from terminology.providers.base import CodeSystemVersion

#: Regexes come from requests (tx-resource value sets); cap their size so one cannot be costly.
MAX_REGEX_LENGTH = 1000
#: Properties every code system has, declared or not (FHIR concept-properties).
STANDARD_PROPERTIES = frozenset({"inactive", "status", "notSelectable", "deprecated"})


@dataclass(frozen=True, slots=True)
class FilterSpec:
    property: str
    op: str
    value: str


@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str] | None:
    if len(pattern) > MAX_REGEX_LENGTH:
        return None
    try:
        return re.compile(pattern)
    except re.error:
        return None


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
        pattern = _regex(value)
        return None if pattern is None else pattern.fullmatch(code) is not None
    return None


def matches(cs: CodeSystemVersion, concept: Concept, spec: FilterSpec) -> bool | None:
    """Whether ``concept`` passes ``spec``; None when the filter is not supported."""
    if spec.property == "concept":
        return _hierarchy(cs, concept, spec.op, spec.value)
    if spec.property == "code":
        if spec.op == "regex":
            pattern = _regex(spec.value)
            return None if pattern is None else pattern.fullmatch(concept.code) is not None
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
        return None if pattern is None else any(pattern.fullmatch(v) for v in values)
    return None
