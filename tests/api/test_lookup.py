"""``CodeSystem/$lookup`` over real HTTP against the built-in content."""

from __future__ import annotations

import pytest

from terminology.uris import CPT, HCPCS, HCPCS_HTTPS, ICD10CM, LOINC, RADLEX, SNOMED
from tests.conftest import RunningServer
from tests.helpers import param, properties, single_issue, tx_type

LOOKUP = "/CodeSystem/$lookup"


def lookup(server: RunningServer, **params: str):
    return server.get(LOOKUP, params=params)


def test_71250_is_a_ct_of_the_thorax_without_contrast(server: RunningServer) -> None:
    r = lookup(server, system=CPT, code="71250")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/fhir+json")
    body = r.json()
    assert body["resourceType"] == "Parameters"
    assert param(body, "system") == CPT
    assert param(body, "version") == "2026"
    assert param(body, "code") == "71250"
    assert param(body, "display") == "Diagnostic chest CT, no IV contrast"
    assert param(body, "abstract") is False
    props = properties(body)
    assert props["modality"] == ["CT"]
    assert props["contrast"] == ["none"]
    assert props["purpose"] == ["diagnostic"]
    assert props["inactive"] == [False]
    assert props["status"] == ["active"]
    assert props["modifier"] == [False]


@pytest.mark.parametrize(
    ("system", "code", "display"),
    [
        (LOINC, "29252-4", "CT Chest WO contrast"),
        (SNOMED, "395081000119108", None),
        (RADLEX, "RPID16", "CT Chest wo IV Contrast"),
    ],
)
def test_equivalents_of_71250_found_through_concept_maps_look_up(
    server: RunningServer, system: str, code: str, display: str | None
) -> None:
    bundle = server.get("/ConceptMap", params={"_count": "100"}).json()
    targets = {
        (group["target"], target["code"])
        for entry in bundle["entry"]
        for group in entry["resource"]["group"]
        if group["source"] == CPT
        for element in group["element"]
        if element["code"] == "71250"
        for target in element.get("target", [])
    }
    assert (system, code) in targets
    r = lookup(server, system=system, code=code)
    assert r.status_code == 200, r.text
    if display:
        assert param(r.json(), "display") == display


def test_71045_is_absent_from_cpt_2017_and_present_in_2018(server: RunningServer) -> None:
    absent = lookup(server, system=CPT, code="71045", version="2017")
    assert absent.status_code == 404
    issue = single_issue(absent.json())
    assert issue["code"] == "not-found"
    assert tx_type(issue) == "invalid-code"
    assert "2018-01-01" in issue["details"]["text"]
    present = lookup(server, system=CPT, code="71045", version="2018")
    assert present.status_code == 200
    assert param(present.json(), "version") == "2018"
    assert properties(present.json())["effectiveDate"] == ["2018-01-01"]


def test_g0297_is_in_hcpcs_2020_and_not_in_2022(server: RunningServer) -> None:
    present = lookup(server, system=HCPCS, code="G0297", version="2020")
    assert present.status_code == 200
    assert properties(present.json())["replacedBy"] == ["71271"]
    absent = lookup(server, system=HCPCS, code="G0297", version="2022")
    assert absent.status_code == 404
    text = single_issue(absent.json())["details"]["text"]
    assert "G0297" in text and "71271" in text and "2020-12-31" in text


def test_https_spelling_of_hcpcs_is_the_same_system(server: RunningServer) -> None:
    r = lookup(server, system=HCPCS_HTTPS, code="TC")
    assert r.status_code == 200
    assert param(r.json(), "system") == HCPCS
    assert properties(r.json())["modifier"] == [True]


def test_r05_is_a_non_selectable_header_with_billable_children(server: RunningServer) -> None:
    r = lookup(server, system=ICD10CM, code="R05")
    assert r.status_code == 200
    body = r.json()
    assert param(body, "display") == "Cough"
    assert param(body, "abstract") is True
    props = properties(body)
    assert props["notSelectable"] == [True]
    assert set(props["child"]) == {"R05.1", "R05.2", "R05.3", "R05.4", "R05.8", "R05.9"}


def test_r05_1_is_selectable_with_its_parent(server: RunningServer) -> None:
    r = lookup(server, system=ICD10CM, code="R05.1")
    assert r.status_code == 200
    body = r.json()
    assert param(body, "display") == "Acute cough"
    assert param(body, "abstract") is False
    props = properties(body)
    assert "notSelectable" not in props
    assert props["parent"] == ["R05"]
    assert param(body, "version") == "2026"


@pytest.mark.parametrize(
    ("day", "status", "version"),
    [("2017-06-01", 200, "2017"), ("2024-05-01", 404, None)],
)
def test_date_of_service_selects_the_version_in_force(
    server: RunningServer, day: str, status: int, version: str | None
) -> None:
    r = lookup(server, system=CPT, code="71020", date=day)
    assert r.status_code == status
    if version:
        assert param(r.json(), "version") == version
    else:
        text = single_issue(r.json())["details"]["text"]
        assert "71046" in text and "unverified" in text


def test_date_outside_every_version_is_not_found(server: RunningServer) -> None:
    r = lookup(server, system=CPT, code="71250", date="2010-01-01")
    assert r.status_code == 404
    issue = single_issue(r.json())
    assert tx_type(issue) == "not-found"
    assert issue["expression"] == ["date"]


