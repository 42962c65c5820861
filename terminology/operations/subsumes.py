"""``CodeSystem/$subsumes``: how code A relates to code B in one code system's hierarchy.

http://hl7.org/fhir/R4/codesystem-operation-subsumes.html. The answer is ``equivalent``,
``subsumes`` (A is an ancestor of B), ``subsumed-by`` (A is a descendant of B) or
``not-subsumed``, read from the provider (``CodeSystemVersion.subsumes``). A question that
cannot be answered is an error, never a guessed outcome (the HL7 terminology-ecosystem
contract): an unknown code system or version is a 404 as in ``$lookup``, an unknown code a 404
``code-invalid`` naming ``codeA``/``codeB`` (what tx.fhir.org answers), codes of another code
system a 400, and a hierarchy that is not one of subsumption (``grouped-by``, ``part-of``) a
422.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from terminology.errors import TerminologyError
from terminology.messages import msg
from terminology.model import Coding, Concept
from terminology.operations.context import Services
from terminology.operations.resolution import Resolved, explain_missing, resolve
from terminology.operations.scope import build_scope
from terminology.providers.base import SubsumptionOutcome
from terminology.providers.registry import ProviderRegistry
from terminology.providers.syntax import quote


@dataclass(frozen=True, slots=True)
class SubsumesSide:
    """Code A or code B as the request gave it: a ``code`` (its system is the request's) or a
    ``Coding``; ``name`` is the parameter it came in (``codeA``, ``codingB``...), for errors."""

    coding: Coding
    name: str

    @property
    def is_coding(self) -> bool:
        return self.name.startswith("coding")

    def path(self, element: str) -> str:
        """The FHIRPath of one of its elements: ``codeA`` itself, or ``codingA.system``."""
        return f"{self.name}.{element}" if self.is_coding else self.name


@dataclass(frozen=True, slots=True)
class SubsumesRequest:
    a: SubsumesSide
    b: SubsumesSide
    #: The code system (``system``, or the instance's url); None to take the codings'.
    system: str | None = None
    version: str | None = None
    #: A date of service picks the version in force on it, as in ``$lookup``.
    date: date | None = None
    #: CodeSystems sent with the request (``tx-resource``), used for this request only.
    tx_resources: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class SubsumesResult:
    outcome: SubsumptionOutcome
    #: The code-system version that answered (not sent: ``outcome`` is the only output).
    system: str
    version: str | None


def _canonical(registry: ProviderRegistry, system: str) -> str:
    """A system's own URL when another spelling of it was given (HCPCS with https)."""
    provider = registry.resolve(system)
    return provider.system if provider is not None else system


def _system(request: SubsumesRequest, registry: ProviderRegistry) -> str:
    """The code system the codes are tested in; every Coding must be of it."""
    codings = [side for side in (request.a, request.b) if side.is_coding]
    for side in codings:
        if side.coding.system is None:
            raise TerminologyError(
                msg("SUBSUMES_SYSTEM_REQUIRED", name=side.name),
                tx_type="invalid-data",
                expression=side.path("system"),
            )
    if request.system is None:
        if not codings:
            raise TerminologyError(
                msg("SUBSUMES_SYSTEM_REQUIRED", name="codeA and codeB"),
                tx_type="invalid-data",
                expression="system",
            )
        first = codings[0].coding.system
        assert first is not None
        for side in codings[1:]:
            given = side.coding.system
            assert given is not None
            if _canonical(registry, given) != _canonical(registry, first):
                raise TerminologyError(
                    msg("SUBSUMES_SYSTEMS_DIFFER", a=first, b=given),
                    tx_type="invalid-data",
                    expression=side.path("system"),
                )
        return first
    system = _canonical(registry, request.system)
    for side in codings:
        given = side.coding.system
        assert given is not None
        if _canonical(registry, given) != system:
            raise TerminologyError(
                msg("SUBSUMES_SYSTEM_MISMATCH", name=side.name, given=given, system=system),
                tx_type="invalid-data",
                expression=side.path("system"),
            )
    return request.system


def _version(request: SubsumesRequest, system: str) -> str | None:
    """The one version the request names, if any: ``version`` (or the instance's) and the
    codings' versions must agree, since subsumption is tested in one version."""
    named = [("version", request.version)]
    named += [(side.path("version"), side.coding.version) for side in (request.a, request.b)]
    given = [(where, v) for where, v in named if v]
    for where, value in given[1:]:
        if value != given[0][1]:
            raise TerminologyError(
                msg(
                    "SUBSUMES_VERSIONS_DIFFER",
                    system=system,
                    first=given[0][0],
                    a=given[0][1],
                    second=where,
                    b=value,
                ),
                tx_type="invalid-data",
                expression=where,
            )
    return given[0][1] if given else None


def _concept(resolved: Resolved, side: SubsumesSide) -> Concept:
    """The concept the side names (another case of its code in a case-insensitive code
    system is that concept); else a 404 saying why it is not there."""
    code = side.coding.code
    if code is None:
        raise TerminologyError(
            msg("SUBSUMES_CODING_NO_CODE", name=side.name),
            code="required",
            tx_type="invalid-data",
            expression=side.path("code"),
        )
    located = resolved.version.locate(code)
    if located.concept is not None:
        return located.concept
    info = resolved.version.info
    if info.version is None and not located.message:
        text = msg("UNKNOWN_CODE_NO_VERSION", code=quote(code), system=info.url)
    else:
        text = explain_missing(resolved, code, located.message)
    raise TerminologyError(
        text,
        status=404,
        code="code-invalid",
        tx_type="invalid-code",
        expression=side.path("code"),
    )


def subsumes(request: SubsumesRequest, services: Services) -> SubsumesResult:
    scope = build_scope(services, request.tx_resources)
    system = _system(request, scope.registry)
    version = _version(request, system)
    resolved = resolve(scope.registry, system, version, request.date)
    concept_a = _concept(resolved, request.a)
    concept_b = _concept(resolved, request.b)
    cs = resolved.version
    # Codes as the code system spells them: ``locate`` found the concept however the request
    # cased it, so two casings of one code of a case-insensitive system are equivalent.
    outcome = cs.subsumes(concept_a.code, concept_b.code)
    if outcome is None:
        raise TerminologyError(
            msg(
                "SUBSUMES_NOT_IS_A",
                system=cs.info.url,
                version=cs.info.version or "",
                meaning=cs.info.hierarchy_meaning or "",
                a=quote(concept_a.code),
                b=quote(concept_b.code),
            ),
            status=422,
            code="not-supported",
            tx_type="cannot-determine",
        )
    return SubsumesResult(outcome, cs.info.url, cs.info.version)
