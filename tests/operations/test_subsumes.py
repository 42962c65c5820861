"""``$subsumes`` on plain objects: the two input forms, which code system and version answer,
and every request that cannot be answered."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from terminology.errors import TerminologyError
from terminology.messages import message_id_of
from terminology.model import Coding
from terminology.operations.context import Services
from terminology.operations.subsumes import (
    SubsumesRequest,
    SubsumesResult,
    SubsumesSide,
    subsumes,
)
from terminology.uris import CPT, HCPCS, HCPCS_HTTPS, ICD10CM
from tests.fixtures import TOY, toy_code_system


def codes(a: str, b: str, system: str | None = ICD10CM, **kwargs: Any) -> SubsumesRequest:
    return SubsumesRequest(
        SubsumesSide(Coding(None, a), "codeA"),
        SubsumesSide(Coding(None, b), "codeB"),
        system,
        **kwargs,
    )


def codings(a: Coding, b: Coding, system: str | None = None, **kwargs: Any) -> SubsumesRequest:
    return SubsumesRequest(SubsumesSide(a, "codingA"), SubsumesSide(b, "codingB"), system, **kwargs)


def refused(request: SubsumesRequest, services: Services) -> TerminologyError:
    with pytest.raises(TerminologyError) as caught:
        subsumes(request, services)
    return caught.value


def test_codes_in_icd10cm(services: Services) -> None:
    result = subsumes(codes("J18.9", "J18"), services)
    assert result == SubsumesResult("subsumed-by", ICD10CM, "2026")
    assert subsumes(codes("J00-J99", "J18.9"), services).outcome == "subsumes"
    assert subsumes(codes("J18.9", "I10"), services).outcome == "not-subsumed"


def test_codings_name_the_system(services: Services) -> None:
    request = codings(Coding(ICD10CM, "J09-J18"), Coding(ICD10CM, "J18.9"))
    assert subsumes(request, services).outcome == "subsumes"
    # A code on one side and a Coding on the other: the code is of the Coding's system.
    mixed = SubsumesRequest(
        SubsumesSide(Coding(None, "J18"), "codeA"), SubsumesSide(Coding(ICD10CM, "J18"), "codingB")
    )
    assert subsumes(mixed, services).outcome == "equivalent"


def test_another_spelling_of_the_system_is_the_system(services: Services) -> None:
    request = codings(Coding(HCPCS_HTTPS, "G0296"), Coding(HCPCS, "G0296"), system=HCPCS)
    assert subsumes(request, services) == SubsumesResult("equivalent", HCPCS, "2026")


def test_the_version_is_chosen_as_in_lookup(services: Services) -> None:
    """I27.840 came into force with FY2026: it is there in 2026 (by version or by date of
    service) and not in 2025, where the answer says when it starts."""
    assert subsumes(codes("I27.840", "I27", version="2026"), services).version == "2026"
    on_date = subsumes(codes("I27.840", "I27", date=date(2026, 3, 1)), services)
    assert on_date == SubsumesResult("subsumed-by", ICD10CM, "2026")
    for request in (
        codes("I27.840", "I27", version="2025"),
        codes("I27", "I27.840", date=date(2025, 3, 1)),
    ):
        error = refused(request, services)
        assert (error.status, error.code, error.tx_type) == (404, "code-invalid", "invalid-code")
        assert "in force from 2025-10-01" in error.message
    # A version given in both Codings is the version asked for.
    pinned = codings(Coding(ICD10CM, "J18.9", "2025"), Coding(ICD10CM, "J18", "2025"))
    assert subsumes(pinned, services).version == "2025"
    assert subsumes(codes("71250", "71260", CPT, version="2017"), services).version == "2017"


def test_an_unknown_code_is_a_404_naming_the_side(services: Services) -> None:
    error = refused(codes("J18.9", "J18.99"), services)
    assert (error.status, error.code, error.tx_type, error.expression) == (
        404,
        "code-invalid",
        "invalid-code",
        "codeB",
    )
    assert message_id_of(error.message) == "Unknown_Code_in_Version"
    assert error.message == (f"Unknown code 'J18.99' in the CodeSystem '{ICD10CM}' version '2026'")
    coding_error = refused(codings(Coding(ICD10CM, "nope"), Coding(ICD10CM, "J18")), services)
    assert coding_error.expression == "codingA.code"


def test_an_unknown_system_or_version_is_a_404(services: Services) -> None:
    error = refused(codes("a", "b", "http://example.org/unknown"), services)
    assert (error.status, error.tx_type, error.expression) == (404, "not-found", "system")
    assert message_id_of(error.message) == "UNKNOWN_CODESYSTEM"
    error = refused(codes("J18", "J18.9", version="1999"), services)
    assert (error.status, error.tx_type, error.expression) == (404, "not-found", "version")


@pytest.mark.parametrize(
    ("request_", "message_id", "expression"),
    [
        # No system for codes.
        (codes("J18", "J18.9", system=None), "SUBSUMES_SYSTEM_REQUIRED", "system"),
        # A Coding without a system.
        (
            codings(Coding(None, "J18"), Coding(ICD10CM, "J18.9")),
            "SUBSUMES_SYSTEM_REQUIRED",
            "codingA.system",
        ),
        # Codings of two code systems.
        (
            codings(Coding(ICD10CM, "J18"), Coding(CPT, "71250")),
            "SUBSUMPTION_SYSTEM_MISMATCH",
            "codingB.system",
        ),
        # A Coding of another system than the one tested in.
        (
            codings(Coding(ICD10CM, "J18"), Coding(CPT, "71250"), system=ICD10CM),
            "chest-imaging:SUBSUMES_SYSTEM_MISMATCH",
            "codingB.system",
        ),
        # Two versions.
        (
            codings(Coding(ICD10CM, "J18", "2025"), Coding(ICD10CM, "J18.9", "2026")),
            "SUBSUMPTION_VERSION_MISMATCH",
            "codingB.version",
        ),
        (
            codings(Coding(ICD10CM, "J18", "2025"), Coding(ICD10CM, "J18.9"), version="2026"),
            "SUBSUMPTION_VERSION_MISMATCH",
            "codingA.version",
        ),
        # A Coding without a code.
        (
            codings(Coding(ICD10CM, None), Coding(ICD10CM, "J18")),
            "SUBSUMPTION_NO_CODE",
            "codingA.code",
        ),
    ],
)
def test_requests_that_cannot_be_answered_are_400s(
    services: Services, request_: SubsumesRequest, message_id: str, expression: str
) -> None:
    error = refused(request_, services)
    assert error.status == 400
    assert error.tx_type == "invalid-data"
    assert message_id_of(error.message) == message_id
    assert error.expression == expression


def _toy(**changes: Any) -> dict[str, Any]:
    return {**toy_code_system("7", "2020-01-01", "2020-12-31"), **changes}


def test_code_systems_sent_with_the_request(services: Services) -> None:
    request = codes("A", "A2a", TOY, tx_resources=(_toy(),))
    assert subsumes(request, services) == SubsumesResult("subsumes", TOY, "7")
    # Without the resource the system is unknown.
    assert refused(codes("A", "A2a", TOY), services).status == 404


def test_codes_in_another_case_of_a_case_insensitive_system_are_equivalent(
    services: Services,
) -> None:
    insensitive = (_toy(caseSensitive=False),)
    assert subsumes(codes("a2", "A2", TOY, tx_resources=insensitive), services).outcome == (
        "equivalent"
    )
    assert subsumes(codes("a", "a2A", TOY, tx_resources=insensitive), services).outcome == (
        "subsumes"
    )
    # Case matters where the code system says so.
    assert refused(codes("a2", "A2", TOY, tx_resources=(_toy(),)), services).status == 404


def test_a_hierarchy_that_is_not_is_a_cannot_answer(services: Services) -> None:
    grouped = (_toy(hierarchyMeaning="grouped-by"),)
    error = refused(codes("A", "A2", TOY, tx_resources=grouped), services)
    assert (error.status, error.code, error.tx_type) == (422, "not-supported", "cannot-determine")
    assert "'grouped-by', not is-a" in error.message
    assert subsumes(codes("A", "A", TOY, tx_resources=grouped), services).outcome == "equivalent"
