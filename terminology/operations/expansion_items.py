"""How one expanded code is presented: display in the asked-for language, designations,
properties and extensions, and the nesting of codes under their nearest included ancestor.

Display language follows the ecosystem's ``languages.md``: the first asked-for language that
has a display wins; without one, the code system's display is the fallback unless the request
said ``*; q=0`` (then there is no display). When the display shown is not the code system's
own, the own display becomes a designation marked ``preferredForLanguage``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from terminology.engine.expansion import Entry
from terminology.model import (
    PREFERRED_FOR_LANGUAGE,
    Coding,
    Concept,
    Designation,
    PropertyDefinition,
)
from terminology.operations.displays import language_matches
from terminology.operations.expand_model import ExpansionItem, ItemProperty
from terminology.uris import CONCEPT_PROPERTIES

LANGUAGE_SYSTEM = "urn:ietf:bcp:47"
_SD = "http://hl7.org/fhir/StructureDefinition/"
#: Extensions of a code-system concept or a value-set concept that expansions carry over.
CARRIED_EXTENSIONS = frozenset(
    _SD + name
    for name in (
        "rendering-style",
        "rendering-xhtml",
        "valueset-concept-definition",
        "valueset-deprecated",
    )
)
#: Extensions that expansions report as concept properties: (property code, type, URI name).
EXTENSION_PROPERTIES = {
    _SD + "codesystem-conceptOrder": ("order", "decimal", "order"),
    _SD + "valueset-conceptOrder": ("order", "decimal", "order"),
    _SD + "codesystem-label": ("label", "string", "label"),
    _SD + "valueset-label": ("label", "string", "label"),
    _SD + "itemWeight": ("weight", "decimal", "itemWeight"),
}


@dataclass(frozen=True, slots=True)
class LanguagePreference:
    """A parsed ``displayLanguage`` / Accept-Language value."""

    tags: tuple[str, ...] = ()
    #: ``*; q=0``: no fallback to a display in another language.
    hard: bool = False

    @classmethod
    def parse(cls, value: str | None) -> LanguagePreference:
        tags: list[str] = []
        hard = False
        for item in (value or "").split(","):
            tag, *params = (p.strip() for p in item.split(";"))
            if not tag:
                continue
            weight = next((p[2:] for p in params if p.startswith("q=")), "1")
            try:
                zero = float(weight) == 0
            except ValueError:
                zero = False
            if zero:
                hard = hard or tag == "*"
                continue
            if tag != "*":
                tags.append(tag)
        return cls(tuple(tags), hard)


def echo_language(value: str) -> str:
    """The ``displayLanguage`` as echoed: weighted lists are written ``a, *; q=0``."""
    if ";" not in value:
        return value
    items = []
    for item in value.split(","):
        tag, *params = (p.strip() for p in item.split(";"))
        items.append("; ".join([tag, *params]))
    return ", ".join(items)


@dataclass(frozen=True, slots=True)
class ItemOptions:
    languages: LanguagePreference
    include_designations: bool
    #: ``designation`` tokens: a language (``urn:ietf:bcp:47|de``) or a use (``system|code``).
    designation_filters: tuple[str, ...]
    properties: tuple[str, ...]
    #: Systems whose entries name their version (the value set uses several of its versions).
    versioned_systems: frozenset[str]


def _listed_designations(listed: Mapping[str, Any] | None) -> list[Designation]:
    out = []
    for raw in (listed or {}).get("designation", ()):
        if raw.get("value"):
            use = raw.get("use")
            coding = Coding(use.get("system"), use.get("code")) if use else None
            out.append(
                Designation(
                    raw["value"],
                    raw.get("language"),
                    coding,
                    extensions=tuple(raw.get("extension", ())),
                )
            )
    return out


def _choose_display(
    base: str | None,
    cs_language: str | None,
    designations: list[Designation],
    prefs: LanguagePreference,
) -> tuple[str | None, Designation | None]:
    """The display to show and the designation it came from (None: the base display)."""
    for wanted in prefs.tags:
        if base and language_matches(cs_language, wanted):
            return base, None
        for d in designations:
            if d.language and language_matches(d.language, wanted):
                return d.value, d
    return (None if prefs.hard else base), None


def _wanted(d: Designation, filters: tuple[str, ...]) -> bool:
    if not filters:
        return True
    for token in filters:
        system, _, code = token.rpartition("|")
        # A designation filter names a language exactly (``de`` does not select ``de-CH``).
        if system == LANGUAGE_SYSTEM and d.language and d.language.lower() == code.lower():
            return True
        if d.use is not None and d.use.code == code and (not system or d.use.system == system):
            return True
    return False


def _not_selectable(concept: Concept, definitions: tuple[PropertyDefinition, ...]) -> bool:
    """notSelectable by its standard code, or under another code whose URI is the standard
    property's (a code system may name its properties as it likes)."""
    codes = {"notSelectable"} | {
        d.code for d in definitions if d.uri == f"{CONCEPT_PROPERTIES}#notSelectable"
    }
    return any(p.code in codes and p.value is True for p in concept.properties)


