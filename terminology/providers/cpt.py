"""CPT: the generic provider plus HL7's CPT expression grammar.

HL7 Terminology (THO) allows a CPT code to be a base code, a modifier, or an expression of a base
code and modifiers joined by ``:`` (the X12 convention), e.g. ``71250:26``. HCPCS Level II
modifiers (TC, XS, ...) belong to another code system and so are not part of CPT expressions.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from terminology.messages import msg
from terminology.model import Concept, PropertyValue
from terminology.providers.base import Located, SubsumptionOutcome
from terminology.providers.resource_backed import ResourceBackedVersion
from terminology.providers.stored import StoredVersion
from terminology.providers.syntax import quote

# Modifiers that describe alternatives, so at most one of each group may appear (CPT rules, as
# tx.fhir.org applies them).
EXCLUSIVE_MODIFIER_GROUPS = (
    frozenset({"25", "57", "59"}),
    frozenset({"52", "53", "73", "74"}),
    frozenset({"76", "77", "78", "79"}),
    frozenset({"93", "95"}),
)
_SEPARATORS = re.compile(r"[-.+/ ]")
_NUMERIC_MODIFIER = re.compile(r"\d{2}")
#: The AMA's licence lets a terminology server list at most 1000 CPT codes in one expansion
#: (tx.fhir.org applies the same agreement).
EXPANSION_LIMIT = 1000


class CptVersion(ResourceBackedVersion):
    expansion_limit = EXPANSION_LIMIT

    def locates_unlisted(self, code: str) -> bool:
        return ":" in code or super().locates_unlisted(code)

    def subsumes(self, a: str, b: str) -> SubsumptionOutcome | None:
        return expression_subsumption(a, b) or super().subsumes(a, b)

    def _locate_missing(self, code: str) -> Located:
        return locate_unlisted(code, self.find) or super()._locate_missing(code)


class StoredCptVersion(StoredVersion):
    """A CPT release loaded from the AMA's data files (``terminology load cpt``): its concepts
    live in the store, and it reads the same expressions as our fragment's versions."""

    expansion_limit = EXPANSION_LIMIT

    def locate(self, code: str) -> Located:
        concept = self.find(code)
        if concept is not None:
            return Located(concept)
        return locate_unlisted(code, self.find) or super().locate(code)

    def locates_unlisted(self, code: str) -> bool:
        return ":" in code

    def subsumes(self, a: str, b: str) -> SubsumptionOutcome | None:
        return expression_subsumption(a, b) or super().subsumes(a, b)


def expression_subsumption(a: str, b: str) -> SubsumptionOutcome | None:
    """CPT states no is-a between its codes (our fragment is flat, so two codes are not
    subsumed unless equal). An expression (``71250:26``) is a code of its own: the professional
    component of a CT is not a kind of that CT, so it is not subsumed by its base code either
    (tx.fhir.org answers the same). None when neither side is an expression."""
    if ":" in a or ":" in b:
        return "equivalent" if a == b else "not-subsumed"
    return None


def locate_unlisted(code: str, find: Callable[[str], Concept | None]) -> Located | None:
    """A code the version does not list: an expression (``71250:26`` is not a plain code, yet
    valid), or a plain code with a separator CPT does not use. None for anything else (the
    plain-code syntax of the generic version decides)."""
    if ":" in code:
        return _locate_expression(code, find)
    separator = _SEPARATORS.search(code)
    if separator:
        message = msg("CPT_EXPR_BAD_SEPARATOR", code=quote(code), separator=separator.group(0))
        return Located(None, message, True)
    return None


def _is_modifier(concept: Concept) -> bool:
    return concept.first("modifier") is True


def _locate_expression(full: str, find: Callable[[str], Concept | None]) -> Located:
    base, *modifiers = full.split(":")
    code = quote(full)
    if not base or any(not m for m in modifiers):
        return Located(None, msg("CPT_EXPR_EMPTY_MODIFIER", code=code), True)
    base_concept = find(base)
    if base_concept is None:
        return Located(None, msg("CPT_EXPR_UNKNOWN_BASE", base=quote(base), code=code), True)
    if _is_modifier(base_concept):
        return Located(None, msg("CPT_EXPR_BASE_IS_MODIFIER", base=quote(base), code=code), True)
    seen: dict[str, Concept] = {}
    for modifier in modifiers:
        concept = find(modifier)
        if concept is None:
            message_id = (
                "CPT_EXPR_UNKNOWN_MODIFIER"
                if _NUMERIC_MODIFIER.fullmatch(modifier)
                else "CPT_EXPR_LEVEL2_MODIFIER"
            )
            return Located(None, msg(message_id, modifier=quote(modifier), code=code), True)
        if not _is_modifier(concept):
            return Located(
                None, msg("CPT_EXPR_NOT_A_MODIFIER", modifier=quote(modifier), code=code), True
            )
        if modifier in seen:
            return Located(
                None,
                msg("CPT_EXPR_REPEATED_MODIFIER", modifier=quote(modifier), code=code),
                True,
            )
        seen[modifier] = concept
    for group in EXCLUSIVE_MODIFIER_GROUPS:
        clash = sorted(set(seen) & group)
        if len(clash) > 1:
            return Located(
                None,
                msg("CPT_EXPR_EXCLUSIVE_MODIFIERS", code=code, modifiers=" and ".join(clash)),
                True,
            )
    display = msg(
        "CPT_EXPR_DISPLAY",
        base_display=base_concept.display or base,
        modifiers=", ".join(f"{m} ({seen[m].display})" for m in modifiers),
    )
    return Located(
        Concept(
            code=full,
            display=display,
            properties=(
                PropertyValue("modifier", "boolean", False),
                PropertyValue("modified", "boolean", True),
            ),
        )
    )
