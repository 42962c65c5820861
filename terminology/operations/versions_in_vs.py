"""The includes of a value set, and of those it imports, that name one code system."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from terminology import budget


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
