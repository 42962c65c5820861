"""Code syntax of our terminologies: check digits against real codes, forms, and our content."""

from __future__ import annotations

import pytest

from terminology.model import CodeRange
from terminology.operations.context import Services
from terminology.providers.syntax import (
    SYNTAX_RULES,
    cpt_syntax,
    hcpcs_syntax,
    icd10cm_syntax,
    loinc_check_digit,
    loinc_syntax,
    snomed_syntax,
    verhoeff_valid,
)
from terminology.uris import CPT, HCPCS, ICD10CM, LOINC, RADLEX, SNOMED
from tests.providers.helpers import provider_of, version_of

# -- SNOMED CT: Verhoeff, partition, length ----------------------------------------------------

# Real SCTIDs: myocardial infarction, malignant tumour of lung, and an extension concept with the
# long-format partition 10 (lung mass, US extension, namespace 1000119).
REAL_SCTIDS = ["22298006", "363358000", "16334891000119106", "399208008"]


@pytest.mark.parametrize("sctid", REAL_SCTIDS)
def test_verhoeff_accepts_real_sctids(sctid: str) -> None:
    assert verhoeff_valid(sctid)
    assert snomed_syntax(sctid) is None


@pytest.mark.parametrize("sctid", REAL_SCTIDS)
def test_verhoeff_rejects_every_other_check_digit(sctid: str) -> None:
    for digit in "0123456789":
        if digit != sctid[-1]:
            assert not verhoeff_valid(sctid[:-1] + digit)


@pytest.mark.parametrize("sctid", ["22298006", "363358000"])
def test_verhoeff_catches_swapped_neighbours(sctid: str) -> None:
    swaps = [
        sctid[:i] + sctid[i + 1] + sctid[i] + sctid[i + 2 :]
        for i in range(len(sctid) - 1)
        if sctid[i] != sctid[i + 1]
    ]
    assert swaps
    assert not any(verhoeff_valid(s) for s in swaps)


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("16334891000119100", "fails the Verhoeff check"),  # the truncated id issue 7 names
        ("22298007", "fails the Verhoeff check"),
        ("37436014", "identifies a description"),  # a description id (partition 01)
        ("123456022", "identifies a relationship"),
        ("123456034", "is not a SNOMED CT partition"),
        ("12345", "6 to 18 digits, this one has 5"),
        ("1234567890123456789", "this one has 19"),
        ("022298006", "never starts with 0"),
        ("2229800X", "only the digits 0-9"),
        ("²²298006", "only the digits 0-9"),  # superscript digits are str.isdigit()
        ("", "only the digits 0-9"),
    ],
)
def test_malformed_sctids_say_why(code: str, fragment: str) -> None:
    error = snomed_syntax(code)
    assert error is not None
    assert "is not a valid SNOMED CT code" in error
    assert fragment in error


# -- LOINC: mod 10 ---------------------------------------------------------------------------

REAL_LOINC = ["806-0", "29252-4", "24627-2", "36554-4", "30746-2", "100257-5"]


@pytest.mark.parametrize("code", REAL_LOINC)
def test_loinc_check_digit_of_real_codes(code: str) -> None:
    digits, check = code.split("-")
    assert loinc_check_digit(digits) == int(check)
    assert loinc_syntax(code) is None


def test_loinc_check_digit_is_the_users_guide_example() -> None:
    # The Users' Guide works 12345 through to the check digit 5.
    assert loinc_check_digit("12345") == 5


@pytest.mark.parametrize("code", ["806-1", "29252-5", "24627-3", "29522-4", "100257-6"])
def test_corrupted_loinc_codes_fail_the_check_digit(code: str) -> None:
    error = loinc_syntax(code)
    assert error is not None
    assert "mod 10" in error and f"not {code[-1]}" in error


@pytest.mark.parametrize("code", ["LP29684-5", "LA33-6", "LP212295-2", "LA6576-8"])
def test_loinc_part_and_answer_codes_are_well_formed(code: str) -> None:
    assert loinc_syntax(code) is None


