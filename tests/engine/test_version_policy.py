"""Version rules of $validate-code: wildcards, precedence of force/default/check, version lists."""

from __future__ import annotations

import pytest

from terminology.engine.version_policy import (
    VersionPolicy,
    matches_pattern,
    more_detailed,
    present_versions,
)

SYSTEM = "http://example.org/cs"


@pytest.mark.parametrize(
    ("version", "pattern", "expected"),
    [
        ("1.0.0", "1.0.0", True),
        ("1.0.0", "1.x.x", True),
        ("1.2.0", "1.0.x", False),
        ("1.2.0", "*", True),
        ("1.0.0", "1", False),  # a bare "1" is a version, not a wildcard
        ("1", "1.x.x", False),
        (None, "1.x.x", False),
    ],
)
def test_matches_pattern(version: str | None, pattern: str, expected: bool) -> None:
    assert matches_pattern(version, pattern) is expected


def test_more_detailed_only_narrows_wildcards() -> None:
    assert more_detailed("1.x.x", "1.0.0")
    assert not more_detailed("1", "1.0.0")
    assert not more_detailed("1.0.0", "1.0.0")


def test_force_wins_default_fills_check_fills_last() -> None:
    rules = VersionPolicy(force=(f"{SYSTEM}|2.0.0",), default=(f"{SYSTEM}|1.0.0",))
    assert rules.base(SYSTEM, "1.5.0") == "2.0.0"
    rules = VersionPolicy(default=(f"{SYSTEM}|1.0.0",), check=(f"{SYSTEM}|1.x.x",))
    assert rules.base(SYSTEM, None) == "1.0.0"
    assert rules.base(SYSTEM, "1.2.0") == "1.2.0"
    assert VersionPolicy(check=(f"{SYSTEM}|1.0.x",)).base(SYSTEM, None) == "1.0.x"
    assert VersionPolicy().base("http://other", None) is None


@pytest.mark.parametrize(
    ("versions", "text"),
    [
        ([], ""),
        (["0.1.0"], "0.1.0"),
        (["1.2.0", "1.0.0"], "1.0.0 or 1.2.0"),
        (["2018", "2017", "2026"], "2017, 2018 and 2026"),
        ([None, "1"], "1"),
    ],
)
def test_present_versions(versions: list[str | None], text: str) -> None:
    assert present_versions(versions) == text
