"""``ConceptMap/$translate``: the concepts a concept maps to, by the ConceptMaps that apply.

http://hl7.org/fhir/R4/conceptmap-operation-translate.html (and R5's, whose names the HTTP edge
also reads). Called with plain data, no HTTP::

    from terminology.model import Coding
    from terminology.operations.translate import translate
    from terminology.operations.translate_model import TranslateRequest
    from terminology.uris import CPT, LOINC

    # Forward: what does CPT 71046 map to in LOINC?
    translate(TranslateRequest(Coding(CPT, "71046"), target_system=LOINC), services)

    # Reverse: which CPT codes map to LOINC 36643-5 (our maps are CPT -> X)?
    found = translate(
        TranslateRequest(Coding(LOINC, "36643-5"), reverse=True, target_system=CPT), services
    )
    for match in found.matches:  # match.concept is the CPT code, match.equivalence how the
        ...                      # CPT code relates to 36643-5 (read backwards: a LOINC term
                                 # ``narrower`` than the CPT code makes the CPT code ``wider``)

    # Date of service: what replaced 71020 on a 2024 claim?
    translate(TranslateRequest(Coding(CPT, "71020"), date=date(2024, 5, 1)), services)

``result`` is true when at least one match is a translation (not ``unmatched``/``disjoint``);
no map that applies, or no element for the code, is ``result = false`` with a ``message``, never
an error. A map named by url that does not exist is a 404 ``TerminologyError``.

Which maps apply: the named one (``concept_map``), else every ConceptMap sent with the request
and every stored one (the newest version of each url; a sent map hides a stored one with the
same url|version), that has a group from the asked concept's system (with ``reverse``: to it),
to ``target_system`` when given, whose declared scopes do not contradict ``source_scope`` and
``target_scope``. A group between two versions of code systems (``sourceVersion`` and
``targetVersion``, as in our replacements of deleted codes) applies on a date of service from
the first day of its target version: 71020 was replaced by 71046 from CPT 2018 on, so on a 2017
date there is no replacement. A code a group has no element for gets the group's ``unmapped``
(R4 ``provided``/``fixed``/``other-map``, R5 ``use-source-code`` too), forward only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from terminology.errors import TerminologyError
from terminology.messages import Whole, msg
from terminology.model import Coding
from terminology.operations.concept_map_index import (
    ConceptMapIndex,
    MapGroup,
    MapTarget,
    index_concept_map,
    inverse_equivalence,
    inverse_relationship,
)
from terminology.operations.context import Services
from terminology.operations.translate_model import (
    MapDependency,
    TranslateMatch,
    TranslateRequest,
    TranslateResult,
)
from terminology.versions import version_sort_key

#: How many ``unmapped.otherMap`` hops one translation may follow.
MAX_OTHER_MAP_DEPTH = 16


def stored_map_indexes(services: Services) -> tuple[ConceptMapIndex, ...]:
    """The index of the newest version of every stored ConceptMap, built once per content
    generation."""

    def build() -> tuple[ConceptMapIndex, ...]:
        newest: dict[str, Mapping[str, Any]] = {}
        for resource in services.concept_maps:
            newest[resource["url"]] = resource  # the repository lists versions oldest first
        return tuple(_stored_index(services, r) for r in newest.values())

    return services.derived_value(("translate", "stored maps"), build)


def _stored_index(services: Services, resource: Mapping[str, Any]) -> ConceptMapIndex:
    key = ("translate", "map", resource.get("id"), resource.get("url"), resource.get("version"))
    return services.derived_value(key, lambda: index_concept_map(resource))


@dataclass(slots=True)
class _Maps:
    """The ConceptMaps one request can see: those it brought, then the stored ones."""

    services: Services
    sent: list[Mapping[str, Any]]
    _sent_indexes: dict[int, ConceptMapIndex] = field(default_factory=dict)

    def index(self, resource: Mapping[str, Any]) -> ConceptMapIndex:
        """A stored map's index (built once per content generation), or that of a map the
        request brought (built once for the request)."""
        if self.services.concept_maps.read(str(resource.get("id"))) is resource:
            return _stored_index(self.services, resource)
        found = self._sent_indexes.get(id(resource))
        if found is None:
            found = index_concept_map(resource)
            self._sent_indexes[id(resource)] = found
        return found

    def find(self, url: str, version: str | None) -> ConceptMapIndex | None:
        """The map ``url`` (``version``, else the newest), sent ones first."""
        for pool in (self.sent, self.services.concept_maps.versions(url)):
            candidates = [r for r in pool if r.get("url") == url]
            if version is not None:
                candidates = [r for r in candidates if r.get("version") == version]
            if candidates:
                newest = max(
                    enumerate(candidates),
                    key=lambda item: (version_sort_key(item[1].get("version"), None), item[0]),
                )[1]
                return self.index(newest)
        return None

    def every(self) -> list[ConceptMapIndex]:
        sent = [self.index(r) for r in self.sent]
        hidden = {(m.url, m.version) for m in sent}
        stored = [m for m in stored_map_indexes(self.services) if (m.url, m.version) not in hidden]
        return sent + stored


@dataclass(slots=True)
class _Outcome:
    matches: list[TranslateMatch] = field(default_factory=list)
    #: Groups left out because the date of service is before their target version.
    not_yet: list[tuple[MapGroup, date]] = field(default_factory=list)
    #: Whether some map had a group for the asked concept's system.
    group_found: bool = False
    #: Maps left out because their declared scopes are not the ones asked about.
    out_of_scope: list[str] = field(default_factory=list)


def translate(request: TranslateRequest, services: Services) -> TranslateResult:
    """The matches of ``request.coding`` in the maps that apply (see the module docstring)."""
    if not request.coding.code or not request.coding.system:
        raise TerminologyError(msg("TRANSLATE_NO_CODE"), code="required", expression="code")
    request = _canonical_systems(request, services)
    maps = _Maps(
        services,
        [r for r in request.tx_resources if r.get("resourceType") == "ConceptMap"],
    )
    candidates = _candidates(request, maps)
    outcome = _Outcome()
    for index in candidates:
        _translate_in(index, request, maps, outcome, seen=(index.canonical,))
    matches = _unique(outcome.matches)
    if any(m.positive for m in matches):
        return TranslateResult(True, matches)
    return TranslateResult(False, matches, _why_not(request, candidates, outcome, matches))


def translate_codings(
    codings: Iterable[Coding], request: TranslateRequest, services: Services
) -> TranslateResult:
    """Every coding of a CodeableConcept translated with the rest of ``request``; the matches
    of all of them (``result`` true when any coding has a translation)."""
    results = [translate(_with_coding(request, c), services) for c in codings]
    if not results:
        raise TerminologyError(msg("TRANSLATE_NO_CODE"), code="required", expression="code")
    matches = _unique([m for r in results for m in r.matches])
    if any(r.result for r in results):
        return TranslateResult(True, matches)
    return TranslateResult(False, matches, "; ".join(r.message for r in results if r.message))


def _canonical_systems(request: TranslateRequest, services: Services) -> TranslateRequest:
    """The request with the code systems' canonical URLs where it used an alias (HCPCS's https
    URL), as the maps use them."""
    coding, wanted = request.coding, request.target_system
    system = _canonical(services, coding.system)
    target_system = _canonical(services, wanted)
    if system == coding.system and target_system == wanted:
        return request
    coding = Coding(system, coding.code, coding.version, coding.display)
    return _with_coding(request, coding, target_system)


def _canonical(services: Services, system: str | None) -> str | None:
    provider = services.registry.resolve(system) if system else None
    return provider.system if provider is not None else system


def _with_coding(
    request: TranslateRequest, coding: Coding, target_system: str | None = None
) -> TranslateRequest:
    return TranslateRequest(
        coding,
        request.reverse,
        request.concept_map,
        request.source_scope,
        request.target_scope,
        target_system or request.target_system,
        request.date,
        request.tx_resources,
        request.dependencies,
    )


def _candidates(request: TranslateRequest, maps: _Maps) -> list[ConceptMapIndex]:
    ref = request.concept_map
    if ref is None:
        return maps.every()
    if ref.resource is not None:
        return [maps.index(ref.resource)]
    assert ref.url is not None
    found = maps.find(ref.url, ref.version)
    if found is None:
        label = f"{ref.url}|{ref.version}" if ref.version else ref.url
        raise TerminologyError(
            msg("TRANSLATE_MAP_NOT_FOUND", url=label),
            status=404,
            code="not-found",
            tx_type="not-found",
            expression="url",
        )
    return [found]


def _scope_ok(declared: str | None, asked: str | None) -> bool:
    """A map applies unless it declares a value set other than the one asked about."""
    return asked is None or declared is None or declared == asked.partition("|")[0]


def _in_scope(index: ConceptMapIndex, request: TranslateRequest) -> bool:
    # The request's scopes are those of the question: with reverse, the asked concept is on
    # the map's target side.
    asked_side, answer_side = (
        (index.target_scope, index.source_scope)
        if request.reverse
        else (index.source_scope, index.target_scope)
    )
    return _scope_ok(asked_side, request.source_scope) and _scope_ok(
        answer_side, request.target_scope
    )


def _version_start(services: Services, system: str | None, version: str) -> date | None:
    provider = services.registry.resolve(system) if system else None
    found = provider.select(version=version) if provider is not None else None
    return found.info.period.start if found is not None else None


def _group_applies(
    group: MapGroup, request: TranslateRequest, services: Services, outcome: _Outcome
) -> bool:
    """Whether ``group`` speaks about the asked concept's system (and version) and the wanted
    answer system, on the date of service."""
    asked_system, asked_version, answer_system = (
        (group.target, group.target_version, group.source)
        if request.reverse
        else (group.source, group.source_version, group.target)
    )
    if asked_system != request.coding.system:
        return False
    if request.target_system is not None and answer_system != request.target_system:
        return False
    outcome.group_found = True
    if request.coding.version and asked_version and request.coding.version != asked_version:
        return False
    if request.date is not None and group.target_version is not None:
        start = _version_start(services, group.target, group.target_version)
        if start is not None and request.date < start:
            outcome.not_yet.append((group, start))
            return False
    return True


def _translate_in(
    index: ConceptMapIndex,
    request: TranslateRequest,
    maps: _Maps,
    outcome: _Outcome,
    seen: tuple[str, ...],
) -> None:
    if not _in_scope(index, request):
        outcome.out_of_scope.append(index.canonical)
        return
    coding = request.coding
    assert coding.code is not None
    table = index.backward if request.reverse else index.forward
    targets = table.get((coding.system, coding.code), ())
    for group in index.groups:
        if not _group_applies(group, request, maps.services, outcome):
            continue
        in_group = [t for t in targets if t.group is group]
        for target in in_group:
            if target.code is not None and _dependencies_hold(target, request.dependencies):
                outcome.matches.append(_match(index, target, request.reverse))
        if (
            not request.reverse
            and group.unmapped is not None
            and (group.number, coding.code) not in index.elements
        ):
            _unmapped(index, group, request, maps, outcome, seen)


def _dependencies_hold(target: MapTarget, given: tuple[MapDependency, ...]) -> bool:
    """False when the request gives an element the target depends on, and none of the values
    it gives for it is the one the target needs."""
    for needed in target.depends_on:
        known = [k for k in given if k.property == needed.property and k.value is not None]
        if known and not any(_same_value(k, needed) for k in known):
            return False
    return True


def _same_value(known: MapDependency, needed: MapDependency) -> bool:
    systems_agree = not known.system or not needed.system or known.system == needed.system
    return known.value == needed.value and systems_agree


def _match(index: ConceptMapIndex, target: MapTarget, reverse: bool) -> TranslateMatch:
    group = target.group
    source = Coding(group.source, target.source_code, group.source_version, target.source_display)
    mapped = Coding(group.target, target.code, group.target_version, target.display)
    if reverse:
        return TranslateMatch(
            concept=source,
            equivalence=inverse_equivalence(target.equivalence),
            relationship=inverse_relationship(target.relationship),
            source=index.canonical,
            matched=mapped,
            reverse=True,
            comment=target.comment,
            products=target.products,
            depends_on=target.depends_on,
        )
    return TranslateMatch(
        concept=mapped,
        equivalence=target.equivalence,
        relationship=target.relationship,
        source=index.canonical,
        matched=source,
        comment=target.comment,
        products=target.products,
        depends_on=target.depends_on,
    )


def _unmapped(
    index: ConceptMapIndex,
    group: MapGroup,
    request: TranslateRequest,
    maps: _Maps,
    outcome: _Outcome,
    seen: tuple[str, ...],
) -> None:
    """``group.unmapped`` for a code the group has no element for."""
    unmapped = group.unmapped
    assert unmapped is not None
    coding = request.coding
    if unmapped.mode in ("provided", "use-source-code", "fixed"):
        code = coding.code if unmapped.mode != "fixed" else unmapped.code
        if code is None:
            return
        display = unmapped.display if unmapped.mode == "fixed" else None
        outcome.matches.append(
            TranslateMatch(
                concept=Coding(group.target, code, group.target_version, display),
                equivalence=unmapped.equivalence,
                relationship=unmapped.relationship,
                source=index.canonical,
                matched=Coding(group.source, coding.code, group.source_version),
            )
        )
    elif unmapped.mode == "other-map" and unmapped.other_map:
        url, _, version = unmapped.other_map.partition("|")
        other = maps.find(url, version or None)
        if other is None:
            raise TerminologyError(
                msg("TRANSLATE_OTHER_MAP_NOT_FOUND", url=unmapped.other_map, map=index.canonical),
                status=422,
                code="not-found",
                tx_type="not-found",
            )
        if other.canonical in seen or len(seen) >= MAX_OTHER_MAP_DEPTH:
            path = Whole(" -> ".join([*seen, other.canonical]))
            raise TerminologyError(
                msg("TRANSLATE_OTHER_MAP_CIRCULAR", path=path), status=422, code="processing"
            )
        _translate_in(other, request, maps, outcome, (*seen, other.canonical))


def _unique(matches: list[TranslateMatch]) -> tuple[TranslateMatch, ...]:
    """Each match once (two groups or maps may state the same mapping), in the maps' order."""
    out: dict[tuple[Any, ...], TranslateMatch] = {}
    for m in matches:
        key = (m.concept.system, m.concept.code, m.equivalence, m.source)
        out.setdefault(key, m)
    return tuple(out.values())


