"""What one request can see: the stored content plus the resources it brought in ``tx-resource``.

Resources sent with a request are used for that request only and win over stored content with
the same url|version (conformance suites reuse one url|version for different content). Other
stored versions of the same code system stay visible.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from terminology.engine.compose import ResolveValueSet
from terminology.engine.version_policy import rule_for
from terminology.errors import TerminologyError
from terminology.messages import Whole, msg, shorten
from terminology.operations.context import Services
from terminology.operations.validate_code_model import CanonicalRef
from terminology.providers.base import CodeSystemProvider, CodeSystemVersion
from terminology.providers.registry import ALIASES, ProviderRegistry, build_version
from terminology.providers.resource_backed import ResourceBackedProvider
from terminology.providers.supplemented import SupplementedVersion
from terminology.storage.concept_table import build_concept_table
from terminology.versions import version_sort_key


@dataclass(frozen=True, slots=True)
class Scope:
    registry: ProviderRegistry
    #: url -> versions of ValueSets brought by the request, oldest first.
    extra_value_sets: Mapping[str, list[Mapping[str, Any]]]
    services: Services
    #: Supplements brought by the request or stored, by url.
    supplements: Mapping[str, list[Mapping[str, Any]]] = field(default_factory=dict)

    def value_set(self, url: str, version: str | None = None) -> Mapping[str, Any] | None:
        """A value set by url (and version); the latest version when none is given."""
        # Both lists are sorted oldest first, so the latest version is the last one.
        candidates = self.extra_value_sets.get(url) or self.services.value_sets.versions(url)
        if not candidates:
            return self._implicit(url, version)
        if version is None:
            return candidates[-1]
        return next((r for r in candidates if r.get("version") == version), None)

    def import_resolver(self, default_versions: tuple[str, ...]) -> ResolveValueSet:
        """Finds imported value sets; a ``default-valueset-version`` fills a missing version."""

        def resolve(url: str, version: str | None) -> Mapping[str, Any] | None:
            return self.value_set(url, version or rule_for(default_versions, url))

        return resolve

    def target_value_set(
        self, ref: CanonicalRef, default_versions: tuple[str, ...] = ()
    ) -> Mapping[str, Any]:
        """The value set an operation is about (inline, or by url and version, else a
        ``default-valueset-version``, else the latest); 404 when it is not known."""
        if ref.resource is not None:
            return ref.resource
        assert ref.url is not None
        version = ref.version or rule_for(default_versions, ref.url)
        found = self.value_set(ref.url, version)
        if found is None:
            label = f"{ref.url}|{version}" if version else ref.url
            raise TerminologyError(
                msg("VS_NOT_FOUND", url=label), status=404, code="not-found", tx_type="not-found"
            )
        return found

    def _implicit(self, url: str, version: str | None) -> Mapping[str, Any] | None:
        """An implicit value set of a code system we hold (FHIR R4 CodeSystem, "implicit
        value sets"): ``[system]?fhir_vs`` is all its codes, ``[system]?fhir_vs=isa/[code]``
        the code and its descendants. Its version, if any, is the code system's."""
        system, mark, query = url.partition("?fhir_vs")
        if not mark or self.registry.resolve(system) is None:
            return None
        include: dict[str, Any] = {"system": system}
        if version is not None:
            include["version"] = version
        if query.startswith("=isa/") and len(query) > 5:
            include["filter"] = [{"property": "concept", "op": "is-a", "value": query[5:]}]
        elif query:
            return None
        return self.services.derived_value(
            ("implicit value set", url, version),
            lambda: {
                "resourceType": "ValueSet",
                "url": url,
                **({"version": version} if version is not None else {}),
                "status": "active",
                "compose": {"include": [include]},
            },
        )

    def is_value_set_url(self, url: str) -> bool:
        return bool(self.extra_value_sets.get(url) or self.services.value_sets.versions(url))

    def supplement(self, url: str, version: str | None = None) -> Mapping[str, Any] | None:
        candidates = self.supplements.get(url, [])
        if version is not None:
            return next((r for r in candidates if r.get("version") == version), None)
        return candidates[-1] if candidates else None

    def not_a_code_system(self, system: str) -> str | None:
        """Why ``system`` cannot be a coding's system although the server knows the URL: it is
        a value set or a supplement, neither of which defines codes. None otherwise."""
        if self.is_value_set_url(system):
            return msg("SYSTEM_IS_VALUESET", system=system)
        supplement = self.supplement(system)
        if supplement is not None:
            label = f"{system}|{supplement['version']}" if supplement.get("version") else system
            return msg("SYSTEM_IS_SUPPLEMENT", system=label)
        return None

    def require_supplements(self, required: Iterable[str]) -> None:
        """A 422 naming every supplement asked for (``useSupplement``, or the value set's own
        ``valueset-supplement``) that neither the request nor the store holds."""
        missing = [c for c in required if self.supplement(*_split(c)) is None]
        if missing:
            key = "SUPPLEMENT_NOT_FOUND" if len(missing) == 1 else "SUPPLEMENTS_NOT_FOUND"
            raise TerminologyError(
                msg(key, url=",".join(missing)), status=422, code="not-found", tx_type="not-found"
            )

    def supplemented(
        self, cs: CodeSystemVersion, required: Iterable[str], languages: Iterable[str] = ()
    ) -> CodeSystemVersion:
        """``cs`` with the supplements that apply: those asked for, and language packs for an
        asked-for language."""
        if not self.supplements:
            return cs
        wanted = set(required)
        asked = [lang.lower() for lang in languages if lang != "*"]
        tables = []
        for url, resources in self.supplements.items():
            for resource in resources:
                target_url, _, target_version = str(resource.get("supplements", "")).partition("|")
                if target_url != cs.info.url or (
                    target_version and target_version != cs.info.version
                ):
                    continue
                canonical = f"{url}|{resource.get('version')}"
                language = str(resource.get("language", "")).lower()
                pack = bool(language) and any(
                    language == a or language.startswith(a + "-") for a in asked
                )
                if url in wanted or canonical in wanted or pack:
                    tables.append(build_concept_table(resource))
        return SupplementedVersion(cs, tables) if tables else cs


def _merge(
    stored: CodeSystemProvider | None, added: list[CodeSystemVersion], system: str
) -> CodeSystemProvider:
    versions: dict[str | None, CodeSystemVersion] = {}
    if stored is not None:
        for v in stored.versions():
            selected = stored.select(version=v)
            if selected is not None:
                versions[v] = selected
    for version in added:
        versions[version.info.version] = version
    aliases = stored.aliases if stored is not None else ALIASES.get(system, ())
    return ResourceBackedProvider(system, list(versions.values()), aliases)


def build_scope(services: Services, tx_resources: Iterable[Mapping[str, Any]]) -> Scope:
    if not tx_resources:
        return services.derived_value(("scope",), lambda: _build_scope(services, ()))
    return _build_scope(services, tx_resources)


def _build_scope(services: Services, tx_resources: Iterable[Mapping[str, Any]]) -> Scope:
    code_systems: dict[str, list[CodeSystemVersion]] = {}
    value_sets: dict[str, list[Mapping[str, Any]]] = {}
    supplements: dict[str, list[Mapping[str, Any]]] = {}
    for resource in tx_resources:
        rtype = resource.get("resourceType")
        url = resource.get("url")
        if not isinstance(url, str) or not url:
            continue  # nothing can refer to a resource without a url
        if rtype == "CodeSystem":
            if resource.get("content") == "supplement":
                supplements.setdefault(url, []).append(resource)
                continue
            try:
                version = build_version(resource)
            except TerminologyError as exc:
                raise TerminologyError(
                    msg("TX_RESOURCE_INVALID", url=url, reason=Whole(exc.message)),
                    status=exc.status,
                    code=exc.code,
                    tx_type=exc.tx_type,
                ) from exc
            code_systems.setdefault(url, []).append(version)
        elif rtype == "ValueSet":
            value_sets.setdefault(url, []).append(resource)
    _check_supplement_cycles(supplements)
    for url in value_sets:
        value_sets[url].sort(key=lambda r: version_sort_key(r.get("version"), None))
    if not code_systems:
        return Scope(services.registry, value_sets, services, supplements)
    providers = [
        _merge(services.registry.resolve(system), added, system)
        for system, added in code_systems.items()
    ]
    return Scope(services.registry.overlay(providers), value_sets, services, supplements)


def _check_supplement_cycles(supplements: Mapping[str, list[Mapping[str, Any]]]) -> None:
    """A supplement must supplement a code system; one that (through others) supplements
    itself can never apply, so it is a 422 naming the circle rather than "not found"."""
    for start in supplements:
        path = [start]
        current = start
        while True:
            resources = supplements.get(current)
            if not resources:
                break
            target = str(resources[-1].get("supplements") or "").partition("|")[0]
            if not target:
                break
            if target in path:
                cycle = Whole(" -> ".join(shorten(u, 120) for u in [*path, target]))
                raise TerminologyError(
                    msg("SUPPLEMENT_CIRCULAR", url=start, path=cycle),
                    status=422,
                    code="processing",
                    tx_type="vs-invalid",
                )
            path.append(target)
            current = target


def _split(canonical: str) -> tuple[str, str | None]:
    url, _, version = canonical.partition("|")
    return url, version or None