def test_version_and_date_must_agree(server: RunningServer) -> None:
    r = lookup(server, system=CPT, code="71250", version="2019", date="2024-01-01")
    assert r.status_code == 400
    assert single_issue(r.json())["expression"] == ["date"]


def test_instance_level_lookup_uses_that_version(server: RunningServer) -> None:
    r = server.get("/CodeSystem/cpt-2017/$lookup", params={"code": "71010"})
    assert r.status_code == 200
    assert param(r.json(), "version") == "2017"
    assert properties(r.json())["replacedBy"] == ["71045"]


def test_post_parameters_with_a_coding(server: RunningServer) -> None:
    body = {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "coding", "valueCoding": {"system": CPT, "code": "71275"}},
            {"name": "property", "valueCode": "modality"},
            {"name": "unknown-client-parameter", "valueString": "ignored"},
        ],
    }
    r = server.post(LOOKUP, json=body, headers={"Content-Type": "application/fhir+json"})
    assert r.status_code == 200, r.text
    props = properties(r.json())
    assert props == {"modality": ["CTA"]}


def test_form_post_is_accepted(server: RunningServer) -> None:
    r = server.post(LOOKUP, data={"system": CPT, "code": "71550"})
    assert r.status_code == 200
    assert properties(r.json())["modality"] == ["MR"]


def test_cpt_expression_with_a_cpt_modifier(server: RunningServer) -> None:
    r = lookup(server, system=CPT, code="71250:26")
    assert r.status_code == 200
    props = properties(r.json())
    assert props["modified"] == [True]
    assert "26" in param(r.json(), "display")


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("71250:TC", "Claim.item.modifier"),
        ("71250-26", "':'"),
        ("71250:", "empty modifier"),
        ("71250::26", "empty modifier"),
        ("71250:26:26", "repeats"),
        ("71250:76:77", "not used together"),
    ],
)
def test_bad_cpt_expressions_say_why(server: RunningServer, code: str, fragment: str) -> None:
    r = lookup(server, system=CPT, code=code)
    assert r.status_code == 404
    issue = single_issue(r.json())
    assert tx_type(issue) == "invalid-code"
    assert fragment in issue["details"]["text"]


def test_unknown_code_system_is_404_not_found(server: RunningServer) -> None:
    r = lookup(server, system="http://example.org/no-such-system", code="x")
    assert r.status_code == 404
    issue = single_issue(r.json())
    assert issue["code"] == "not-found"
    assert tx_type(issue) == "not-found"
    assert issue["expression"] == ["system"]


def test_unknown_version_lists_the_known_versions(server: RunningServer) -> None:
    r = lookup(server, system=CPT, code="71250", version="1999")
    assert r.status_code == 404
    text = single_issue(r.json())["details"]["text"]
    assert "1999" in text and "2017" in text and "2026" in text


def test_unknown_code_is_404_invalid_code(server: RunningServer) -> None:
    r = lookup(server, system=ICD10CM, code="Q99.99")
    assert r.status_code == 404
    issue = single_issue(r.json())
    assert tx_type(issue) == "invalid-code"
    assert issue["details"]["text"] == (
        f"Unknown code 'Q99.99' in the CodeSystem '{ICD10CM}' version '2026'"
    )


@pytest.mark.parametrize(
    "params",
    [{"system": CPT}, {"code": "71250"}, {}],
)
def test_missing_code_or_system_is_400(server: RunningServer, params: dict[str, str]) -> None:
    r = server.get(LOOKUP, params=params)
    assert r.status_code == 400
    assert single_issue(r.json())["severity"] == "error"


def test_contradictory_code_and_coding_is_400(server: RunningServer) -> None:
    body = {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "code", "valueCode": "71250"},
            {"name": "coding", "valueCoding": {"system": CPT, "code": "71260"}},
        ],
    }
    r = server.post(LOOKUP, json=body)
    assert r.status_code == 400
    assert "71260" in single_issue(r.json())["details"]["text"]


def test_bad_date_is_400(server: RunningServer) -> None:
    r = lookup(server, system=CPT, code="71250", date="yesterday")
    assert r.status_code == 400
    assert single_issue(r.json())["expression"] == ["date"]


def test_property_selection_limits_what_is_returned(server: RunningServer) -> None:
    r = server.get(LOOKUP, params=[("system", ICD10CM), ("code", "R05.1"), ("property", "parent")])
    assert properties(r.json()) == {"parent": ["R05"]}


def test_display_language_picks_the_designation(server: RunningServer) -> None:
    toy = {
        "resourceType": "CodeSystem",
        "url": "http://example.org/cs/langs",
        "version": "1",
        "status": "active",
        "content": "complete",
        "language": "en",
        "concept": [
            {
                "code": "c1",
                "display": "Chest",
                "designation": [{"language": "de", "value": "Brustkorb"}],
            }
        ],
    }
    body = {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "system", "valueUri": toy["url"]},
            {"name": "code", "valueCode": "c1"},
            {"name": "displayLanguage", "valueCode": "de"},
            {"name": "tx-resource", "resource": toy},
        ],
    }
    r = server.post(LOOKUP, json=body)
    assert r.status_code == 200
    assert param(r.json(), "display") == "Brustkorb"
