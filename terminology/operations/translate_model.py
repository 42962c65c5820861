"""Requests and results of ``ConceptMap/$translate`` (plain data, no FHIR JSON).

The request is put in the terms of the question, not of the map: ``coding`` is the concept asked
about, ``target_system`` and ``target_scope`` say what the answers should be, ``source_scope``
where the asked concept comes from. With ``reverse`` the maps are read backwards (the asked
concept is looked for on their target side, the answers come from their source side), and each
answer's ``equivalence`` still says how the answer relates to the concept asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from terminology.model import Coding
from terminology.operations.validate_code_model import CanonicalRef


@dataclass(frozen=True, slots=True)
class MapDependency:
    """A ``dependsOn`` or ``product`` of a map target: another element's value that the mapping
    needs (``dependsOn``) or yields (``product``)."""

    #: The element the value is about (R4 ``property``, R5 ``attribute``).
    property: str
    system: str | None = None
    value: str | None = None
    display: str | None = None


@dataclass(frozen=True, slots=True)
class TranslateRequest:
    #: The concept asked about (system, code and optionally version; the display is not used).
    coding: Coding
    #: Read the maps backwards: which concepts map *to* ``coding``?
    reverse: bool = False
    #: The map to use (url with optional version, or the resource itself); None: every map
    #: that applies (those sent in ``tx_resources`` and the stored ones).
    concept_map: CanonicalRef | None = None
    #: Value set (canonical, ``url`` or ``url|version``) the asked concept comes from.
    source_scope: str | None = None
    #: Value set the answers should come from.
    target_scope: str | None = None
    #: Code system the answers should come from.
    target_system: str | None = None
    #: Date of service: groups of a map between code-system versions (our replacements of
    #: deleted codes) apply only from the start of the version the replacement belongs to.
    date: date | None = None
    #: Resources sent with the request (``tx-resource``); their ConceptMaps are candidates
    #: ahead of stored maps with the same url|version.
    tx_resources: tuple[Mapping[str, Any], ...] = ()
    #: What the client knows of other elements (R4 ``dependency``): a map target whose
    #: ``dependsOn`` names the same element with another value does not apply.
    dependencies: tuple[MapDependency, ...] = ()


#: ConceptMap equivalences (R4) that say the concepts do not match: a translation made only of
#: these is no translation (``result = false``).
NEGATIVE_EQUIVALENCES = frozenset({"unmatched", "disjoint"})


@dataclass(frozen=True, slots=True)
class TranslateMatch:
    #: The answer: the concept the asked one translates to (with ``reverse``, one that maps to
    #: it). System and code, with the display and version the map gives, if any.
    concept: Coding
    #: R4 ConceptMapEquivalence of ``concept`` relative to the concept asked: ``wider`` means
    #: the answer is wider than the concept asked (read backwards, a map's ``narrower`` target
    #: is a ``wider`` answer).
    equivalence: str
    #: The same as an R5 ConceptMapRelationship, read from the asked concept to the answer
    #: (``source-is-narrower-than-target``: the asked concept is narrower than the answer).
    relationship: str
    #: ``url|version`` of the map the match comes from (R4 ``match.source``, R5 ``originMap``).
    source: str
    #: The map's own element that matched the concept asked (its system and code, and the
    #: display and version the map gives).
    matched: Coding
    #: True when the map was read backwards (``concept`` is on the map's source side).
    reverse: bool = False
    comment: str | None = None
    products: tuple[MapDependency, ...] = ()
    depends_on: tuple[MapDependency, ...] = ()

    @property
    def positive(self) -> bool:
        """Whether the match is a translation (not ``unmatched`` or ``disjoint``)."""
        return self.equivalence not in NEGATIVE_EQUIVALENCES


@dataclass(frozen=True, slots=True)
class TranslateResult:
    #: True when at least one match is a translation (R4: not unmatched or disjoint).
    result: bool
    matches: tuple[TranslateMatch, ...] = ()
    #: Why there is no translation (None when there is one).
    message: str | None = None
