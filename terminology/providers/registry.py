"""Finds the provider for a system URL. An unknown system is ``None``, never a guess."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from terminology.providers.base import CodeSystemProvider, CodeSystemVersion
from terminology.providers.cpt import CptVersion, StoredCptVersion
from terminology.providers.resource_backed import ResourceBackedProvider, ResourceBackedVersion
from terminology.providers.stored import StoredVersion
from terminology.providers.syntax import SYNTAX_RULES
from terminology.storage.concept_table import build_concept_table
from terminology.storage.store import ContentStore
from terminology.uris import CPT, HCPCS, HCPCS_HTTPS

#: Terminologies whose versions need more than the generic behaviour.
VERSION_CLASSES: dict[str, type[ResourceBackedVersion]] = {CPT: CptVersion}
#: The same, for versions whose concepts are in the store (a loaded AMA CPT release).
STORED_VERSION_CLASSES: dict[str, type[StoredVersion]] = {CPT: StoredCptVersion}

#: Other spellings of a system that real content uses (CARIN BB writes HCPCS with https).
ALIASES: dict[str, tuple[str, ...]] = {HCPCS: (HCPCS_HTTPS,)}


class ProviderRegistry:
    def __init__(self, providers: Iterable[CodeSystemProvider]) -> None:
        self._providers: dict[str, CodeSystemProvider] = {}
        for provider in providers:
            for url in (provider.system, *provider.aliases):
                self._providers[url] = provider

    def resolve(self, system: str) -> CodeSystemProvider | None:
        return self._providers.get(system)

    def providers(self) -> list[CodeSystemProvider]:
        """Each provider once, by system URL."""
        unique = {id(p): p for p in self._providers.values()}
        return sorted(unique.values(), key=lambda p: p.system)

    def overlay(self, providers: Iterable[CodeSystemProvider]) -> ProviderRegistry:
        """A registry in which ``providers`` hide stored ones with the same system (tx-resource)."""
        merged = ProviderRegistry(())
        merged._providers = dict(self._providers)
        for provider in providers:
            for url in (provider.system, *provider.aliases):
                merged._providers[url] = provider
        return merged


def build_version(resource: Mapping[str, Any]) -> CodeSystemVersion:
    table = build_concept_table(resource)
    url = table.info.url
    return VERSION_CLASSES.get(url, ResourceBackedVersion)(table, SYNTAX_RULES.get(url))


def build_providers(
    code_systems: Iterable[Mapping[str, Any]],
    store: ContentStore | None = None,
    stored_keys: Mapping[str, int] | None = None,
    polyhierarchies: Collection[str] = (),
) -> list[CodeSystemProvider]:
    """Providers over CodeSystem resources; a resource whose id is in ``stored_keys`` is the
    header of a version whose concepts are in ``store`` under that key (with several parents
    per concept when its id is in ``polyhierarchies``)."""
    by_system: dict[str, list[CodeSystemVersion]] = {}
    keys = stored_keys or {}
    for resource in code_systems:
        key = keys.get(resource.get("id", ""))
        version: CodeSystemVersion
        if store is not None and key is not None:
            version = STORED_VERSION_CLASSES.get(resource["url"], StoredVersion)(
                store,
                key,
                resource,
                SYNTAX_RULES.get(resource["url"]),
                polyhierarchy=resource.get("id") in polyhierarchies,
            )
        else:
            version = build_version(resource)
        by_system.setdefault(version.info.url, []).append(version)
    return [
        ResourceBackedProvider(system, versions, ALIASES.get(system, ()))
        for system, versions in sorted(by_system.items())
    ]
