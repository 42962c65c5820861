"""Which version of a code system answers a ``$validate-code`` question, and version conflicts.

The rules follow FHIR's version parameters as the HL7 terminology ecosystem applies them:
``force-system-version`` overrides any version; ``system-version`` fills a missing one;
``check-system-version`` fills a missing one and afterwards must match the version used. A
version may be a wildcard (``1.x.x``), which picks the latest matching version. A coding whose
version differs from the value set's is reported, never silently re-versioned.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from terminology import budget
from terminology.messages import Whole, shorten
from terminology.versions import version_sort_key


def is_pattern(version: str) -> bool:
    parts = version.split(".")
    return version == "*" or "x" in parts or "*" in parts


def matches_pattern(version: str | None, pattern: str) -> bool:
    """``version`` is ``pattern`` or, for a wildcard pattern, one of the versions it stands for."""
    if version is None:
        return False
    if not is_pattern(pattern):
        return version == pattern
    if pattern == "*":
        return True
    wanted, actual = pattern.split("."), version.split(".")
    if len(actual) < len(wanted):
        return False
    return all(w in ("x", "*") or w == a for w, a in zip(wanted, actual, strict=False))


def more_detailed(general: str, specific: str) -> bool:
    """``specific`` narrows the wildcard ``general`` (``1.0.0`` narrows ``1.x.x``; not ``1``)."""
    return is_pattern(general) and matches_pattern(specific, general)


def rule_for(values: tuple[str, ...], system: str) -> str | None:
    """The version a ``url|version`` parameter gives ``system`` (None when none names it)."""
    for value in values:
        url, _, version = value.partition("|")
        if url == system and version:
            return version
    return None


@dataclass(frozen=True, slots=True)
class VersionRules:
    force: tuple[str, ...] = ()
    default: tuple[str, ...] = ()
    check: tuple[str, ...] = ()

    def base(self, system: str, version: str | None) -> str | None:
        """The version to use for ``system`` given a candidate (an include's version, say)."""
        forced = rule_for(self.force, system)
        if forced:
            return forced
        result = version or rule_for(self.default, system)
        return result or rule_for(self.check, system)

    def check_for(self, system: str) -> str | None:
        return rule_for(self.check, system)


def present_versions(versions: list[str | None]) -> str:
    """``a``, ``a or b``, ``a, b and c`` (the ecosystem's wording), in sorted order."""
    known = [
        shorten(v, 60)
        for v in sorted({v for v in versions if v}, key=lambda v: version_sort_key(v, None))
    ]
    if len(known) <= 1:
        return Whole("".join(known))
    if len(known) == 2:
        return Whole(f"{known[0]} or {known[1]}")
    return Whole(", ".join(known[:-1]) + " and " + known[-1])


def includes_for(
    value_set: Mapping[str, Any],
    system: str,
    resolve: Callable[[str, str | None], Mapping[str, Any] | None],
) -> list[Mapping[str, Any]]:
    """The includes of ``value_set`` (and of the value sets it imports) that name ``system``.

    Each value set is read once, however many import paths reach it: a definition whose
    imports form a "diamond" would otherwise be read exponentially often."""
    found: list[Mapping[str, Any]] = []
    seen: set[int] = {id(value_set)}
    pending = [value_set]
    while pending:
        current = pending.pop(0)
        budget.spend()
        for include in current.get("compose", {}).get("include", ()):
            if include.get("system") == system:
                found.append(include)
            for ref in include.get("valueSet", ()):
                if ref.startswith("#"):
                    imported = next(
                        (c for c in current.get("contained", ()) if c.get("id") == ref[1:]), None
                    )
                else:
                    url, _, version = ref.partition("|")
                    imported = resolve(url, version or None)
                if imported is not None and id(imported) not in seen:
                    seen.add(id(imported))
                    pending.append(imported)
    return found