def _status(concept: Concept) -> str | None:
    status = concept.status
    if status and status != "active":
        return status
    return "inactive" if concept.inactive else None


def _properties(
    concept: Concept, requested: tuple[str, ...], uris: dict[str, str], defined: dict[str, str]
) -> list[ItemProperty]:
    out: list[ItemProperty] = []
    for code in requested:
        if code == "definition":
            if concept.definition:
                out.append(ItemProperty("definition", "string", concept.definition))
                uris.setdefault("definition", f"{CONCEPT_PROPERTIES}#definition")
            continue
        if code == "status":
            continue  # added below for every concept that has one
        for p in concept.properties:
            if p.code == code:
                out.append(ItemProperty(p.code, p.type, p.value))
                uris.setdefault(code, defined.get(code) or f"{CONCEPT_PROPERTIES}#{code}")
    status = _status(concept)
    if status:
        out.append(ItemProperty("status", "code", status))
        uris.setdefault("status", f"{CONCEPT_PROPERTIES}#status")
    return out


def _extension_properties(sources: tuple[Any, ...], uris: dict[str, str]) -> list[ItemProperty]:
    """Order, label and weight given as extensions; a later source (the value set) wins."""
    found: dict[str, ItemProperty] = {}
    for extensions in sources:
        for ext in extensions:
            known = EXTENSION_PROPERTIES.get(ext.get("url"))
            if known is None:
                continue
            code, kind, uri_name = known
            value = next((v for k, v in ext.items() if k.startswith("value")), None)
            if value is None:
                continue
            found[code] = ItemProperty(code, kind, value)
            uris.setdefault(code, f"{CONCEPT_PROPERTIES}#{uri_name}")
    return list(found.values())


def build_item(entry: Entry, options: ItemOptions, uris: dict[str, str]) -> ExpansionItem:
    """The ``contains`` entry of one code; ``uris`` collects the property codes used."""
    concept, info, listed = entry.concept, entry.cs.info, entry.listed
    base = (listed or {}).get("display") or concept.display
    designations = [*concept.designations, *_listed_designations(listed)]
    display, source = _choose_display(base, info.language, designations, options.languages)
    item = ExpansionItem(
        system=entry.system,
        code=concept.code,
        display=display,
        version=info.version if entry.system in options.versioned_systems else None,
        abstract=_not_selectable(concept, info.property_definitions),
        inactive=concept.inactive,
    )
    if options.include_designations:
        shown = [d for d in designations if d is not source]
        if base and display != base:
            shown.insert(0, Designation(base, info.language, PREFERRED_FOR_LANGUAGE))
        item.designations = [
            d for d in dict.fromkeys(shown) if _wanted(d, options.designation_filters)
        ]
    defined = {d.code: d.uri for d in info.property_definitions if d.uri}
    item.properties = _extension_properties(
        (concept.extensions, (listed or {}).get("extension", ())), uris
    ) + _properties(concept, options.properties, uris, defined)
    item.extensions = [
        ext
        for source_ext in (concept.extensions, (listed or {}).get("extension", ()))
        for ext in source_ext
        if ext.get("url") in CARRIED_EXTENSIONS
    ]
    return item


def nest(entries: list[Entry], items: list[ExpansionItem]) -> list[ExpansionItem]:
    """Items under their nearest ancestor that is also in the expansion (same system).

    Enumerated codes stay flat: the value set author listed them, and a list is what they
    wrote."""
    by_key = {e.key: item for e, item in zip(entries, items, strict=True) if e.listed is None}
    roots: list[ExpansionItem] = []
    for entry, item in zip(entries, items, strict=True):
        parent = None if entry.listed is not None else _nearest_included(entry, by_key)
        (parent.children if parent is not None else roots).append(item)
    return roots


def _nearest_included(
    entry: Entry, by_key: dict[tuple[str, str | None, str], ExpansionItem]
) -> ExpansionItem | None:
    seen: set[str] = set()
    frontier = list(entry.concept.parents)
    while frontier:
        following: list[str] = []
        for code in frontier:
            if code in seen:
                continue
            seen.add(code)
            found = by_key.get((entry.system, entry.cs.info.version, code))
            if found is not None:
                return found
            parent = entry.cs.locate(code).concept
            if parent is not None:
                following.extend(parent.parents)
        frontier = following
    return None