@pytest.mark.parametrize(
    "code", ["806", "8060", "806-", "-0", "1234567-0", "29252-44", "LX123-4", "lp29684-5", "806 -0"]
)
def test_malformed_loinc_codes(code: str) -> None:
    error = loinc_syntax(code)
    assert error is not None and "one to six digits, a hyphen and a check digit" in error


# -- CPT, HCPCS Level II, ICD-10-CM ------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "good", "bad"),
    [
        (
            cpt_syntax,
            ["71250", "0174T", "0001U", "1036F", "0004M", "26", "59", "1P"],
            ["7125", "712500", "71250A", "7125O", "ABCDE", "TC", "2", "0174t", ""],
        ),
        (
            hcpcs_syntax,
            ["G0296", "A0021", "V2020", "TC", "XS", "FY", "Q5"],
            ["W1234", "G029", "G02966", "g0296", "TCX", "0296G", ""],
        ),
        (
            icd10cm_syntax,
            ["J18.9", "S22.31XA", "U07.1", "A15", "C34.11", "Z87.891", "QA0.0", "J09-J18"],
            ["J189", "18.9", "J18.", "J18.12345", "j18.9", "J1", "", "J09-", "J09-J18.9"],
        ),
    ],
)
def test_forms(rule, good: list[str], bad: list[str]) -> None:
    for code in good:
        assert rule(code) is None, code
    for code in bad:
        assert rule(code) is not None, code


def test_long_codes_are_quoted_truncated() -> None:
    error = cpt_syntax("7" * 10_000)
    assert error is not None
    assert "7" * 100 + "… (10,000 characters)'" in error
    assert len(error) < 700


# -- our content meets the rules ---------------------------------------------------------------


@pytest.mark.parametrize("system", [SNOMED, LOINC, CPT, HCPCS, ICD10CM])
def test_every_code_we_hold_meets_its_syntax(services: Services, system: str) -> None:
    rule = SYNTAX_RULES[system]
    codes = {
        c.code
        for v in provider_of(services, system).versions()
        for c in version_of(services, system, v).concepts()
    }
    assert codes
    assert [c for c in sorted(codes) if rule(c) is not None] == []


@pytest.mark.parametrize(
    ("system", "malformed", "unknown"),
    [
        (SNOMED, "16334891000119100", "22298006"),
        (LOINC, "806-1", "806-0"),
        (CPT, "7125", "99213"),
        (HCPCS, "W1234", "A0021"),
        (ICD10CM, "J189", "R05.7"),
    ],
)
def test_versions_report_malformed_codes_as_broken_rules(
    services: Services, system: str, malformed: str, unknown: str
) -> None:
    version = version_of(services, system)
    located = version.locate(malformed)
    assert located.concept is None and located.rule_broken
    assert located.message == version.syntax_error(malformed)
    located = version.locate(unknown)
    assert located.concept is None and not located.rule_broken and located.message is None


def test_systems_without_a_rule_accept_any_code(services: Services) -> None:
    radlex = version_of(services, RADLEX)
    assert radlex.syntax_error("anything at all") is None
    assert not radlex.locate("anything at all").rule_broken


def test_cpt_expressions_and_held_modifiers_are_not_syntax_errors(services: Services) -> None:
    cpt = version_of(services, CPT, "2026")
    assert cpt.locate("71250:26").concept is not None
    assert cpt.locate("26").concept is not None
    assert "uses '-'" in (cpt.locate("71250-26").message or "")


# -- complete ranges ----------------------------------------------------------------------------


def test_code_range_contains_same_form_codes_only() -> None:
    chest = CodeRange("chest section", "71010", "71599")
    assert chest.contains("71010") and chest.contains("71251") and chest.contains("71599")
    assert not chest.contains("71009") and not chest.contains("71600")
    assert not chest.contains("99213") and not chest.contains("7125")
    assert not chest.contains("0174T") and not chest.contains("7125T")
