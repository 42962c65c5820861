"""The generic provider: hierarchy, versions, dates and history on a tiny code system."""

from __future__ import annotations

from datetime import date

from terminology.providers.registry import build_providers
from tests.fixtures import TOY, toy_code_system


def provider():
    (toy,) = build_providers(
        [
            toy_code_system("1", "2020-01-01", "2020-12-31", [{"code": "OLD", "display": "Old"}]),
            toy_code_system("2", "2021-01-01", "2021-12-31"),
            toy_code_system("10", "2022-01-01", "2022-12-31", [{"code": "NEW", "display": "New"}]),
        ]
    )
    return toy


def test_versions_are_newest_first_by_numeric_order() -> None:
    assert provider().versions() == ["10", "2", "1"]


def test_select_by_version_date_or_latest() -> None:
    toy = provider()
    assert toy.select().info.version == "10"
    assert toy.select(version="2").info.version == "2"
    assert toy.select(on=date(2021, 6, 1)).info.version == "2"
    assert toy.select(version="3") is None
    assert toy.select(on=date(2019, 6, 1)) is None


def test_nested_concepts_and_parent_properties_both_make_the_hierarchy() -> None:
    cs = provider().select()
    animal = cs.locate("A").concept
    assert animal is not None
    assert animal.children == ("A1", "A2", "B")
    assert cs.locate("B").concept.parents == ("A",)
    assert cs.ancestors("A2a") == frozenset({"A2", "A"})
    assert cs.ancestors("A") == frozenset()


def test_status_retired_means_inactive() -> None:
    cs = provider().select()
    assert cs.locate("R").concept.inactive
    assert not cs.locate("A").concept.inactive


def test_unknown_code_is_located_as_none() -> None:
    located = provider().select().locate("nope")
    assert located.concept is None
    assert not located.rule_broken


def test_history_lists_the_versions_holding_a_code() -> None:
    toy = provider()
    assert [a.version for a in toy.history("OLD")] == ["1"]
    assert [a.version for a in toy.history("A")] == ["1", "2", "10"]
    assert toy.history("nope") == []
    assert toy.system == TOY


def test_history_finds_a_code_in_another_case_only_where_case_does_not_matter() -> None:
    (toy,) = build_providers(
        [
            {**toy_code_system("1", "2020-01-01", "2020-12-31"), "caseSensitive": False},
            toy_code_system("2", "2021-01-01", "2021-12-31"),
        ]
    )
    assert [a.version for a in toy.history("a1")] == ["1"]
    assert [a.concept.code for a in toy.history("a1")] == ["A1"]
    assert [a.version for a in toy.history("A1")] == ["1", "2"]
