"""The resource a check is about, where it sits (its FHIRPath root) and what its references
can reach: the other entries of its Bundle, or its contained resources."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True, slots=True)
class Subject:
    resource: Mapping[str, Any]
    #: The FHIRPath of the resource: ``Claim``, or ``Bundle.entry[3].resource`` in a Bundle.
    root: str
    #: Resources a reference may name: fullUrl and ``Type/id`` of the Bundle's entries.
    reachable: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def path(self, relative: str) -> str:
        """``relative`` (``item[0].modifier[1]``) from the resource's root."""
        return f"{self.root}.{relative}" if relative else self.root

    def resolve(self, reference: Any) -> Mapping[str, Any] | None:
        """The resource a Reference points at, if the Bundle or the contained resources hold
        it; None otherwise (a server-side reference is not followed)."""
        if not isinstance(reference, Mapping):
            return None
        target = reference.get("reference")
        if not isinstance(target, str) or not target:
            return None
        if target.startswith("#"):
            for contained in self.resource.get("contained") or ():
                if isinstance(contained, Mapping) and contained.get("id") == target[1:]:
                    return contained
            return None
        return self.reachable.get(target)


def day_of(value: Any) -> date | None:
    """The date a FHIR date or dateTime starts on (None when absent or malformed: the structure
    check reports a malformed one)."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def bundle_index(entries: Any) -> dict[str, Mapping[str, Any]]:
    """Each entry's resource by its fullUrl and by ``Type/id``."""
    found: dict[str, Mapping[str, Any]] = {}
    for entry in entries if isinstance(entries, list) else ():
        if not isinstance(entry, Mapping):
            continue
        resource = entry.get("resource")
        if not isinstance(resource, Mapping):
            continue
        full_url = entry.get("fullUrl")
        if isinstance(full_url, str) and full_url:
            found[full_url] = resource
        rtype, rid = resource.get("resourceType"), resource.get("id")
        if isinstance(rtype, str) and isinstance(rid, str):
            found.setdefault(f"{rtype}/{rid}", resource)
    return found


def json_object(value: Any) -> Mapping[str, Any]:
    """``value`` when it is a JSON object, else an empty one (wrong types are the structure
    check's to report; the rules read what they can)."""
    return value if isinstance(value, Mapping) else {}


def json_list(value: Any) -> list[Any]:
    return [v for v in value if v is not None] if isinstance(value, list) else []
