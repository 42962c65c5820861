"""The expansion engine on a tiny code system: compose semantics, imports, limits."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from terminology.engine.expansion import ExpansionEngine
from terminology.errors import TerminologyError
from terminology.providers.base import CodeSystemVersion
from terminology.providers.registry import ProviderRegistry, build_providers
from terminology.providers.resource_backed import ResourceBackedVersion
from tests.fixtures import TOY, toy_code_system

LIBRARY: dict[str, Mapping[str, Any]] = {
    "http://example.org/vs/dogs": {
        "url": "http://example.org/vs/dogs",
        "compose": {
            "include": [
                {"system": TOY, "filter": [{"property": "concept", "op": "is-a", "value": "A2"}]}
            ]
        },
    },
    "http://example.org/vs/loop": {
        "url": "http://example.org/vs/loop",
        "compose": {"include": [{"valueSet": ["http://example.org/vs/loop"]}]},
    },
}
REGISTRY = ProviderRegistry(build_providers([toy_code_system("1", "2020-01-01", "2030-12-31")]))


def select(system: str, version: str | None, where: str) -> CodeSystemVersion:
    provider = REGISTRY.resolve(system)
    assert provider is not None
    cs = provider.select(version=version)
    assert cs is not None
    return cs


def codes(value_set: Mapping[str, Any], **options: Any) -> list[str]:
    engine = ExpansionEngine(select, lambda url, version: LIBRARY.get(url), **options)
    return [code for _, _, code in engine.evaluate(value_set)]


def vs(*include: dict, exclude: tuple[dict, ...] = (), **compose: Any) -> dict[str, Any]:
    return {
        "url": "http://example.org/vs/test",
        "compose": {"include": list(include), "exclude": list(exclude), **compose},
    }


def is_a(code: str) -> dict[str, str]:
    return {"property": "concept", "op": "is-a", "value": code}


def test_whole_code_system_in_resource_order() -> None:
    assert codes(vs({"system": TOY})) == ["A", "A1", "A2", "A2a", "B", "R"]


def test_enumerated_codes_keep_their_order_and_unknown_ones_are_left_out() -> None:
    listed = [{"code": "B"}, {"code": "nope"}, {"code": "A1"}]
    assert codes(vs({"system": TOY, "concept": listed})) == ["B", "A1"]


def test_filters_are_anded_and_excludes_subtract() -> None:
    both = [is_a("A"), {"property": "colour", "op": "=", "value": "black"}]
    assert codes(vs({"system": TOY, "filter": both})) == ["A1"]
    assert codes(
        vs(
            {"system": TOY, "filter": [is_a("A")]},
            exclude=({"system": TOY, "filter": [is_a("A2")]},),
        )
    ) == [
        "A",
        "A1",
        "B",
    ]


def test_imports_are_intersected_with_the_system_selection() -> None:
    include = {"system": TOY, "concept": [{"code": "A1"}, {"code": "A2a"}]}
    include["valueSet"] = ["http://example.org/vs/dogs"]
    assert codes(vs(include)) == ["A2a"]
    assert codes(vs({"valueSet": ["http://example.org/vs/dogs"]})) == ["A2", "A2a"]


def test_contained_value_sets_are_imported_by_fragment_reference() -> None:
    value_set = vs({"valueSet": ["#cats"]})
    value_set["contained"] = [
        {
            "resourceType": "ValueSet",
            "id": "cats",
            "compose": {"include": [{"system": TOY, "concept": [{"code": "A1"}]}]},
        }
    ]
    assert codes(value_set) == ["A1"]


def test_inactive_codes_follow_compose_inactive_and_active_only() -> None:
    assert "R" not in codes(vs({"system": TOY}, inactive=False))
    assert "R" not in codes(vs({"system": TOY}), drop_inactive=True)
    assert "R" in codes(vs({"system": TOY}))


def test_text_filter_applies_to_includes_only() -> None:
    engine = ExpansionEngine(
        select,
        lambda url, version: LIBRARY.get(url),
        text_filter=lambda c: (c.display or "").startswith("D"),
    )
    assert [code for _, _, code in engine.evaluate(vs({"system": TOY}))] == ["A2"]
    assert engine.flattened


@pytest.mark.parametrize(
    ("value_set", "tx_type"),
    [
        (LIBRARY["http://example.org/vs/loop"], "vs-invalid"),
        (vs({"system": TOY, "filter": [{"property": "concept", "op": "is-a"}]}), "vs-invalid"),
        (
            vs({"system": TOY, "filter": [{"property": "colour", "op": "child-of", "value": "x"}]}),
            "vs-invalid",
        ),
        (vs({"valueSet": ["http://example.org/vs/unknown"]}), "not-found"),
    ],
)
def test_broken_definitions_raise(value_set: Mapping[str, Any], tx_type: str) -> None:
    with pytest.raises(TerminologyError) as caught:
        codes(value_set)
    assert caught.value.tx_type == tx_type
    assert 400 <= caught.value.status < 500


def test_a_code_systems_own_limit_caps_its_codes() -> None:
    class Capped(ResourceBackedVersion):
        expansion_limit: int | None = 2

    base = select(TOY, None, "")
    assert isinstance(base, ResourceBackedVersion)
    capped = Capped(base.table)
    engine = ExpansionEngine(lambda s, v, w: capped, lambda url, version: LIBRARY.get(url))
    assert [code for _, _, code in engine.evaluate(vs({"system": TOY}))] == ["A", "A1"]
    assert engine.capped == [TOY]


def test_two_versions_of_one_system_are_both_listed() -> None:
    registry = ProviderRegistry(
        build_providers(
            [
                toy_code_system("1", "2020-01-01", "2020-12-31"),
                toy_code_system("2", "2021-01-01", "2030-12-31"),
            ]
        )
    )

    def pick(system: str, version: str | None, where: str) -> CodeSystemVersion:
        found = registry.resolve(system).select(version=version)  # type: ignore[union-attr]
        assert found is not None
        return found

    listed = [{"code": "A1"}]
    value_set = vs(
        {"system": TOY, "version": "1", "concept": listed},
        {"system": TOY, "version": "2", "concept": listed},
    )
    engine = ExpansionEngine(pick, lambda url, version: LIBRARY.get(url))
    assert list(engine.evaluate(value_set)) == [(TOY, "1", "A1"), (TOY, "2", "A1")]
    # Definitions are immutable once read (plans are kept by identity): a new one, not an edit.
    excluding = {
        **value_set,
        "compose": {**value_set["compose"], "exclude": [{"system": TOY, "concept": listed}]},
    }
    assert list(engine.evaluate(excluding)) == []
