"""CPT expressions (HL7 THO rules) on our CPT content."""

from __future__ import annotations

import pytest

from terminology.operations.context import Services
from terminology.uris import CPT
from tests.providers.helpers import version_of


@pytest.fixture(scope="module")
def cpt(services: Services):
    provider = services.registry.resolve(CPT)
    assert provider is not None
    return provider.select(version="2026")


def test_plain_codes_and_modifiers(cpt) -> None:
    assert cpt.locate("71250").concept.first("modifier") is False
    assert cpt.locate("26").concept.first("modifier") is True


@pytest.mark.parametrize("code", ["71250:26", "71046:26:59", "71045:76"])
def test_valid_expressions(cpt, code: str) -> None:
    located = cpt.locate(code)
    assert located.concept is not None, located.message
    assert located.concept.first("modified") is True
    assert located.concept.display


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("71250:TC", "HCPCS Level II"),
        ("71250:XS", "Claim.item.modifier"),
        ("71250:99", "not a known CPT modifier"),
        ("71250:71260", "is a CPT code, not a modifier"),
        ("26:71250", "must start with a base code"),
        ("99999:26", "not a known CPT code"),
        ("71250-26", "uses '-'"),
        ("71250.26", "uses '.'"),
        ("71250:", "empty modifier"),
        ("71250::26", "empty modifier"),
        (":26", "empty modifier"),
        ("71250:52:53", "not used together"),
        ("71250:26:26", "repeats"),
    ],
)
def test_invalid_expressions_break_a_rule(cpt, code: str, fragment: str) -> None:
    located = cpt.locate(code)
    assert located.concept is None
    assert located.rule_broken
    assert fragment in located.message


def test_expressions_need_the_base_code_in_that_version(services: Services) -> None:
    cpt_2017 = version_of(services, CPT, "2017")
    assert cpt_2017.locate("71045:26").concept is None
    assert cpt_2017.locate("71010:26").concept is not None


def test_history_of_an_expression_lists_the_versions_that_accept_it(services: Services) -> None:
    cpt = services.registry.resolve(CPT)
    assert cpt is not None
    years = [a.version for a in cpt.history("71045:26")]
    assert years and "2017" not in years and years[0] == "2018"
    assert cpt.history("71045:XX") == []
