"""A ValueSet's ``compose`` read once into a plan that membership and expansion both walk.

Reading a compose means finding each include's system, version, enumerated concepts (with an
index by code), filters (with R5 operators carried in the ``_op`` extension), and imported
value sets. Doing it in one place is what keeps ``$validate-code`` and ``$expand`` agreeing on
what a definition means. Plans are immutable; ``Plans`` keeps them for the value sets it has
seen, by identity, so a stored value set is read once per content generation.

A filter the server cannot evaluate (no value, a regex RE2 refuses) is recorded on its part
and raised only when a walk reaches that part, so errors come in the order the definition
is worked through (an import that is missing earlier in the compose is reported first).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from terminology import budget
from terminology.engine.cycles import vs_key
from terminology.engine.filters import FilterSpec, check_filter_value, filter_spec
from terminology.engine.version_policy import rule_for
from terminology.errors import TerminologyError
from terminology.messages import msg
from terminology.uris import EXT_STANDARDS_STATUS, EXT_VS_SUPPLEMENT
from terminology.versions import version_sort_key

#: Finds a value set by canonical url and optional version; None when unknown.
ResolveValueSet = Callable[[str, str | None], Mapping[str, Any] | None]


def pinned(ref: str, default_versions: tuple[str, ...]) -> str:
    """``ref`` as the canonical actually looked for: a ``default-valueset-version`` fills a
    missing version (so a message can name ``url|version``)."""
    if ref.startswith("#") or "|" in ref:
        return ref
    version = rule_for(default_versions, ref)
    return f"{ref}|{version}" if version else ref


@dataclass(frozen=True, slots=True)
class Part:
    """One ``compose.include`` or ``compose.exclude``."""

    #: ``include[0]``, ``exclude[1]``: where the part sits, for error expressions.
    where: str
    system: str | None
    version: str | None
    #: Enumerated ``concept`` elements, in order (empty when the part lists none).
    listed: tuple[Mapping[str, Any], ...]
    filters: tuple[FilterSpec, ...]
    #: Why the filters cannot be evaluated, raised when a walk reaches them.
    filter_problem: TerminologyError | None
    value_sets: tuple[str, ...]
    element: Mapping[str, Any]
    #: The first listing of each enumerated code.
    index: Mapping[str, Mapping[str, Any]]

    def checked_filters(self) -> tuple[FilterSpec, ...]:
        if self.filter_problem is not None:
            raise self.filter_problem
        return self.filters

    def entry(self, code: str) -> Mapping[str, Any] | None:
        """The enumerated ``concept`` element for ``code``, if the part lists it."""
        return self.index.get(code)


@dataclass(frozen=True, slots=True)
class ComposePlan:
    value_set: Mapping[str, Any]
    #: ``url|version`` (or ``url``); empty for a value set without a url.
    key: str
    includes: tuple[Part, ...]
    #: The includes in the order membership tries them: as written, except that one
    #: system's includes come highest version first (the first match names the version).
    by_priority: tuple[Part, ...]
    excludes: tuple[Part, ...]
    #: ``compose.inactive`` is not ``false``.
    inactive_allowed: bool
    #: Versions each system is included in (None for an include without a version).
    versions_by_system: Mapping[str, frozenset[str | None]]
    #: No part imports a value set or has a filter that cannot be evaluated: checking the
    #: definition before use has nothing to find.
    self_contained: bool = False
    #: Supplements the value set asks for (``valueset-supplement`` extensions).
    supplements: tuple[str, ...] = ()
    #: The value set's own ``structuredefinition-standards-status`` (deprecated, withdrawn...).
    standards_status: str | None = None

    def several_versions(self) -> frozenset[str]:
        """Systems the compose includes in more than one version."""
        return frozenset(s for s, v in self.versions_by_system.items() if len(v) > 1)

    def use_for_version(self, part: Part, version: str | None) -> bool:
        """Whether ``part`` answers for a coding of ``version``: it does unless another
        include of the same system names exactly that version."""
        if not version or version == part.version or part.system is None:
            return True
        return version not in self.versions_by_system.get(part.system, frozenset())

    def contained(self, ref: str) -> Mapping[str, Any] | None:
        """A ``#id`` reference to a value set contained in this one."""
        wanted = ref[1:]
        return next((c for c in self.value_set.get("contained", ()) if c.get("id") == wanted), None)


