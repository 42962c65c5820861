"""The order-to-claim crosswalk: which CPT code bills an order coded in LOINC, SNOMED CT or
RadLex, and whether a claim line bills what its order asked for.

Both read our ConceptMaps (CPT to LOINC, SNOMED CT and RadLex) backwards through
``$translate``'s core: an order for LOINC 29252-4 (CT chest without contrast) is billed as
71250, which the CPT-to-LOINC map calls equivalent. The order's term may be wider than any one
CPT code (LOINC 24627-2 "CT Chest" covers 71250, 71260 and 71270): then every CPT code it
covers is named, and the study performed decides.

A claim line is tied to its order by the R5 ``Claim.item.request`` element (in R4 the
cross-version extension), else by ``Claim.referral``, else by the ServiceRequests sent in the
same Bundle for the same patient; the line should bill one of the CPT codes its orders map to.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeGuard

from terminology.checks.claim_lines import plain_codings
from terminology.checks.findings import Finding
from terminology.checks.subject import Subject, json_list
from terminology.model import Coding
from terminology.operations.context import Services
from terminology.operations.translate import translate
from terminology.operations.translate_model import TranslateRequest
from terminology.uris import CPT, LOINC, RADLEX, SNOMED

#: R5's Claim.item.request (the order a line bills), as R4 carries it.
ITEM_REQUEST = "http://hl7.org/fhir/5.0/StructureDefinition/extension-Claim.item.request"
#: Order code systems our maps reach from CPT, with their names for the issue texts.
ORDER_SYSTEMS = {LOINC: "LOINC", SNOMED: "SNOMED CT", RADLEX: "RadLex"}
#: Equivalences that are no translation.
_NO_MATCH = frozenset({"unmatched", "disjoint"})
_EXACT = frozenset({"equivalent", "equal"})


@dataclass(frozen=True, slots=True)
class Billing:
    """A CPT code that bills an order's code, and how it relates to it."""

    code: str
    display: str | None
    #: How the CPT code relates to the order's code (``equivalent``; ``narrower`` when the
    #: order's term covers several CPT codes).
    equivalence: str
    #: The ConceptMap that says so (url|version).
    source: str


