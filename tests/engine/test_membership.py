"""Value-set membership from compose, on tiny code systems and on our published value sets."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest

from terminology.engine.membership import MembershipEngine
from terminology.operations.context import Services
from terminology.providers.registry import ProviderRegistry, build_providers
from tests.conftest import CONTENT_DIR
from tests.fixtures import TOY, toy_code_system

LIBRARY: dict[str, Mapping[str, Any]] = {
    "http://example.org/vs/cats": {
        "url": "http://example.org/vs/cats",
        "compose": {"include": [{"system": TOY, "concept": [{"code": "A1"}]}]},
    },
    "http://example.org/vs/loop": {
        "url": "http://example.org/vs/loop",
        "compose": {"include": [{"valueSet": ["http://example.org/vs/loop"]}]},
    },
}


@pytest.fixture(scope="module")
def engine() -> MembershipEngine:
    registry = ProviderRegistry(build_providers([toy_code_system("1", "2020-01-01", "2030-12-31")]))
    return MembershipEngine(registry, lambda url, version: LIBRARY.get(url))


def vs(*include: dict, exclude: tuple[dict, ...] = ()) -> dict[str, Any]:
    return {
        "url": "http://example.org/vs/test",
        "compose": {"include": list(include), "exclude": list(exclude)},
    }


@pytest.mark.parametrize(
    ("value_set", "code", "expected"),
    [
        (vs({"system": TOY}), "A2a", True),
        (vs({"system": TOY}), "nope", False),
        (vs({"system": TOY, "concept": [{"code": "A1"}, {"code": "B"}]}), "B", True),
        (vs({"system": TOY, "concept": [{"code": "A1"}]}), "B", False),
        (
            vs({"system": TOY, "filter": [{"property": "concept", "op": "is-a", "value": "A2"}]}),
            "A2a",
            True,
        ),
        (
            vs({"system": TOY, "filter": [{"property": "concept", "op": "is-a", "value": "A2"}]}),
            "A2",
            True,
        ),
        (
            vs(
                {
                    "system": TOY,
                    "filter": [{"property": "concept", "op": "descendent-of", "value": "A2"}],
                }
            ),
            "A2",
            False,
        ),
        (
            vs(
                {"system": TOY, "filter": [{"property": "concept", "op": "child-of", "value": "A"}]}
            ),
            "A2a",
            False,
        ),
        (
            vs(
                {
                    "system": TOY,
                    "filter": [{"property": "concept", "op": "generalizes", "value": "A2a"}],
                }
            ),
            "A",
            True,
        ),
        (
            vs(
                {"system": TOY, "filter": [{"property": "concept", "op": "is-not-a", "value": "A"}]}
            ),
            "R",
            True,
        ),
        (
            vs({"system": TOY, "filter": [{"property": "colour", "op": "=", "value": "black"}]}),
            "A1",
            True,
        ),
        (
            vs(
                {
                    "system": TOY,
                    "filter": [{"property": "colour", "op": "exists", "value": "false"}],
                }
            ),
            "A2",
            True,
        ),
        (
            vs({"system": TOY, "filter": [{"property": "code", "op": "regex", "value": "A[0-9]"}]}),
            "A1",
            True,
        ),
        (
            vs({"system": TOY, "filter": [{"property": "code", "op": "regex", "value": "A"}]}),
            "A1",
            False,
        ),
        (
            vs(
                {
                    "system": TOY,
                    "filter": [
                        {"property": "concept", "op": "is-a", "value": "A"},
                        {"property": "colour", "op": "=", "value": "black"},
                    ],
                }
            ),
            "A2",
            False,
        ),
        (vs({"system": TOY}, exclude=({"system": TOY, "concept": [{"code": "R"}]},)), "R", False),
        (vs({"valueSet": ["http://example.org/vs/cats"]}), "A1", True),
        (vs({"system": TOY, "valueSet": ["http://example.org/vs/cats"]}), "A2", False),
    ],
)
def test_compose_semantics(
    engine: MembershipEngine, value_set: dict, code: str, expected: bool
) -> None:
    assert engine.check(value_set, TOY, code).found is expected


def test_unknown_system_is_reported_not_guessed(engine: MembershipEngine) -> None:
    result = engine.check(
        vs({"system": "http://example.org/unknown"}), "http://example.org/unknown", "x"
    )
    assert not result.found
    assert result.unknown_systems == ("http://example.org/unknown",)


def test_unsupported_filter_is_an_issue(engine: MembershipEngine) -> None:
    value_set = vs({"system": TOY, "filter": [{"property": "flavour", "op": "=", "value": "x"}]})
    result = engine.check(value_set, TOY, "A1")
    assert not result.found
    assert [i.tx_type for i in result.issues] == ["vs-invalid"]


def test_missing_import_is_an_issue(engine: MembershipEngine) -> None:
    result = engine.check(vs({"valueSet": ["http://example.org/vs/missing"]}), TOY, "A1")
    assert not result.found
    assert result.issues[0].tx_type == "not-found"


def test_circular_import_is_detected(engine: MembershipEngine) -> None:
    result = engine.check(LIBRARY["http://example.org/vs/loop"], TOY, "A1")
    assert not result.found
    assert result.issues[0].tx_type == "vs-invalid"


def test_contained_value_set_import(engine: MembershipEngine) -> None:
    value_set = vs({"valueSet": ["#inner"]})
    value_set["contained"] = [
        {"resourceType": "ValueSet", "id": "inner", **LIBRARY["http://example.org/vs/cats"]}
    ]
    assert engine.check(value_set, TOY, "A1").found


def _published_members() -> list[tuple[str, str, str]]:
    out = []
    for path in sorted(CONTENT_DIR.glob("ValueSet-*.json")):
        resource = json.loads(path.read_text())
        for include in resource["compose"]["include"]:
            for concept in include.get("concept", []):
                out.append((resource["url"], include["system"], concept["code"]))
    return out


@pytest.mark.parametrize(("vs_url", "system", "code"), _published_members())
def test_every_published_member_is_a_member_in_some_version(
    services: Services, vs_url: str, system: str, code: str
) -> None:
    value_set = services.value_sets.versions(vs_url)[-1]
    engine = MembershipEngine(services.registry, lambda url, version: None)
    provider = services.registry.resolve(system)
    assert provider is not None
    results = [engine.check(value_set, system, code, version=v) for v in provider.versions()]
    assert any(r.found for r in results), f"{system}|{code} is in no version"
