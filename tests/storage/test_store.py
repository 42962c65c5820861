"""The content store's contract, run against every backend."""

from __future__ import annotations

import json

import pytest

from terminology.errors import TerminologyError
from terminology.providers.stored import StoredVersion
from terminology.storage.records import ConceptRecord
from terminology.storage.store import ContentStore

HEADER = {
    "resourceType": "CodeSystem",
    "id": "demo-1",
    "url": "http://example.org/demo",
    "version": "1",
    "status": "active",
    "content": "complete",
}
NOT_SELECTABLE = {"property": [{"code": "notSelectable", "valueBoolean": True}]}
#: A small tree: A (B (B1, B2), C), D, with a designation on C.
RECORDS = [
    ConceptRecord("A", "Alpha disorders", None, NOT_SELECTABLE),
    ConceptRecord("B", "Bacterial pneumonia", "A", NOT_SELECTABLE),
    ConceptRecord("B1", "Pneumonia due to streptococcus", "B"),
    ConceptRecord("B2", "Pneumonia, unspecified", "B"),
    ConceptRecord("C", "Cough", "A", {"designation": [{"value": "Tussis"}]}),
    ConceptRecord("D", "Dyspnoea", None),
]


def load(store: ContentStore, header=HEADER, records=RECORDS, origin="loaded") -> int:
    with store.writer() as writer:
        writer.put_code_system(header, records, origin, total=len(records))
    (stored,) = [cs for cs in store.code_systems() if cs.resource_id == header["id"]]
    return stored.key


def codes(rows) -> list[str]:
    return [row[0] for row in rows]


def test_a_stored_code_system_reads_back_in_order(store: ContentStore) -> None:
    key = load(store)
    assert codes(store.concepts(key)) == ["A", "B", "B1", "B2", "C", "D"]
    row = store.concept(key, "B")
    assert row is not None
    code, display, parent, children, extra = row
    assert (code, display, parent, children) == ("B", "Bacterial pneumonia", "A", "B1 B2")
    assert extra is not None and json.loads(extra) == NOT_SELECTABLE
    assert store.concept(key, "B3") is None
    (resource,) = [r for r in store.resources() if r.body["id"] == "demo-1"]
    assert resource.body["content"] == "not-present" and resource.body["count"] == 6
    assert resource.origin == "loaded"


def test_subtrees_are_the_concept_and_everything_below(store: ContentStore) -> None:
    key = load(store)
    assert codes(store.subtree(key, "A")) == ["A", "B", "B1", "B2", "C"]
    assert codes(store.subtree(key, "B")) == ["B", "B1", "B2"]
    assert codes(store.subtree(key, "D")) == ["D"]
    assert codes(store.subtree(key, "nope")) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pneumonia", ["B", "B1", "B2"]),
        ("PNEUM", ["B", "B1", "B2"]),
        ("pneumonia strep", ["B1"]),
        ("tuss", ["C"]),  # a designation
        ("b", ["B", "B1", "B2"]),  # a code prefix, and "Bacterial"
        ("b1", ["B1"]),
        ("zzz", []),
        ("", []),
    ],
)
def test_search_finds_word_prefixes_and_code_prefixes(
    store: ContentStore, text: str, expected: list[str]
) -> None:
    key = load(store)
    assert codes(store.search(key, text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ménière", ["M1"]),
        ("meniere", ["M1"]),  # diacritics are ignored, as SQLite's unicode61 tokenizer does
        ("MENI", ["M1", "M2"]),
        ('"tear", (menis', ["M2"]),  # punctuation only separates words
        ("x" * 5000, []),  # longer than any word: found nowhere, and no error
        ("m1\0", []),  # a NUL is in no code and no word
    ],
)
def test_search_ignores_diacritics_and_punctuation(
    store: ContentStore, text: str, expected: list[str]
) -> None:
    records = [
        ConceptRecord("M1", "Ménière's disease", None),
        ConceptRecord("M2", "Meniscus tear", None),
    ]
    key = load(store, records=records)
    assert codes(store.search(key, text)) == expected


