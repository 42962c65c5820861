"""The small interface every terminology sits behind.

A *provider* is one terminology with all of its loaded versions (CPT 2017 ... 2026); a
*version* answers questions about the concepts of one release. The value-set engine and the
operations use only these two protocols, never a system URL, so a terminology's special rules
(CPT expressions, HCPCS's second URL) live in its provider.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal, Protocol, runtime_checkable

from terminology.model import CodeSystemInfo, Concept

#: How concept A relates to concept B (FHIR ``concept-subsumption-outcome``).
SubsumptionOutcome = Literal["equivalent", "subsumes", "subsumed-by", "not-subsumed"]

#: ``hierarchyMeaning`` values whose hierarchy is subsumption. An absent meaning is taken as
#: is-a, as the HL7 validator does (a code system that means something else must say so);
#: ``classified-with`` is a classification's is-a (ICD). ``grouped-by`` and ``part-of``
#: hierarchies say nothing about subsumption.
SUBSUMPTION_HIERARCHIES: frozenset[str | None] = frozenset({None, "is-a", "classified-with"})


@dataclass(frozen=True, slots=True)
class Located:
    """The answer to "is this code here?": the concept, or why there is none."""

    concept: Concept | None
    message: str | None = None
    #: A well-formed code that breaks a rule of the code system (a CPT expression, say),
    #: as opposed to a code the code system simply does not have.
    rule_broken: bool = False


@dataclass(frozen=True, slots=True)
class Appearance:
    """One version in which a code exists, with the concept as that version defines it."""

    version: str | None
    concept: Concept


class CodeSystemVersion(Protocol):
    info: CodeSystemInfo
    #: The most codes one expansion may list from this version (a licence term, such as the
    #: AMA's for CPT); None for no limit of the code system's own.
    expansion_limit: int | None

    def locate(self, code: str) -> Located:
        """The concept, else why there is none: a code that breaks the terminology's syntax
        (or another of its rules) comes back with ``rule_broken`` and the reason."""
        ...

    def find(self, code: str) -> Concept | None:
        """The concept whose code is exactly ``code`` (no case folding, no expressions)."""
        ...

    def locates_unlisted(self, code: str) -> bool:
        """Whether ``locate`` may find a concept for ``code`` although no concept has exactly
        that code (another case in a case-insensitive code system, a CPT expression)."""
        ...

    def syntax_error(self, code: str) -> str | None:
        """Why ``code`` cannot exist in this terminology at all (None when well-formed, or when
        the terminology has no syntax rule)."""
        ...

    def range_gap(self, code: str) -> str | None:
        """Why ``code`` does not exist although it is well-formed: it falls in a range of codes
        this version declares it holds completely, and it is not there (None otherwise)."""
        ...

    def concepts(self) -> Iterator[Concept]:
        """Every concept, in the code system's order."""
        ...

    def search(self, text: str) -> Iterator[Concept]:
        """The concepts the text filter ``text`` may match, in order: a superset of those with
        a display or designation word starting with each word of ``text``, or a code starting
        with ``text`` (the caller applies the exact rule). Large code systems answer from an
        index instead of listing every concept."""
        ...

    def subtree(self, code: str) -> Iterator[Concept]:
        """``code``'s concept and every concept below it in the hierarchy, in the code
        system's order (empty when there is no such concept)."""
        ...

    def ancestors(self, code: str) -> frozenset[str]:
        """Every code above ``code`` in the hierarchy (empty for a root or an unknown code)."""
        ...

    def subsumes(self, a: str, b: str) -> SubsumptionOutcome | None:
        """How concept ``a`` relates to concept ``b``, both codes as this version spells them
        (as ``locate`` returned them). None when the version cannot tell: its hierarchy is not
        one of subsumption (``grouped-by``, ``part-of``)."""
        ...

    def display_of(self, code: str) -> str | None: ...


@runtime_checkable
class PropertyIndexed(Protocol):
    """A version that can list the concepts with a property value without visiting every
    concept (a stored version whose code system offers ``=`` filters on the property)."""

    def with_properties(self, pairs: Sequence[tuple[str, str]]) -> Iterator[Concept] | None:
        """The concepts whose properties have every (code, value) of ``pairs`` that has an
        index (a superset is allowed: every filter still runs on each), in order; None when
        none of them has one."""
        ...


def subsumption_by_ancestors(
    version: CodeSystemVersion, a: str, b: str
) -> SubsumptionOutcome | None:
    """``subsumes`` for a version whose ``ancestors`` is cheap (a precomputed closure, or a
    short walk up a memoised parent chain): equal codes are equivalent whatever the hierarchy;
    otherwise the hierarchy answers when it is one of subsumption."""
    if a == b:
        return "equivalent"
    if version.info.hierarchy_meaning not in SUBSUMPTION_HIERARCHIES:
        return None
    if a in version.ancestors(b):
        return "subsumes"
    if b in version.ancestors(a):
        return "subsumed-by"
    return "not-subsumed"


class CodeSystemProvider(Protocol):
    system: str
    aliases: tuple[str, ...]

    def versions(self) -> list[str | None]:
        """Loaded versions, newest first."""
        ...

    def select(
        self, version: str | None = None, on: date | None = None
    ) -> CodeSystemVersion | None:
        """The exact ``version``, else the version in force ``on`` a date, else the latest.
        None when nothing matches."""
        ...

    def history(self, code: str) -> list[Appearance]:
        """Every loaded version that has ``code``, oldest first."""
        ...
