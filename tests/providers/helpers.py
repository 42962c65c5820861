"""Reach a stored code-system version in provider tests."""

from __future__ import annotations

from terminology.operations.context import Services
from terminology.providers.base import CodeSystemProvider, CodeSystemVersion


def provider_of(services: Services, system: str) -> CodeSystemProvider:
    provider = services.registry.resolve(system)
    assert provider is not None, f"no provider for {system}"
    return provider


def version_of(services: Services, system: str, version: str | None = None) -> CodeSystemVersion:
    """``version`` of ``system`` (the latest when None); the test fails when it is not loaded."""
    found = provider_of(services, system).select(version=version)
    assert found is not None, f"{system} version {version} is not loaded"
    return found
