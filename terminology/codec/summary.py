"""``_summary`` and ``_elements`` for the resources we serve (R4 isSummary flags)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from terminology.memo import IdentityMemo
from terminology.uris import SUBSETTED_TAG

_COMMON = ("resourceType", "id", "meta", "implicitRules")
#: Elements R4 marks isSummary, per resource type (a test checks them against the R4B models).
SUMMARY_ELEMENTS: dict[str, frozenset[str]] = {
    "CodeSystem": frozenset(
        (
            *_COMMON,
            "url",
            "identifier",
            "version",
            "name",
            "title",
            "status",
            "experimental",
            "date",
            "publisher",
            "contact",
            "useContext",
            "jurisdiction",
            "caseSensitive",
            "valueSet",
            "hierarchyMeaning",
            "compositional",
            "versionNeeded",
            "content",
            "supplements",
            "count",
            "filter",
            "property",
        )
    ),
    "ValueSet": frozenset(
        (
            *_COMMON,
            "url",
            "identifier",
            "version",
            "name",
            "title",
            "status",
            "experimental",
            "date",
            "publisher",
            "contact",
            "useContext",
            "jurisdiction",
            "immutable",
        )
    ),
    "ConceptMap": frozenset(
        (
            *_COMMON,
            "url",
            "identifier",
            "version",
            "name",
            "title",
            "status",
            "experimental",
            "date",
            "publisher",
            "contact",
            "useContext",
            "jurisdiction",
            "sourceUri",
            "sourceCanonical",
            "targetUri",
            "targetCanonical",
        )
    ),
}
#: Elements every subset keeps because they are mandatory.
MANDATORY_ELEMENTS: dict[str, frozenset[str]] = {
    "CodeSystem": frozenset({"resourceType", "id", "meta", "status", "content"}),
    "ValueSet": frozenset({"resourceType", "id", "meta", "status"}),
    "ConceptMap": frozenset({"resourceType", "id", "meta", "status"}),
}


def _tagged(resource: dict[str, Any]) -> dict[str, Any]:
    meta = dict(resource.get("meta", {}))
    tags = [t for t in meta.get("tag", ()) if t.get("code") != "SUBSETTED"]
    tags.append(
        {
            "system": SUBSETTED_TAG,
            "code": "SUBSETTED",
            "display": "Resource encoded in summary mode",
        }
    )
    meta["tag"] = tags
    resource["meta"] = meta
    return resource


def _keep(resource: Mapping[str, Any], names: Iterable[str]) -> dict[str, Any]:
    wanted = set(names)
    return {k: v for k, v in resource.items() if k in wanted}


#: A CodeSystem with more concepts than this is listed without them in search results unless
#: the client asks (``_summary=false`` or ``_elements=concept``): one page of search must stay
#: small when ICD-10-CM's 74,000 codes are loaded. A read returns the whole resource.
SEARCH_CONCEPT_LIMIT = 100

#: Concept counts of stored CodeSystems, by the identity of the (immutable) resource.
ConceptCountMemo = IdentityMemo[Mapping[str, Any], int]


def concept_count(resource: Mapping[str, Any], memo: ConceptCountMemo | None = None) -> int:
    """Every concept of a CodeSystem, nested ones included (with the app's ``memo``, counted
    once per stored resource)."""
    if memo is not None:
        known = memo.get(resource)
        if known is not None:
            return known
    count = 0
    pending = list(resource.get("concept", ()))
    while pending:
        concept = pending.pop()
        count += 1
        pending.extend(concept.get("concept", ()))
    if memo is not None:
        memo.put(resource, count)
    return count


def search_entry(
    resource: Mapping[str, Any],
    summary: str | None,
    elements: list[str] | None,
    concept_counts: ConceptCountMemo | None = None,
) -> Mapping[str, Any]:
    """A resource as a search result lists it: as ``_summary``/``_elements`` ask, and without
    the concepts of a large code system when the client asked for neither."""
    if (
        summary is None
        and not elements
        and resource.get("resourceType") == "CodeSystem"
        and concept_count(resource, concept_counts) > SEARCH_CONCEPT_LIMIT
    ):
        return _tagged({k: v for k, v in resource.items() if k != "concept"})
    return apply_summary(resource, summary, elements)


def apply_summary(
    resource: Mapping[str, Any], summary: str | None, elements: list[str] | None
) -> Mapping[str, Any]:
    """The resource as ``_summary`` / ``_elements`` ask; unchanged when neither applies (or
    ``_summary=false``)."""
    rtype = resource["resourceType"]
    if summary == "true":
        return _tagged(_keep(resource, SUMMARY_ELEMENTS[rtype]))
    if summary == "text":
        return _tagged(_keep(resource, MANDATORY_ELEMENTS[rtype] | {"text"}))
    if summary == "data":
        if "text" not in resource:
            return resource
        return _tagged({k: v for k, v in resource.items() if k != "text"})
    if elements:
        return _tagged(_keep(resource, MANDATORY_ELEMENTS[rtype] | set(elements)))
    return resource
