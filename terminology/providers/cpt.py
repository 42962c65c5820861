"""CPT: the generic provider plus HL7's CPT expression grammar.

HL7 Terminology (THO) allows a CPT code to be a base code, a modifier, or an expression of a base
code and modifiers joined by ``:`` (the X12 convention), e.g. ``71250:26``. HCPCS Level II
modifiers (TC, XS, ...) belong to another code system and so are not part of CPT expressions.
"""

from __future__ import annotations

import re

from terminology.messages import msg
from terminology.model import Concept, PropertyValue
from terminology.providers.base import Located, SubsumptionOutcome
from terminology.providers.resource_backed import ResourceBackedVersion
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


class CptVersion(ResourceBackedVersion):
    #: The AMA's licence lets a terminology server list at most 1000 CPT codes in one
    #: expansion (tx.fhir.org applies the same agreement).
    expansion_limit = 1000

    def locates_unlisted(self, code: str) -> bool:
        return ":" in code or super().locates_unlisted(code)

    def subsumes(self, a: str, b: str) -> SubsumptionOutcome | None:
        """CPT states no is-a between its codes (our fragment is flat, so two codes are not
        subsumed unless equal). An expression (``71250:26``) is a code of its own: the
        professional component of a CT is not a kind of that CT, so it is not subsumed by its
        base code either (tx.fhir.org answers the same)."""
        if ":" in a or ":" in b:
            return "equivalent" if a == b else "not-subsumed"
        return super().subsumes(a, b)

    def _locate_missing(self, code: str) -> Located:
        """Expressions first (``71250:26`` is not a plain code, yet valid), then the plain-code
        syntax of the generic version."""
        if ":" in code:
            return self._locate_expression(code)
        separator = _SEPARATORS.search(code)
        if separator:
            message = msg("CPT_EXPR_BAD_SEPARATOR", code=quote(code), separator=separator.group(0))
            return Located(None, message, True)
        return super()._locate_missing(code)

    def _is_modifier(self, concept: Concept) -> bool:
        return concept.first("modifier") is True

    def _locate_expression(self, full: str) -> Located:
        base, *modifiers = full.split(":")
        code = quote(full)
        if not base or any(not m for m in modifiers):
            return Located(None, msg("CPT_EXPR_EMPTY_MODIFIER", code=code), True)
        concepts = self.table.concepts
        base_concept = concepts.get(base)
        if base_concept is None:
            return Located(None, msg("CPT_EXPR_UNKNOWN_BASE", base=quote(base), code=code), True)
        if self._is_modifier(base_concept):
            return Located(
                None, msg("CPT_EXPR_BASE_IS_MODIFIER", base=quote(base), code=code), True
            )
        seen: set[str] = set()
        for modifier in modifiers:
            concept = concepts.get(modifier)
            if concept is None:
                message_id = (
                    "CPT_EXPR_UNKNOWN_MODIFIER"
                    if _NUMERIC_MODIFIER.fullmatch(modifier)
                    else "CPT_EXPR_LEVEL2_MODIFIER"
                )
                return Located(None, msg(message_id, modifier=quote(modifier), code=code), True)
            if not self._is_modifier(concept):
                return Located(
                    None, msg("CPT_EXPR_NOT_A_MODIFIER", modifier=quote(modifier), code=code), True
                )
            if modifier in seen:
                return Located(
                    None,
                    msg("CPT_EXPR_REPEATED_MODIFIER", modifier=quote(modifier), code=code),
                    True,
                )
            seen.add(modifier)
        for group in EXCLUSIVE_MODIFIER_GROUPS:
            clash = sorted(seen & group)
            if len(clash) > 1:
                return Located(
                    None,
                    msg("CPT_EXPR_EXCLUSIVE_MODIFIERS", code=code, modifiers=" and ".join(clash)),
                    True,
                )
        display = msg(
            "CPT_EXPR_DISPLAY",
            base_display=base_concept.display or base,
            modifiers=", ".join(f"{m} ({concepts[m].display})" for m in modifiers),
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