def _label(coding: Coding) -> str:
    return f"{coding.system}#{coding.code}"


def _why_not(
    request: TranslateRequest,
    candidates: list[ConceptMapIndex],
    outcome: _Outcome,
    matches: tuple[TranslateMatch, ...],
) -> str:
    coding = request.coding
    if matches:
        codes = Whole(", ".join(f"{m.concept.code} ({m.equivalence})" for m in matches))
        return msg("TRANSLATE_ONLY_NEGATIVE", code=_label(coding), matches=codes)
    if outcome.not_yet:
        group, start = outcome.not_yet[0]
        assert request.date is not None
        return msg(
            "TRANSLATE_NOT_YET",
            code=_label(coding),
            date=request.date.isoformat(),
            start=start.isoformat(),
            system=group.target or "",
            version=group.target_version or "",
        )
    wanted = f" to {request.target_system}" if request.target_system else ""
    if not outcome.group_found and outcome.out_of_scope:
        return msg(
            "TRANSLATE_OUT_OF_SCOPE",
            code=_label(coding),
            source=request.source_scope or "(any)",
            target=request.target_scope or "(any)",
            maps=Whole(", ".join(sorted(set(outcome.out_of_scope)))),
        )
    if not outcome.group_found:
        key = "TRANSLATE_NO_MAP_REVERSE" if request.reverse else "TRANSLATE_NO_MAP"
        return msg(key, code=_label(coding), target=wanted)
    names = Whole(", ".join(sorted({m.canonical for m in candidates})))
    key = "TRANSLATE_NO_MATCH_REVERSE" if request.reverse else "TRANSLATE_NO_MATCH"
    return msg(key, code=_label(coding), maps=names, target=wanted)


__all__ = [
    "MapDependency",
    "TranslateMatch",
    "TranslateRequest",
    "TranslateResult",
    "stored_map_indexes",
    "translate",
    "translate_codings",
]