class Crosswalk:
    def __init__(self, services: Services) -> None:
        self._services = services
        #: The last Bundle's index of entries, and its orders.
        self._orders_of: tuple[Mapping[str, Mapping[str, Any]], list[Mapping[str, Any]]] | None = (
            None
        )

    def billing(self, coding: Coding, on: date | None) -> tuple[Billing, ...]:
        """The CPT codes that bill ``coding`` (an order's LOINC, SNOMED CT or RadLex code):
        the exact ones when the maps have any, else every one it covers."""
        if coding.system not in ORDER_SYSTEMS or not coding.code:
            return ()
        return self._services.derived_value(
            ("crosswalk", coding.system, coding.code, on),
            lambda: self._billing(coding, on),
        )

    def _billing(self, coding: Coding, on: date | None) -> tuple[Billing, ...]:
        request = TranslateRequest(
            Coding(coding.system, coding.code), reverse=True, target_system=CPT, date=on
        )
        found = [
            Billing(m.concept.code or "", m.concept.display, m.equivalence, m.source)
            for m in translate(request, self._services).matches
            if m.equivalence not in _NO_MATCH and m.concept.system == CPT and m.concept.code
        ]
        exact = [b for b in found if b.equivalence in _EXACT]
        chosen = exact or found
        unique = {b.code: b for b in sorted(chosen, key=lambda b: b.code)}
        return tuple(unique.values())

    def cpt_codes(self, order: Mapping[str, Any], on: date | None) -> set[str]:
        """Every CPT code that bills ``order``: its own CPT codings, and those its other codes
        map to."""
        codes: set[str] = set()
        for coding in plain_codings(order.get("code")):
            if coding.system == CPT and coding.code:
                codes.add(coding.code)
            codes.update(b.code for b in self.billing(coding, on))
        return codes

    # -- an order ------------------------------------------------------------------------------
    def order_findings(self, subject: Subject, on: date | None) -> list[Finding]:
        """Information on an order not coded in CPT: the CPT code(s) that would bill it."""
        codings = list(plain_codings(subject.resource.get("code")))
        if any(c.system == CPT for c in codings):
            return []
        out = []
        for coding in codings:
            billing = self.billing(coding, on)
            if billing:
                out.append(
                    Finding(
                        "information",
                        "informational",
                        "order-billing-code",
                        _billed_as(coding, billing),
                        subject.path("code"),
                    )
                )
        return out

    # -- a claim -------------------------------------------------------------------------------
    def orders_of(self, subject: Subject, item: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        """The orders a claim line bills, as far as the request shows them."""
        linked = [
            subject.resolve(extension.get("valueReference"))
            for extension in json_list(item.get("extension"))
            if isinstance(extension, Mapping) and extension.get("url") == ITEM_REQUEST
        ]
        orders = [o for o in linked if _is_order(o)]
        if orders:
            return orders
        referral = subject.resolve(subject.resource.get("referral"))
        if _is_order(referral):
            return [referral]
        patient = _reference(subject.resource.get("patient"))
        return [
            r
            for r in self._bundle_orders(subject.reachable)
            if patient is None or _reference(r.get("subject")) in (None, patient)
        ]

    def _bundle_orders(self, reachable: Mapping[str, Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        """The ServiceRequests among a Bundle's entries, found once per Bundle (every claim of a
        Bundle of claims asks, for each of its lines)."""
        if self._orders_of is None or self._orders_of[0] is not reachable:
            self._orders_of = (reachable, [r for r in _unique(reachable.values()) if _is_order(r)])
        return self._orders_of[1]

    def line_findings(
        self,
        subject: Subject,
        item: Mapping[str, Any],
        index: int,
        billed: Iterable[Coding],
        on: date | None,
    ) -> list[Finding]:
        """A warning when a chest-imaging line bills a CPT code none of its orders map to."""
        codes = [c.code for c in billed if c.system == CPT and c.code]
        if not codes:
            return []
        orders = self.orders_of(subject, item)
        expected: set[str] = set()
        for order in orders:
            expected |= self.cpt_codes(order, on)
        if not expected or any(code in expected for code in codes):
            return []
        ordered = "; ".join(_describe(order) for order in orders)
        return [
            Finding(
                "warning",
                "business-rule",
                "claim-line-not-ordered",
                f"Line {item.get('sequence', index + 1)} bills {', '.join(codes)}, but its "
                f"order ({ordered}) maps to {_or(sorted(expected))}: bill the study that was "
                "ordered, or tie the line to the order for the study it bills",
                subject.path(f"item[{index}].productOrService"),
            )
        ]


def _billed_as(coding: Coding, billing: tuple[Billing, ...]) -> str:
    name = f"{ORDER_SYSTEMS.get(coding.system or '', coding.system)} {coding.code}"
    exact = all(b.equivalence in _EXACT for b in billing)
    listed = _or(
        [
            f"CPT {b.code} ("
            + ", ".join(x for x in (b.display, None if exact else b.equivalence) if x)
            + ")"
            for b in billing
        ]
    )
    maps = ", ".join(sorted({b.source for b in billing}))
    how = (
        "equivalent"
        if exact
        else "how each CPT code relates to the order's term; the study performed decides"
        if len(billing) > 1
        else "how the CPT code relates to the order's term"
    )
    return (
        f"The order's {name} is billed as {listed} ({how}; by {maps}). Add modifier 26 to bill "
        "the reading alone, or TC for the technical component alone."
    )


def _describe(order: Mapping[str, Any]) -> str:
    codes = [
        f"{ORDER_SYSTEMS.get(c.system or '', 'CPT' if c.system == CPT else c.system)} {c.code}"
        for c in plain_codings(order.get("code"))
    ]
    rid = order.get("id")
    name = f"ServiceRequest/{rid}" if isinstance(rid, str) else "ServiceRequest"
    return f"{name}: {', '.join(codes) or 'no code'}"


def _or(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


def _is_order(resource: Mapping[str, Any] | None) -> TypeGuard[Mapping[str, Any]]:
    return resource is not None and resource.get("resourceType") == "ServiceRequest"


def _reference(value: Any) -> str | None:
    target = value.get("reference") if isinstance(value, Mapping) else None
    return target if isinstance(target, str) else None


def _unique(resources: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The Bundle's resources once each (they are indexed by fullUrl and by Type/id)."""
    seen: set[int] = set()
    out = []
    for resource in resources:
        if id(resource) not in seen:
            seen.add(id(resource))
            out.append(resource)
    return out
