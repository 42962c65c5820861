"""``subsumes`` on every kind of provider: CodeSystem resources (nesting and ``parent``/``child``
properties), a version with supplements, CPT, and the stored ICD-10-CM."""

from __future__ import annotations

from typing import Any

import pytest

from terminology.operations.context import Services
from terminology.operations.scope import build_scope
from terminology.providers.registry import build_providers, build_version
from terminology.providers.stored import StoredVersion
from terminology.uris import CPT, ICD10CM
from tests.fixtures import toy_code_system
from tests.providers.helpers import version_of


def toy(**changes: Any) -> Any:
    resource = {**toy_code_system("1", "2020-01-01", "2020-12-31"), **changes}
    (provider,) = build_providers([resource])
    return provider.select()


@pytest.mark.parametrize(
    ("a", "b", "outcome"),
    [
        ("A", "A", "equivalent"),
        ("A", "A2", "subsumes"),  # nested parent
        ("A2", "A", "subsumed-by"),
        ("A", "A2a", "subsumes"),  # transitive, two levels down
        ("A2a", "A", "subsumed-by"),
        ("A", "B", "subsumes"),  # B names A in a ``parent`` property
        ("B", "A", "subsumed-by"),
        ("A1", "A2", "not-subsumed"),  # siblings
        ("A2a", "A1", "not-subsumed"),  # a nephew
        ("A", "R", "not-subsumed"),  # unrelated roots
    ],
)
def test_a_resource_backed_hierarchy(a: str, b: str, outcome: str) -> None:
    assert toy().subsumes(a, b) == outcome


def test_child_properties_and_two_parents() -> None:
    """A hierarchy stated by ``child`` properties, with a code under two parents: both are
    its ancestors, and the two parents are not thereby related."""
    cs = toy(
        concept=[
            {"code": "P", "property": [{"code": "child", "valueCode": "X"}]},
            {"code": "Q", "property": [{"code": "child", "valueCode": "X"}]},
            {"code": "X", "property": [{"code": "child", "valueCode": "Y"}]},
            {"code": "Y"},
        ]
    )
    assert cs.subsumes("P", "X") == "subsumes"
    assert cs.subsumes("Q", "Y") == "subsumes"
    assert cs.subsumes("Y", "P") == "subsumed-by"
    assert cs.subsumes("P", "Q") == "not-subsumed"


def test_without_a_stated_meaning_the_hierarchy_is_is_a() -> None:
    resource = toy_code_system("1", "2020-01-01", "2020-12-31")
    del resource["hierarchyMeaning"]
    assert build_version(resource).subsumes("A", "A2a") == "subsumes"
    assert build_version({**resource, "hierarchyMeaning": "classified-with"}).subsumes(
        "A2a", "A"
    ) == ("subsumed-by")


@pytest.mark.parametrize("meaning", ["grouped-by", "part-of"])
def test_a_hierarchy_that_is_not_subsumption_cannot_answer(meaning: str) -> None:
    cs = toy(hierarchyMeaning=meaning)
    assert cs.subsumes("A", "A2") is None
    assert cs.subsumes("A1", "R") is None
    assert cs.subsumes("A", "A") == "equivalent"  # equality needs no hierarchy


def test_a_flat_code_system_only_knows_equal_codes() -> None:
    cs = toy(concept=[{"code": "x"}, {"code": "y"}])
    assert cs.subsumes("x", "x") == "equivalent"
    assert cs.subsumes("x", "y") == "not-subsumed"


def test_a_version_with_supplements_keeps_the_base_hierarchy(services: Services) -> None:
    base = toy()
    supplement = {
        "resourceType": "CodeSystem",
        "url": "http://example.org/supplement",
        "version": "1",
        "content": "supplement",
        "supplements": base.info.url,
        "concept": [{"code": "A", "designation": [{"language": "de", "value": "Tier"}]}],
    }
    scope = build_scope(services, [supplement])
    supplemented = scope.supplemented(base, ["http://example.org/supplement"])
    assert supplemented is not base
    assert supplemented.subsumes("A", "A2a") == "subsumes"
    assert supplemented.subsumes("A1", "A2") == "not-subsumed"


def test_cpt_is_flat_and_an_expression_is_not_subsumed_by_its_base(services: Services) -> None:
    cpt = version_of(services, CPT, "2026")
    assert cpt.subsumes("71250", "71250") == "equivalent"
    assert cpt.subsumes("71250", "71260") == "not-subsumed"
    assert cpt.subsumes("71250", "71250:26") == "not-subsumed"
    assert cpt.subsumes("71250:26", "71250") == "not-subsumed"
    assert cpt.subsumes("71250:26", "71250:26") == "equivalent"


@pytest.mark.parametrize(
    ("a", "b", "outcome"),
    [
        ("J18.9", "J18", "subsumed-by"),  # code under its category
        ("J18", "J18.9", "subsumes"),
        ("J18", "J09-J18", "subsumed-by"),  # category under its block
        ("J18.9", "J09-J18", "subsumed-by"),
        ("J18.9", "J00-J99", "subsumed-by"),  # code under its chapter
        ("J09-J18", "J00-J99", "subsumed-by"),  # block under its chapter
        ("J00-J99", "J18.9", "subsumes"),
        ("J18.9", "J18.9", "equivalent"),
        ("J18.9", "I10", "not-subsumed"),  # another chapter
        ("J18.9", "J18.1", "not-subsumed"),  # siblings
        ("J18", "J12", "not-subsumed"),  # categories of one block
        ("S22.31XA", "S22.31", "subsumed-by"),  # a 7th-character code under its subcategory
    ],
)
def test_stored_icd10cm_hierarchy(services: Services, a: str, b: str, outcome: str) -> None:
    cs = version_of(services, ICD10CM, "2026")
    assert isinstance(cs, StoredVersion)
    assert cs.subsumes(a, b) == outcome


def test_stored_subsumption_survives_the_memo_being_emptied(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The parent walk goes through the bounded memo; with a memo of two entries it is emptied
    in the middle of every walk and the answers stay the same."""
    monkeypatch.setattr("terminology.providers.stored.MEMO_ENTRIES", 2)
    cs = version_of(services, ICD10CM, "2025")
    cs._memo.clear()  # type: ignore[attr-defined]
    cs._ancestors.clear()  # type: ignore[attr-defined]
    assert cs.subsumes("J00-J99", "J18.9") == "subsumes"
    assert cs.subsumes("J18.9", "J18") == "subsumed-by"
    assert cs.subsumes("I10", "J18.9") == "not-subsumed"
    cs._memo.clear()  # type: ignore[attr-defined]
    cs._ancestors.clear()  # type: ignore[attr-defined]
