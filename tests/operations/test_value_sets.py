"""The value-set API order and claim checks use: ``ValueSets(services).get(url).contains(...)``,
on the content we ship."""

from __future__ import annotations

from datetime import date

import pytest

from terminology.errors import TerminologyError
from terminology.model import Coding
from terminology.operations.context import Services
from terminology.operations.value_sets import ValueSets
from terminology.uris import CPT, HCPCS

BASE = "https://chest-imaging-terminology.org/fhir/ValueSet/"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"


def test_a_member_on_its_date_of_service(services: Services) -> None:
    screening = ValueSets(services).get(BASE + "lung-cancer-screening-ldct")
    answer = screening.contains(Coding(CPT, "71271"), on=date(2024, 5, 1))
    assert answer.result is True
    assert answer.system == CPT and answer.version == "2024"
    assert answer.display and not answer.errors


def test_a_code_before_it_existed_is_not_a_member_and_says_why(services: Services) -> None:
    screening = ValueSets(services).get(BASE + "lung-cancer-screening-ldct")
    answer = screening.contains(Coding(CPT, "71271"), on=date(2019, 5, 1))
    assert answer.result is False
    assert answer.errors
    assert "71271" in (answer.message or "")


def test_the_retired_hcpcs_code_is_a_member_only_while_it_was_in_force(services: Services) -> None:
    screening = ValueSets(services).get(BASE + "lung-cancer-screening-ldct")
    assert screening.contains(Coding(HCPCS, "G0297"), on=date(2020, 6, 1)).result is True
    assert screening.contains(Coding(HCPCS, "G0297"), on=date(2022, 6, 1)).result is False


def test_another_procedure_is_not_a_member(services: Services) -> None:
    screening = ValueSets(services).get(BASE + "lung-cancer-screening-ldct")
    answer = screening.contains(Coding(CPT, "71250"), on=date(2024, 5, 1))
    assert answer.result is False
    assert any(i.tx_type == "not-in-vs" for i in answer.issues)


def test_an_unknown_code_system_cannot_be_told(services: Services) -> None:
    indications = ValueSets(services).get(BASE + "chest-imaging-indications")
    answer = indications.contains(Coding("http://example.org/unknown", "J18.9"))
    assert answer.result is None
    assert answer.errors


def test_a_wrong_display_is_reported(services: Services) -> None:
    indications = ValueSets(services).get(BASE + "chest-imaging-indications")
    answer = indications.contains(
        Coding(ICD10CM, "J18.9", display="Broken leg"), on=date(2026, 3, 1)
    )
    assert answer.result is False
    assert any(i.tx_type == "invalid-display" for i in answer.issues)


def test_url_with_version_and_unknown_value_set(services: Services) -> None:
    value_sets = ValueSets(services)
    found = value_sets.get(BASE + "chest-ct-procedures")
    assert value_sets.get(f"{found.url}|{found.version}").resource is found.resource
    with pytest.raises(TerminologyError) as raised:
        value_sets.get(BASE + "no-such-value-set")
    assert raised.value.status == 404
