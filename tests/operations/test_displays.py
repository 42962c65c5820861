"""Display checking: languages, whitespace, deprecated designations, unofficial descriptions."""

from __future__ import annotations

from typing import Any

from terminology.model import PREFERRED_FOR_LANGUAGE, CodeSystemInfo, Coding, Concept, Designation
from terminology.operations.displays import check_display, preferred_display, valid_language_list

INFO = CodeSystemInfo(
    url="http://example.org/cs",
    version="1",
    name="cs",
    title=None,
    status="active",
    content="complete",
    language="en",
)
CONCEPT = Concept(
    code="c1",
    display="Chest radiograph",
    designations=(
        Designation("Röntgen Thorax", "de"),
        Designation("Old name", "en", status="deprecated"),
    ),
)


def check(display: str, languages: list[str], **kwargs: Any):
    return check_display(
        display, INFO.url, CONCEPT, INFO, languages, lenient=False, expression="display", **kwargs
    )


def test_exact_display_in_any_language_is_right_without_a_language() -> None:
    assert check("Chest radiograph", []) is None
    assert check("Röntgen Thorax", []) is None


def test_display_in_another_language_than_asked_is_wrong() -> None:
    finding = check("Röntgen Thorax", ["en"])
    assert finding is not None and finding.issue.severity == "error"
    assert "'Chest radiograph' (en)" in finding.issue.text


def test_whitespace_difference_has_its_own_message() -> None:
    finding = check("Chest  radiograph", ["en"])
    assert finding is not None
    assert finding.issue.text.startswith("Wrong whitespace in Display Name")


def test_a_designation_of_another_use_matches_but_is_not_offered() -> None:
    # As tx.fhir.org does (HL7 case batch/batch-validate-bad): an abbreviation or an old form
    # is a right display, but a wrong one is told only of the displays.
    concept = Concept(
        code="c1",
        display="Chest radiograph",
        designations=(
            Designation("CXR", use=Coding("http://example.org/uses", "abbreviation")),
            Designation("Chest X-ray", "en", use=PREFERRED_FOR_LANGUAGE),
        ),
    )

    def checked(display: str):
        return check_display(
            display, INFO.url, concept, INFO, [], lenient=False, expression="display"
        )

    assert checked("CXR") is None
    finding = checked("Chest film")
    assert finding is not None
    assert "one of 2 choices: 'Chest radiograph' (en) or 'Chest X-ray' (en)" in finding.issue.text
    assert "CXR" not in finding.issue.text


def test_deprecated_designation_is_a_warning_not_in_the_message() -> None:
    finding = check("Old name", [])
    assert finding is not None
    assert finding.issue.severity == "warning" and finding.issue.tx_type == "display-comment"
    assert not finding.in_message


def test_no_display_in_the_asked_language_but_right_in_the_default_is_information() -> None:
    finding = check("Chest radiograph", ["fr"])
    assert finding is not None and finding.issue.severity == "information"


def test_unofficial_descriptions_only_inform() -> None:
    unofficial = CodeSystemInfo(
        url=INFO.url,
        version="1",
        name="cs",
        title=None,
        status="active",
        content="fragment",
        displays_official=False,
    )
    finding = check_display(
        "Official AMA text", INFO.url, CONCEPT, unofficial, [], lenient=False, expression="display"
    )
    assert finding is not None and finding.issue.severity == "information"


def test_preferred_display_follows_the_asked_language() -> None:
    assert preferred_display(CONCEPT, INFO, ["de"]) == "Röntgen Thorax"
    assert preferred_display(CONCEPT, INFO, ["fr"]) == "Chest radiograph"


def test_language_lists() -> None:
    assert valid_language_list("en, en-AU; q=0.4")
    assert not valid_language_list("-")
