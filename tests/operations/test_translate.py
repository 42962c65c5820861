"""``translate(TranslateRequest(...), services)`` on plain objects: the maps we ship, forward and
backward, dates of service for the replacements, and maps a request brings."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from terminology.errors import TerminologyError
from terminology.messages import message_id_of
from terminology.model import Coding
from terminology.operations.concept_map_index import (
    R4_TO_R5,
    inverse_equivalence,
    inverse_relationship,
)
from terminology.operations.context import Services
from terminology.operations.translate import stored_map_indexes, translate, translate_codings
from terminology.operations.translate_model import MapDependency, TranslateRequest, TranslateResult
from terminology.operations.validate_code_model import CanonicalRef
from terminology.uris import CPT, HCPCS, HCPCS_HTTPS, LOINC, RADLEX, SNOMED
from tests.conftest import CONTENT_DIR

MAPS = {p.stem: json.loads(p.read_text()) for p in sorted(Path(CONTENT_DIR).glob("ConceptMap-*"))}
REPLACEMENTS = "https://chest-imaging-terminology.org/fhir/ConceptMap/deleted-code-replacements"


def _targets() -> list[tuple[str, str, str, str, str, str, str]]:
    """(map file, map url|version, source system, source code, target system, target code,
    equivalence) of every target of every map we publish."""
    out = []
    for name, cm in MAPS.items():
        canonical = f"{cm['url']}|{cm['version']}"
        for group in cm["group"]:
            for element in group["element"]:
                for target in element["target"]:
                    out.append(
                        (
                            name,
                            canonical,
                            group["source"],
                            element["code"],
                            group["target"],
                            target["code"],
                            target["equivalence"],
                        )
                    )
    return out


TARGETS = _targets()


def found(result: TranslateResult) -> set[tuple[str | None, str | None, str, str]]:
    return {(m.concept.system, m.concept.code, m.equivalence, m.source) for m in result.matches}


def test_the_published_maps_are_all_covered() -> None:
    assert len(MAPS) == 4
    assert {t[0] for t in TARGETS} == set(MAPS)
    assert len(TARGETS) > 60


@pytest.mark.parametrize(("name", "canonical", "ss", "sc", "ts", "tc", "eq"), TARGETS)
def test_every_published_target_translates_forward(
    services: Services, name: str, canonical: str, ss: str, sc: str, ts: str, tc: str, eq: str
) -> None:
    result = translate(TranslateRequest(Coding(ss, sc), target_system=ts), services)
    assert result.result is True
    assert (ts, tc, eq, canonical) in found(result)
    assert all(m.concept.system == ts for m in result.matches)


@pytest.mark.parametrize(("name", "canonical", "ss", "sc", "ts", "tc", "eq"), TARGETS)
def test_every_published_target_translates_backward_with_the_equivalence_inverted(
    services: Services, name: str, canonical: str, ss: str, sc: str, ts: str, tc: str, eq: str
) -> None:
    result = translate(TranslateRequest(Coding(ts, tc), reverse=True, target_system=ss), services)
    assert (ss, sc, inverse_equivalence(eq), canonical) in found(result)
    match = next(m for m in result.matches if m.concept.code == sc and m.source == canonical)
    assert match.reverse and match.matched == Coding(
        ts, tc, match.matched.version, match.matched.display
    )


def test_a_loinc_term_narrower_than_the_cpt_code_makes_the_cpt_code_wider(
    services: Services,
) -> None:
    # cpt-to-loinc: 71045 -> 36572-6 (XR Chest AP) is "narrower": the LOINC term names the
    # projection. Asked the other way round, the CPT code is wider than the LOINC term.
    result = translate(
        TranslateRequest(Coding(LOINC, "36572-6"), reverse=True, target_system=CPT), services
    )
    assert result.result is True
    [match] = result.matches
    assert (match.concept.code, match.equivalence) == ("71045", "wider")
    assert match.relationship == "source-is-narrower-than-target"


def test_a_term_wider_than_several_cpt_codes_answers_each_as_narrower(services: Services) -> None:
    # 30745-4 (XR Chest Views) is the wider target of each of 71045-71048.
    result = translate(
        TranslateRequest(Coding(LOINC, "30745-4"), reverse=True, target_system=CPT), services
    )
    assert {(m.concept.code, m.equivalence) for m in result.matches} == {
        ("71045", "narrower"),
        ("71046", "narrower"),
        ("71047", "narrower"),
        ("71048", "narrower"),
    }


def test_the_target_system_keeps_only_its_answers(services: Services) -> None:
    every = translate(TranslateRequest(Coding(CPT, "71250")), services)
    assert {m.concept.system for m in every.matches} == {LOINC, SNOMED, RADLEX}
    snomed = translate(TranslateRequest(Coding(CPT, "71250"), target_system=SNOMED), services)
    assert {m.concept.code for m in snomed.matches} == {
        "395081000119108",
        "16335031000119103",
        "169069000",
    }


@pytest.mark.parametrize(
    ("system", "code", "on", "expected"),
    [
        (CPT, "71020", date(2024, 5, 1), {"71046"}),
        (CPT, "71020", date(2018, 1, 1), {"71046"}),
        (CPT, "71022", date(2024, 5, 1), {"71047", "71048"}),
        (CPT, "71030", date(2020, 3, 1), {"71048"}),
        (HCPCS, "G0297", date(2024, 5, 1), {"71271"}),
        (HCPCS_HTTPS, "G0297", date(2021, 1, 1), {"71271"}),
        (CPT, "71020", None, {"71046"}),
    ],
)
def test_what_replaced_a_deleted_code_on_a_date_of_service(
    services: Services, system: str, code: str, on: date | None, expected: set[str]
) -> None:
    result = translate(
        TranslateRequest(Coding(system, code), concept_map=CanonicalRef(REPLACEMENTS), date=on),
        services,
    )
    assert result.result is True
    assert {m.concept.code for m in result.matches} == expected
    assert all(m.concept.system == CPT for m in result.matches)


@pytest.mark.parametrize(
    ("system", "code", "on", "start"),
    [
        (CPT, "71020", date(2017, 12, 31), "2018-01-01"),
        (HCPCS, "G0297", date(2020, 6, 1), "2021-01-01"),
    ],
)
def test_before_the_replacement_applies_there_is_none_and_the_message_says_when(
    services: Services, system: str, code: str, on: date, start: str
) -> None:
    result = translate(TranslateRequest(Coding(system, code), date=on), services)
    assert result.result is False
    assert result.matches == ()
    assert result.message is not None and start in result.message
    assert message_id_of(result.message) == "chest-imaging:TRANSLATE_NOT_YET"


def test_a_code_no_map_has_is_a_plain_no(services: Services) -> None:
    result = translate(TranslateRequest(Coding(CPT, "99213")), services)
    assert result.result is False
    assert message_id_of(result.message or "") == "chest-imaging:TRANSLATE_NO_MATCH"
    loinc = translate(TranslateRequest(Coding(LOINC, "36643-5")), services)
    assert loinc.result is False
    assert message_id_of(loinc.message or "") == "chest-imaging:TRANSLATE_NO_MAP"


def test_an_unknown_map_url_is_a_404(services: Services) -> None:
    with pytest.raises(TerminologyError) as caught:
        translate(
            TranslateRequest(Coding(CPT, "71250"), concept_map=CanonicalRef("http://x.org/cm")),
            services,
        )
    assert caught.value.status == 404
    with pytest.raises(TerminologyError) as versioned:
        translate(
            TranslateRequest(Coding(CPT, "71250"), concept_map=CanonicalRef(REPLACEMENTS, "9.9")),
            services,
        )
    assert versioned.value.status == 404


def test_the_stored_maps_are_indexed_once_per_content(services: Services) -> None:
    first = stored_map_indexes(services)
    assert first is stored_map_indexes(services)
    assert {m.url for m in first} == {cm["url"] for cm in MAPS.values()}


def test_scopes_that_differ_from_the_maps_leave_no_map(services: Services) -> None:
    procedures = "https://chest-imaging-terminology.org/fhir/ValueSet/chest-imaging-procedures"
    ok = translate(
        TranslateRequest(Coding(CPT, "71250"), source_scope=procedures, target_scope=procedures),
        services,
    )
    assert ok.result is True
    other = translate(
        TranslateRequest(Coding(CPT, "71250"), source_scope="http://example.org/vs/other"),
        services,
    )
    assert other.result is False
    assert message_id_of(other.message or "") == "chest-imaging:TRANSLATE_OUT_OF_SCOPE"


def test_every_equivalence_inverts_back_to_itself() -> None:
    for equivalence in R4_TO_R5:
        assert inverse_equivalence(inverse_equivalence(equivalence)) == equivalence
        # The R5 form of the inverse is the inverse of the R5 form.
        assert R4_TO_R5[inverse_equivalence(equivalence)] == inverse_relationship(
            R4_TO_R5[equivalence]
        )
    assert inverse_equivalence("subsumes") == "specializes"
    assert inverse_equivalence("inexact") == "inexact"


# Maps a request brings: R5 relationships, group.unmapped, negative equivalences.

SRC, TGT = "http://example.org/cs/src", "http://example.org/cs/tgt"


def cm(url: str, *groups: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "ConceptMap",
        "url": url,
        "version": "1",
        "group": list(groups),
        **extra,
    }


def group(*elements: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"source": SRC, "target": TGT, "element": list(elements), **extra}


def element(code: str, *targets: dict[str, Any]) -> dict[str, Any]:
    return {"code": code, "target": list(targets)}


def sent(*maps: dict[str, Any], code: str = "a", **kwargs: Any) -> TranslateRequest:
    return TranslateRequest(Coding(SRC, code), tx_resources=maps, **kwargs)


def test_an_r5_map_is_read_through_its_relationships(services: Services) -> None:
    r5 = cm(
        "http://example.org/cm/r5",
        group(element("a", {"code": "x", "relationship": "source-is-broader-than-target"})),
    )
    result = translate(sent(r5), services)
    [match] = result.matches
    assert (match.equivalence, match.relationship) == ("narrower", "source-is-broader-than-target")
    back = translate(TranslateRequest(Coding(TGT, "x"), reverse=True, tx_resources=(r5,)), services)
    [reverse] = back.matches
    assert (reverse.concept.code, reverse.equivalence) == ("a", "wider")


@pytest.mark.parametrize(
    ("unmapped", "expected"),
    [
        ({"mode": "fixed", "code": "other", "display": "Other"}, ("other", "Other")),
        ({"mode": "provided"}, ("zz", None)),
        ({"mode": "use-source-code", "relationship": "equivalent"}, ("zz", None)),
    ],
)
def test_unmapped_answers_for_codes_a_group_has_no_element_for(
    services: Services, unmapped: dict[str, Any], expected: tuple[str, str | None]
) -> None:
    cmap = cm("http://example.org/cm/u", group(element("a", {"code": "x"}), unmapped=unmapped))
    result = translate(sent(cmap, code="zz"), services)
    assert result.result is True
    [match] = result.matches
    assert (match.concept.code, match.concept.display) == expected
    # A code the group has an element for does not get the unmapped answer.
    mapped = translate(sent(cmap, code="a"), services)
    assert [m.concept.code for m in mapped.matches] == ["x"]


def test_unmapped_other_map_follows_the_other_map_and_refuses_circles(services: Services) -> None:
    first = cm(
        "http://example.org/cm/1",
        group(unmapped={"mode": "other-map", "url": "http://example.org/cm/2"}),
    )
    second = cm("http://example.org/cm/2", group(element("b", {"code": "y"})))
    result = translate(
        sent(first, second, code="b", concept_map=CanonicalRef(first["url"])), services
    )
    assert [(m.concept.code, m.source) for m in result.matches] == [
        ("y", "http://example.org/cm/2|1")
    ]
    missing = cm(
        "http://example.org/cm/3",
        group(unmapped={"mode": "other-map", "url": "http://example.org/cm/none"}),
    )
    with pytest.raises(TerminologyError) as caught:
        translate(sent(missing), services)
    assert caught.value.status == 422
    loop = cm(
        "http://example.org/cm/4",
        group(unmapped={"mode": "other-map", "url": "http://example.org/cm/4"}),
    )
    with pytest.raises(TerminologyError) as circle:
        translate(sent(loop), services)
    assert circle.value.status == 422
    assert "http://example.org/cm/4|1 -> http://example.org/cm/4|1" in circle.value.message


def test_only_unmatched_or_disjoint_matches_are_no_translation(services: Services) -> None:
    cmap = cm(
        "http://example.org/cm/neg",
        group(element("a", {"code": "x", "equivalence": "disjoint"})),
    )
    result = translate(sent(cmap), services)
    assert result.result is False
    assert [m.equivalence for m in result.matches] == ["disjoint"]
    assert message_id_of(result.message or "") == "chest-imaging:TRANSLATE_ONLY_NEGATIVE"


def test_a_sent_map_hides_the_stored_one_with_its_url_and_version(services: Services) -> None:
    stored = MAPS["ConceptMap-cpt-to-radlex-chest-imaging"]
    replacement = {
        **stored,
        "group": [
            {"source": CPT, "target": RADLEX, "element": [element("71250", {"code": "RPID1"})]}
        ],
    }
    result = translate(
        TranslateRequest(Coding(CPT, "71250"), target_system=RADLEX, tx_resources=(replacement,)),
        services,
    )
    assert [m.concept.code for m in result.matches] == ["RPID1"]


def test_every_coding_of_a_codeable_concept_is_translated(services: Services) -> None:
    request = TranslateRequest(Coding(CPT, "71250"), target_system=RADLEX)
    result = translate_codings(
        [Coding(CPT, "71250"), Coding(CPT, "71260"), Coding(CPT, "99213")], request, services
    )
    assert result.result is True
    assert {m.concept.code for m in result.matches} == {"RPID16", "RPID18"}


def test_a_target_whose_dependency_the_request_contradicts_does_not_apply(
    services: Services,
) -> None:
    side = "http://example.org/element/laterality"
    cmap = cm(
        "http://example.org/cm/dep",
        group(
            element(
                "a",
                {"code": "left", "dependsOn": [{"property": side, "value": "L"}]},
                {"code": "right", "dependsOn": [{"property": side, "value": "R"}]},
            )
        ),
    )
    every = translate(sent(cmap), services)
    assert {m.concept.code for m in every.matches} == {"left", "right"}
    assert every.matches[0].depends_on[0].property == side
    left = translate(sent(cmap, dependencies=(MapDependency(side, None, "L"),)), services)
    assert [m.concept.code for m in left.matches] == ["left"]
    either = (MapDependency(side, None, "L"), MapDependency(side, None, "R"))
    both = translate(sent(cmap, dependencies=either), services)
    assert {m.concept.code for m in both.matches} == {"left", "right"}