def test_a_code_with_a_nul_is_simply_not_there(store: ContentStore) -> None:
    key = load(store)
    assert store.concept(key, "B\0") is None
    assert codes(store.subtree(key, "A\0")) == []
    assert codes(store.search(key, "b\0")) == ["B"]  # the word b (Bacterial), no code


def test_a_load_bumps_the_generation_and_a_failed_one_changes_nothing(
    store: ContentStore,
) -> None:
    before = store.generation()
    key = load(store)
    assert store.generation() == before + 1
    broken = [*RECORDS, ConceptRecord("E", "Orphan", "not-there")]
    with pytest.raises(TerminologyError, match="parent"):
        load(store, records=broken)
    assert store.generation() == before + 1
    assert codes(store.concepts(key)) == ["A", "B", "B1", "B2", "C", "D"]


def test_loading_a_version_again_replaces_it(store: ContentStore) -> None:
    load(store)
    key = load(store, records=[ConceptRecord("Z", "Zoster", None)])
    assert codes(store.concepts(key)) == ["Z"]
    assert len([cs for cs in store.code_systems() if cs.url == HEADER["url"]]) == 1
    assert len([r for r in store.resources() if r.body["url"] == HEADER["url"]]) == 1


def test_a_child_outside_its_parents_subtree_is_refused(store: ContentStore) -> None:
    records = [
        ConceptRecord("A", "a", None),
        ConceptRecord("B", "b", None),
        ConceptRecord("A1", "a1", "A"),
    ]
    with pytest.raises(TerminologyError, match="subtree"):
        load(store, records=records)
    assert store.code_systems() == []


def test_a_code_listed_twice_or_a_wrong_count_is_refused(store: ContentStore) -> None:
    with pytest.raises(TerminologyError, match="demo\\|1: code B appears twice"):
        load(store, records=[*RECORDS, ConceptRecord("B", "again", None)])
    with pytest.raises(TerminologyError, match="6 concepts, expected 7"):
        with store.writer() as writer:
            writer.put_code_system(HEADER, RECORDS, "loaded", total=7)
    with pytest.raises(TerminologyError, match="E comes before or without its parent F"):
        load(store, records=[*RECORDS, ConceptRecord("E", "e", "F"), ConceptRecord("F", "f", None)])
    assert store.code_systems() == [] and store.resources() == []


def test_resources_replace_by_id_and_by_url_and_version(store: ContentStore) -> None:
    vs = {"resourceType": "ValueSet", "id": "v", "url": "http://example.org/vs", "version": "1"}
    with store.writer() as writer:
        writer.put_resource(vs, "builtin")
        assert writer.origins_of({**vs, "id": "other"}) == {"builtin"}
        writer.put_resource({**vs, "id": "other", "title": "new"}, "loaded")
    (stored,) = [r for r in store.resources() if r.resource_type == "ValueSet"]
    assert stored.body["id"] == "other" and stored.origin == "loaded"
    with store.writer() as writer:
        writer.delete_origin("loaded")
    assert [r for r in store.resources() if r.resource_type == "ValueSet"] == []


def test_meta_values_persist(store: ContentStore) -> None:
    with store.writer() as writer:
        writer.set_meta("example", "42")
    assert store.meta("example") == "42"


def test_a_replaced_version_stays_readable_by_its_old_key_until_purged(
    store: ContentStore,
) -> None:
    old = load(store)
    new = load(store, records=[ConceptRecord("Z", "Zoster", None)])
    assert new != old
    assert [cs.key for cs in store.code_systems()] == [new]
    assert codes(store.concepts(old)) == ["A", "B", "B1", "B2", "C", "D"]
    with store.writer() as writer:
        writer.purge_retired(older_than=3600)
    assert store.concept(old, "A") is not None
    with store.writer() as writer:
        writer.purge_retired(older_than=-1)
    assert store.concept(old, "A") is None
    assert codes(store.concepts(new)) == ["Z"]


