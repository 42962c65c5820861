"""Which version of a code system answers a ``$validate-code`` question.

Order of precedence (FHIR ``$expand``/``$validate-code`` version parameters, as the HL7
terminology ecosystem applies them): ``force-system-version``; an exact version pinned by the
value set include; a wildcard pin narrowed by the coding's version; the coding's own version;
``system-version``; the latest version matching ``check-system-version``; the version in force
on the date of service; the latest version. Conflicts become issues, never silent choices.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from terminology.messages import msg
from terminology.model import Issue
from terminology.operations.validation_model import ValidateCodeRequest
from terminology.providers.base import CodeSystemProvider, CodeSystemVersion
from terminology.versions import version_sort_key


class _Paths(Protocol):
    version: str
    system: str


@dataclass(slots=True)
class VersionChoice:
    cs: CodeSystemVersion | None
    issues: list[Issue] = field(default_factory=list)
    #: ``url|version`` of versions asked for that the server does not have.
    unknown: list[str] = field(default_factory=list)
    #: True when no version could be chosen, so the code cannot be checked at all.
    fatal: bool = False
    reported_version: str | None = None


def is_pattern(version: str) -> bool:
    return version == "*" or "x" in version.split(".") or "*" in version.split(".")


def matches_pattern(version: str | None, pattern: str) -> bool:
    if version is None:
        return False
    if not is_pattern(pattern):
        return version == pattern
    if pattern == "*":
        return True
    wanted, actual = pattern.split("."), version.split(".")
    if len(actual) < len(wanted):
        return False
    return all(w in ("x", "*") or w == a for w, a in zip(wanted, actual, strict=False))


def parameter_for(values: tuple[str, ...], system: str) -> str | None:
    """The version a ``url|version`` parameter gives ``system`` (None when none names it)."""
    for value in values:
        url, _, version = value.partition("|")
        if url == system and version:
            return version
    return None


def includes_for(
    value_set: Mapping[str, Any],
    system: str,
    resolve: Callable[[str, str | None], Mapping[str, Any] | None],
    _seen: frozenset[str] = frozenset(),
) -> list[Mapping[str, Any]]:
    """The includes of ``value_set`` (and of the value sets it imports) that name ``system``."""
    found: list[Mapping[str, Any]] = []
    compose = value_set.get("compose", {})
    for include in compose.get("include", ()):
        if include.get("system") == system:
            found.append(include)
        for ref in include.get("valueSet", ()):
            if ref in _seen:
                continue
            if ref.startswith("#"):
                imported = next(
                    (c for c in value_set.get("contained", ()) if c.get("id") == ref[1:]), None
                )
            else:
                url, _, version = ref.partition("|")
                imported = resolve(url, version or None)
            if imported is not None:
                found += includes_for(imported, system, resolve, _seen | {ref})
    return found


def describe_versions(versions: list[str | None]) -> str:
    known = sorted((v for v in versions if v), key=lambda v: version_sort_key(v, None))
    if len(known) <= 1:
        return "".join(known)
    return ", ".join(known[:-1]) + " or " + known[-1]


def _latest_matching(versions: list[str | None], pattern: str) -> str | None:
    return next((v for v in versions if v is not None and matches_pattern(v, pattern)), None)


def choose_version(
    request: ValidateCodeRequest,
    provider: CodeSystemProvider,
    system: str,
    coding_version: str | None,
    includes: list[Mapping[str, Any]],
    paths: _Paths,
) -> VersionChoice:
    versions = provider.versions()
    force = parameter_for(request.force_system_versions, system)
    check = parameter_for(request.check_system_versions, system)
    default = parameter_for(request.system_versions, system)
    pins = [i["version"] for i in includes if i.get("version")]
    issues: list[Issue] = []
    unknown: list[str] = []
    version_path = paths.version

    if coding_version is not None and coding_version not in versions and not force:
        unknown.append(f"{system}|{coding_version}")
        issues.append(_unknown_version(system, coding_version, versions, paths.system))

    resolved: str | None
    if force:
        resolved = _latest_matching(versions, force) if is_pattern(force) else force
    elif pins:
        pin = next((p for p in pins if matches_pattern(coding_version, p)), pins[0])
        if not is_pattern(pin):
            resolved = pin
            if coding_version is not None and coding_version != pin:
                issues.append(
                    Issue(
                        "error",
                        "invalid",
                        msg(
                            "VS_INCLUDE_VERSION_MISMATCH",
                            system=system,
                            pinned=pin,
                            given=coding_version,
                        ),
                        "vs-invalid",
                        version_path,
                    )
                )
        elif (
            coding_version is not None
            and matches_pattern(coding_version, pin)
            and coding_version in versions
        ):
            resolved = coding_version
        else:
            resolved = _latest_matching(versions, pin)
            if coding_version is not None and resolved is not None:
                issues.append(
                    Issue(
                        "error",
                        "invalid",
                        msg(
                            "VS_INCLUDE_WILDCARD_MISMATCH",
                            system=system,
                            resolved=resolved,
                            pattern=pin,
                            given=coding_version,
                        ),
                        "vs-invalid",
                        version_path,
                    )
                )
    elif coding_version is not None and coding_version in versions:
        resolved = coding_version
        if default is not None and default != coding_version:
            issues.append(
                Issue(
                    "error",
                    "invalid",
                    msg(
                        "VS_VERSIONLESS_MISMATCH",
                        system=system,
                        resolved=default,
                        given=coding_version,
                    ),
                    "vs-invalid",
                    version_path,
                )
            )
    elif default is not None:
        resolved = _latest_matching(versions, default) if is_pattern(default) else default
    elif check is not None:
        resolved = _latest_matching(versions, check)
    elif request.date is not None:
        selected = provider.select(on=request.date)
        resolved = selected.info.version if selected else None
    else:
        resolved = versions[0] if versions else None

    cs = provider.select(version=resolved) if resolved is not None or None in versions else None
    if cs is None:
        if resolved is not None and f"{system}|{resolved}" not in unknown:
            unknown.append(f"{system}|{resolved}")
            issues.append(_unknown_version(system, resolved, versions, paths.system))
        return VersionChoice(None, issues, unknown, True, resolved)
    if check is not None and not matches_pattern(cs.info.version, check):
        issues.append(
            Issue(
                "error",
                "exception",
                msg("VERSION_CHECK_FAILED", version=cs.info.version, system=system, required=check),
                "version-error",
                version_path,
            )
        )
    return VersionChoice(cs, issues, unknown, False, cs.info.version)


def _unknown_version(system: str, version: str, versions: list[str | None], path: str) -> Issue:
    known = describe_versions(versions)
    text = (
        msg("CS_VERSION_UNKNOWN", system=system, version=version, valid=known)
        if known
        else msg("CS_VERSION_UNKNOWN_NONE", system=system, version=version)
    )
    return Issue("error", "not-found", text, "not-found", path)
