"""``ValueSet/$expand``: http://hl7.org/fhir/R4/valueset-operation-expand.html

The engine evaluates the compose; this module supplies the policy around it: which value set
and which code-system versions (force / system-version / check-system-version, wildcards),
supplements, languages, paging, nesting, the size limit, and the parameters echoed in
``expansion.parameter`` (only those the request supplied, plus what the server used).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from terminology.engine.expansion import ExpansionEngine
from terminology.engine.version_policy import VersionPolicy, matches_pattern, present_versions
from terminology.errors import TerminologyError
from terminology.messages import msg
from terminology.model import Concept
from terminology.operations.compose_reading import (
    requested_language,
    required_supplements,
)
from terminology.operations.context import Services
from terminology.operations.expand_model import (
    EchoedParameter,
    ExpandRequest,
    ExpandResult,
    ParamKind,
)
from terminology.operations.expansion_items import (
    ItemOptions,
    LanguagePreference,
    build_item,
    echo_language,
    nest,
)
from terminology.operations.scope import Scope, build_scope
from terminology.providers.base import CodeSystemVersion
from terminology.providers.supplemented import supplements_used

#: Codes one answer may list when neither the client nor a code system sets a lower limit.
#: Larger value sets are still available page by page (``count`` and ``offset``).
DEFAULT_EXPANSION_LIMIT = 1000
_WORD = re.compile(r"\w+")


class _Versions:
    """Chooses the code-system version of each include and records what it used."""

    def __init__(self, request: ExpandRequest, scope: Scope, supplements: tuple[str, ...]) -> None:
        self.request = request
        self.policy = VersionPolicy(
            request.force_system_versions,
            request.system_versions,
            request.check_system_versions,
            request.date,
        )
        self.scope = scope
        self.supplements = supplements
        self.languages: tuple[str, ...] = ()
        #: ``url|version`` of every code-system version used, in order.
        self.used: list[str] = []
        self.used_supplements: list[str] = []
        self.fragments: list[str] = []
        #: Version parameters that decided a version (echoed: the client should know).
        self.applied: list[EchoedParameter] = []

    def select(self, system: str, include_version: str | None, where: str) -> CodeSystemVersion:
        request = self.request
        provider = self.scope.registry.resolve(system)
        if provider is None:
            raise TerminologyError(
                msg("UNKNOWN_CODESYSTEM_EXP", system=system),
                status=404,
                code="not-found",
                tx_type="not-found",
            )
        version, source = self.policy.base_and_source(system, include_version)
        if source is not None:
            self._applied(source, f"{system}|{version}")
        cs = self.policy.choose(provider, version).version
        if cs is None:
            known = present_versions(provider.versions())
            if not version:
                text = msg(
                    "UNKNOWN_CODESYSTEM_FOR_DATE_EXP", system=system, date=request.date, valid=known
                )
            elif known:
                text = msg(
                    "UNKNOWN_CODESYSTEM_VERSION_EXP", system=system, version=version, valid=known
                )
            else:
                text = msg("UNKNOWN_CODESYSTEM_VERSION_EXP_NONE", system=system, version=version)
            raise TerminologyError(
                text,
                status=404,
                code="not-found",
                tx_type="not-found",
            )
        required = self.policy.required(system)
        if required and not matches_pattern(cs.info.version, required):
            raise TerminologyError(
                msg(
                    "VERSION_CHECK_FAILED",
                    version=cs.info.version,
                    system=system,
                    required=required,
                ),
                status=422,
                code="exception",
                tx_type="version-error",
            )
        label = f"{cs.info.url}|{cs.info.version}" if cs.info.version else cs.info.url
        if label not in self.used:
            self.used.append(label)
            if cs.info.content == "fragment":
                self.fragments.append(label)
        cs = self.scope.supplemented(cs, self.supplements, self.languages)
        for canonical in supplements_used(cs):
            if canonical not in self.used_supplements:
                self.used_supplements.append(canonical)
        return cs

    def _applied(self, name: str, value: str) -> None:
        parameter = EchoedParameter(name, "uri", value)
        if parameter not in self.applied:
            self.applied.append(parameter)


def _text_matcher(text: str | None) -> Callable[[Concept], bool] | None:
    """Our text filter: every word of the filter starts a word of the display or of a
    designation, or the whole filter starts the code (case-insensitive). The filter is split
    into words by the rule that splits the texts (and that the stores' word indexes use), so
    "x-ray" asks for a word starting "x" and one starting "ray", as "X-ray" holds them."""
    if not text or not text.strip():
        return None
    terms = _WORD.findall(text.casefold())

    def matches(concept: Concept) -> bool:
        if concept.code.casefold().startswith(text.casefold().strip()):
            return True
        if not terms:
            return False  # punctuation only: no word to look for
        texts = [concept.display or "", *(d.value for d in concept.designations)]
        words = [w for t in texts for w in _WORD.findall(t.casefold())]
        return all(any(w.startswith(term) for w in words) for term in terms)

    return matches


def _echo(request: ExpandRequest, language: str | None) -> list[EchoedParameter]:
    echoed: list[EchoedParameter] = []

    def add(name: str, kind: ParamKind, value: object) -> None:
        if value is not None:
            echoed.append(EchoedParameter(name, kind, value))

    add("activeOnly", "boolean", request.active_only)
    add("count", "integer", request.count)
    for token in request.designations:
        add("designation", "string", token)
    add("displayLanguage", "code", echo_language(language) if language else None)
    add("excludeNested", "boolean", request.exclude_nested)
    add("excludeNotForUI", "boolean", request.exclude_not_for_ui)
    add("filter", "string", request.text_filter)
    for value in request.force_system_versions:
        add("force-system-version", "uri", value)
    add("includeDefinition", "boolean", request.include_definition)
    add("includeDesignations", "boolean", request.include_designations)
    add("offset", "integer", request.offset)
    return echoed


def expand(request: ExpandRequest, services: Services) -> ExpandResult:
    # An inline value set is visible to its own imports, so one that imports itself is
    # reported as circular rather than as an unknown value set.
    inline = (request.value_set.resource,) if request.value_set.resource is not None else ()
    scope = build_scope(services, (*request.tx_resources, *inline))
    value_set = scope.target_value_set(request.value_set, request.default_valueset_versions)
    plan = services.plans.of(value_set)
    supplements = required_supplements(request.use_supplements, plan)
    scope.require_supplements(supplements)
    language = requested_language(request.display_language, request.accept_language, value_set)
    prefs = LanguagePreference.parse(language or value_set.get("language"))
    versions = _Versions(request, scope, supplements)
    versions.languages = prefs.tags
    engine = ExpansionEngine(
        versions.select,
        scope.import_resolver(request.default_valueset_versions),
        plans=services.plans,
        default_versions=request.default_valueset_versions,
        text_filter=_text_matcher(request.text_filter),
        text_query=request.text_filter,
        drop_inactive=bool(request.active_only),
        drop_abstract=bool(request.exclude_not_for_ui),
    )
    entries = list(engine.evaluate(value_set).values())
    total = len(entries)
    paged = request.offset is not None or request.count is not None
    offset = request.offset or 0
    page = (
        entries[offset : offset + request.count] if request.count is not None else entries[offset:]
    )
    # A client may lower the limit (to test how it handles a refusal), never raise it.
    limit = min(request.threshold or DEFAULT_EXPANSION_LIMIT, DEFAULT_EXPANSION_LIMIT)
    if len(page) > limit:
        raise TerminologyError(
            msg("VALUESET_TOO_COSTLY", vs=_label(value_set), total=total, limit=limit),
            status=422,
            code="too-costly",
        )
    uris: dict[str, str] = {}
    options = ItemOptions(
        languages=prefs,
        # Asking for particular designations asks for designations, unless told otherwise.
        include_designations=request.include_designations is not False
        and bool(request.include_designations or request.designations),
        designation_filters=request.designations,
        properties=request.properties,
        versioned_systems=plan.several_versions(),
    )
    items = [build_item(e, options, uris) for e in page]
    if not (request.exclude_nested or paged or engine.flattened):
        items = nest(page, items)
    parameters = _echo(request, language) + versions.applied
    parameters += [EchoedParameter("used-codesystem", "uri", u) for u in versions.used]
    parameters += [EchoedParameter("used-supplement", "uri", u) for u in versions.used_supplements]
    parameters += [EchoedParameter("used-valueset", "uri", u) for u in engine.used_value_sets]
    parameters += [EchoedParameter("used-fragment", "uri", u) for u in versions.fragments]
    return ExpandResult(
        value_set=value_set,
        identifier=f"urn:uuid:{uuid.uuid4()}",
        timestamp=datetime.now(UTC).isoformat(timespec="seconds"),
        total=total,
        offset=offset if paged or offset else None,
        items=items,
        parameters=parameters,
        property_uris=uris,
        include_definition=bool(request.include_definition),
        fragments=versions.fragments,
        capped=engine.capped,
    )


def _label(value_set: Mapping[str, Any]) -> str:
    url = value_set.get("url") or "(unidentified)"
    version = value_set.get("version")
    return f"{url}|{version}" if version else url