def _part(raw: Mapping[str, Any], where: str) -> Part:
    system = raw.get("system") or None
    listed = tuple(raw.get("concept") or ())
    specs: list[FilterSpec] = []
    problem: TerminologyError | None = None
    for j, item in enumerate(raw.get("filter") or ()):
        expression = f"ValueSet.compose.{where}.filter[{j}]"
        spec = filter_spec(item)
        if item.get("value") in (None, ""):
            problem = problem or TerminologyError(
                msg(
                    "FILTER_NO_VALUE",
                    system=system,
                    property=item.get("property"),
                    op=spec.op or item.get("op"),
                ),
                code="invalid",
                tx_type="vs-invalid",
                expression=expression,
            )
            continue
        try:
            check_filter_value(spec, expression)
        except TerminologyError as error:
            problem = problem or error
        specs.append(spec)
    index: dict[str, Mapping[str, Any]] = {}
    for item in listed:
        index.setdefault(str(item.get("code", "")), item)
    return Part(
        where=where,
        system=system,
        version=raw.get("version") or None,
        listed=listed,
        filters=tuple(specs),
        # Filters only select from a system; without one they have nothing to apply to.
        filter_problem=problem if system else None,
        value_sets=tuple(raw.get("valueSet") or ()),
        element=raw,
        index=index,
    )


def _by_priority(includes: tuple[Part, ...]) -> tuple[Part, ...]:
    if len({p.system for p in includes}) == len(includes):
        return includes
    first: dict[str | None, int] = {}
    for index, part in enumerate(includes):
        first.setdefault(part.system, index)
    ordered = sorted(includes, key=lambda p: version_sort_key(p.version, None), reverse=True)
    return tuple(sorted(ordered, key=lambda p: first[p.system]))


def compile_plan(value_set: Mapping[str, Any]) -> ComposePlan:
    compose = value_set.get("compose") or {}
    includes = tuple(_part(p, f"include[{i}]") for i, p in enumerate(compose.get("include", ())))
    excludes = tuple(_part(p, f"exclude[{i}]") for i, p in enumerate(compose.get("exclude", ())))
    versions: dict[str, set[str | None]] = {}
    for part in includes:
        if part.system:
            versions.setdefault(part.system, set()).add(part.version)
    budget.spend(len(includes) + len(excludes))
    return ComposePlan(
        value_set=value_set,
        key=vs_key(value_set),
        includes=includes,
        by_priority=_by_priority(includes),
        excludes=excludes,
        inactive_allowed=compose.get("inactive") is not False,
        versions_by_system={s: frozenset(v) for s, v in versions.items()},
        self_contained=not any(
            p.value_sets or p.filter_problem is not None for p in (*includes, *excludes)
        ),
        supplements=tuple(
            str(ext["valueCanonical"])
            for ext in value_set.get("extension", ())
            if ext.get("url") == EXT_VS_SUPPLEMENT and ext.get("valueCanonical")
        ),
        standards_status=next(
            (
                str(ext["valueCode"])
                for ext in value_set.get("extension", ())
                if ext.get("url") == EXT_STANDARDS_STATUS and ext.get("valueCode")
            ),
            None,
        ),
    )


class Plans:
    """Plans by the identity of the value set they were read from. A plan keeps its value set,
    so an id cannot be reused while its plan is held; the table is bounded (request-borne
    value sets come and go) and is emptied when full."""

    def __init__(self, limit: int = 4096) -> None:
        self.limit = limit
        self._plans: dict[int, ComposePlan] = {}

    def of(self, value_set: Mapping[str, Any]) -> ComposePlan:
        found = self._plans.get(id(value_set))
        if found is not None and found.value_set is value_set:
            return found
        plan = compile_plan(value_set)
        if len(self._plans) >= self.limit:
            self._plans.clear()
        self._plans[id(value_set)] = plan
        return plan


def import_of(
    plan: ComposePlan, ref: str, resolve: ResolveValueSet
) -> Mapping[str, Any] | None:
    """The value set ``ref`` (``#id``, ``url`` or ``url|version``) names, seen from ``plan``."""
    if ref.startswith("#"):
        return plan.contained(ref)
    url, _, version = ref.partition("|")
    return resolve(url, version or None)


def includes_naming(
    plans: Plans, value_set: Mapping[str, Any], system: str, resolve: ResolveValueSet
) -> list[Part]:
    """The includes of ``value_set`` (and of the value sets it imports) that name ``system``.

    Each value set is read once, however many import paths reach it: a definition whose
    imports form a "diamond" would otherwise be read exponentially often."""
    found: list[Part] = []
    seen: set[int] = {id(value_set)}
    pending = [plans.of(value_set)]
    while pending:
        plan = pending.pop(0)
        budget.spend()
        for part in plan.includes:
            if part.system == system:
                found.append(part)
            for ref in part.value_sets:
                imported = import_of(plan, ref, resolve)
                if imported is not None and id(imported) not in seen:
                    seen.add(id(imported))
                    pending.append(plans.of(imported))
    return found