@pytest.mark.parametrize(
    ("a", "b", "outcome"),
    [
        ("A", "B1", "subsumes"),  # two levels down
        ("B2", "A", "subsumed-by"),
        ("B", "B", "equivalent"),
        ("B1", "C", "not-subsumed"),
        ("A", "D", "not-subsumed"),  # two roots
    ],
)
def test_a_stored_version_answers_subsumption_from_the_parents_it_reads(
    store: ContentStore, a: str, b: str, outcome: str
) -> None:
    """``$subsumes`` needs no query of its own: each code's parent, which ``concept`` returns
    on every backend, is enough to walk up its (short) chain."""
    version = StoredVersion(store, load(store), {**HEADER, "hierarchyMeaning": "is-a"})
    assert version.subsumes(a, b) == outcome


#: A polyhierarchy (SNOMED CT's shape): R (X (XA), Y (XA, YB)), with XA under both X and Y and
#: YB also under XA; records follow their first parent, ``more_parents`` adds the others.
POLY_HEADER = {
    **HEADER,
    "id": "poly-1",
    "url": "http://example.org/poly",
    "hierarchyMeaning": "is-a",
}
POLY = [
    ConceptRecord("R", "Root", None),
    ConceptRecord("X", "Ex", "R"),
    ConceptRecord("XA", "Ex and why", "X", more_parents=("Y",)),
    ConceptRecord("YB", "Why bee", "XA", more_parents=("Y",)),
    ConceptRecord("Y", "Why", "R"),
    ConceptRecord("Z", "Inactive, no parents", None),
]


def test_a_polyhierarchy_keeps_every_parent_and_child(store: ContentStore) -> None:
    key = load(store, POLY_HEADER, POLY)
    (stored,) = [cs for cs in store.code_systems() if cs.key == key]
    assert stored.polyhierarchy
    assert not [cs for cs in store.code_systems() if cs.key != key and cs.polyhierarchy]
    row = store.concept(key, "XA")
    assert row is not None and row[2] == "X Y" and row[3] == "YB"
    y = store.concept(key, "Y")
    assert y is not None and y[3] == "XA YB"


def test_a_polyhierarchy_answers_ancestors_from_its_closure(store: ContentStore) -> None:
    key = load(store, POLY_HEADER, POLY)
    assert store.ancestors(key, "YB") == {"XA", "X", "Y", "R"}
    assert store.ancestors(key, "XA") == {"X", "Y", "R"}
    assert store.ancestors(key, "R") == frozenset()
    assert store.ancestors(key, "Z") == frozenset()
    assert store.ancestors(key, "nope") == frozenset()
    # A tree keeps no closure: its parent links are walked.
    assert store.ancestors(load(store), "B1") == frozenset()


def test_a_polyhierarchy_subtree_follows_every_link_once(store: ContentStore) -> None:
    key = load(store, POLY_HEADER, POLY)
    assert codes(store.subtree(key, "Y")) == ["XA", "YB", "Y"]  # in the stored order
    assert codes(store.subtree(key, "X")) == ["X", "XA", "YB"]
    assert codes(store.subtree(key, "R")) == ["R", "X", "XA", "YB", "Y"]
    assert codes(store.subtree(key, "Z")) == ["Z"]
    assert codes(store.subtree(key, "nope")) == []


@pytest.mark.parametrize(
    ("a", "b", "outcome"),
    [("Y", "YB", "subsumes"), ("YB", "X", "subsumed-by"), ("X", "Y", "not-subsumed")],
)
def test_a_stored_polyhierarchy_answers_subsumption(
    store: ContentStore, a: str, b: str, outcome: str
) -> None:
    version = StoredVersion(store, load(store, POLY_HEADER, POLY), POLY_HEADER, polyhierarchy=True)
    assert version.subsumes(a, b) == outcome
    concept = version.find("XA")
    assert concept is not None and concept.parents == ("X", "Y")


def test_a_polyhierarchy_with_a_cycle_or_a_missing_parent_is_refused(
    store: ContentStore,
) -> None:
    cyclic = [*POLY[:4], ConceptRecord("Y", "Why", "R", more_parents=("YB",)), POLY[5]]
    with pytest.raises(TerminologyError, match="is-a cycle"):
        load(store, POLY_HEADER, cyclic)
    missing = [*POLY[:5], ConceptRecord("Z", "Zed", None, more_parents=("Q",))]
    with pytest.raises(TerminologyError, match="parent Q is not listed"):
        load(store, POLY_HEADER, missing)
    assert [cs for cs in store.code_systems() if cs.url == POLY_HEADER["url"]] == []


def test_a_writer_finds_resources_by_id_or_url_and_deletes_one(store: ContentStore) -> None:
    """What a REST write reads and does in its transaction (api/writes.py)."""
    first = {"resourceType": "ValueSet", "id": "a", "url": "http://x/vs", "version": "1"}
    second = {"resourceType": "ValueSet", "id": "b", "url": "http://x/vs", "version": "2"}
    other = {"resourceType": "ValueSet", "id": "c", "url": "http://x/other"}
    with store.writer() as writer:
        for body in (first, second, other):
            writer.put_resource(body, "rest")
    generation = store.generation()
    with store.writer() as writer:
        found = writer.resources_like("ValueSet", "c", "http://x/vs")
        assert sorted(r.body["id"] for r in found) == ["a", "b", "c"]
        assert {r.origin for r in found} == {"rest"}
        assert writer.resources_like("CodeSystem", "a", "http://x/vs") == []
        assert writer.delete_resource("ValueSet", "b") is True
        assert writer.delete_resource("ValueSet", "nothing") is False
    assert store.generation() == generation + 1
    assert sorted(r.body["id"] for r in store.resources() if r.origin == "rest") == ["a", "c"]
    with store.writer() as writer:
        assert writer.delete_resource("ValueSet", "nothing") is False
    assert store.generation() == generation + 1


def test_deleting_a_code_system_resource_retires_its_concepts(store: ContentStore) -> None:
    load(store)
    resource_id = store.code_systems()[0].resource_id
    with store.writer() as writer:
        assert writer.delete_resource("CodeSystem", resource_id) is True
    assert store.code_systems() == []
    assert not [r for r in store.resources() if r.body["id"] == resource_id]


def test_properties_offered_with_equals_are_indexed(store: ContentStore) -> None:
    def prop(code: str, key: str, value: object) -> dict[str, object]:
        return {"code": code, key: value}

    header = {
        **HEADER,
        "id": "demo-indexed",
        "version": "2",
        "filter": [
            {"code": "modality", "operator": ["=", "in"], "value": "a modality"},
            {"code": "part", "operator": ["="], "value": "a part number"},
            {"code": "concept", "operator": ["is-a", "="], "value": "a code"},
            {"code": "kind", "operator": ["exists"], "value": "whether it has one"},
        ],
    }
    coding = {"system": "http://example.org/parts", "code": "P1", "display": "Part one"}
    records = [
        ConceptRecord("T1", "CT head", None, {"property": [prop("modality", "valueCode", "CT")]}),
        ConceptRecord("T2", "MR chest", None, {"property": [prop("modality", "valueCode", "MR")]}),
        ConceptRecord(
            "T3",
            "CT chest",
            None,
            {
                "property": [
                    prop("modality", "valueCode", "CT"),
                    prop("part", "valueCoding", coding),
                    prop("kind", "valueString", "study"),
                ]
            },
        ),
    ]
    key = load(store, header, records)
    assert store.indexed_properties(key) == frozenset({"modality", "part"})
    assert codes(store.with_properties(key, [("modality", "CT")])) == ["T1", "T3"]
    assert codes(store.with_properties(key, [("part", "P1")])) == ["T3"]  # a Coding's code
    assert codes(store.with_properties(key, [("modality", "CT"), ("part", "P1")])) == ["T3"]
    assert codes(store.with_properties(key, [("modality", "MR"), ("part", "P1")])) == []
    assert codes(store.with_properties(key, [("modality", "XR")])) == []
    version = StoredVersion(store, key, header)
    found = version.with_properties([("modality", "MR"), ("kind", "study")])
    assert [c.code for c in found or ()] == ["T2"]  # kind has no index: the filter decides
    assert version.with_properties([("kind", "study")]) is None  # not offered with =
    unindexed = load(store)
    assert store.indexed_properties(unindexed) == frozenset()
    load(store, header, records[:1])  # replaces version 2: its rows go with its concepts
    with store.writer() as writer:
        writer.purge_retired(older_than=-1)
    assert codes(store.with_properties(key, [("modality", "CT")])) == []
    assert store.indexed_properties(key) == frozenset()
