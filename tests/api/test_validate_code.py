"""``$validate-code`` over real HTTP against the built-in chest-imaging content."""

from __future__ import annotations

from typing import Any

import pytest

from terminology.uris import CPT, HCPCS, HCPCS_HTTPS, ICD10CM, LOINC, PROJECT_BASE
from tests.conftest import RunningServer
from tests.helpers import issue_summary, issues, param, single_issue, tx_type

VS = f"{PROJECT_BASE}/ValueSet"
PROCEDURES = f"{VS}/chest-imaging-procedures"
INDICATIONS = f"{VS}/chest-imaging-indications"
CT = f"{VS}/chest-ct-procedures"
VS_VALIDATE = "/ValueSet/$validate-code"
CS_VALIDATE = "/CodeSystem/$validate-code"


def vs_get(server: RunningServer, **params: str) -> dict[str, Any]:
    r = server.get(VS_VALIDATE, params=params)
    assert r.status_code == 200, r.text
    return r.json()


def cs_get(server: RunningServer, **params: str) -> dict[str, Any]:
    r = server.get(CS_VALIDATE, params=params)
    assert r.status_code == 200, r.text
    return r.json()


def post(server: RunningServer, path: str, *parameters: dict[str, Any]) -> dict[str, Any]:
    r = server.post(path, json={"resourceType": "Parameters", "parameter": list(parameters)})
    assert r.status_code == 200, r.text
    return r.json()


# -- dates of service and deleted codes -------------------------------------------------------


def test_71020_after_2018_is_false_and_names_its_replacement(server: RunningServer) -> None:
    body = vs_get(server, url=PROCEDURES, system=CPT, code="71020", date="2024-05-01")
    assert param(body, "result") is False
    assert param(body, "version") == "2024"
    assert issue_summary(body) == {("error", "code-rule", "code"), ("error", "not-in-vs", "code")}
    rule = next(i for i in issues(body) if tx_type(i) == "code-rule")
    assert rule["code"] == "business-rule"
    assert "71046" in rule["details"]["text"] and "unverified" in rule["details"]["text"]
    assert "2017-12-31" in param(body, "message")


def test_71020_in_2017_is_true(server: RunningServer) -> None:
    body = vs_get(server, url=PROCEDURES, system=CPT, code="71020", date="2017-06-01")
    assert param(body, "result") is True
    assert param(body, "code") == "71020"
    assert param(body, "system") == CPT
    assert param(body, "version") == "2017"
    assert param(body, "display") == "Chest radiograph, frontal and lateral"
    assert issues(body) == []


@pytest.mark.parametrize(
    ("day", "result", "version"), [("2020-06-01", True, "2020"), ("2022-06-01", False, "2022")]
)
def test_g0297_by_date_of_service(
    server: RunningServer, day: str, result: bool, version: str
) -> None:
    body = cs_get(server, url=HCPCS, code="G0297", date=day)
    assert param(body, "result") is result
    assert param(body, "version") == version
    if not result:
        (issue,) = issues(body)
        assert tx_type(issue) == "code-rule"
        assert "71271" in issue["details"]["text"]
        assert CPT in issue["details"]["text"]


def test_71045_not_yet_in_force_in_2017(server: RunningServer) -> None:
    body = cs_get(server, url=CPT, code="71045", version="2017")
    assert param(body, "result") is False
    (issue,) = issues(body)
    assert tx_type(issue) == "code-rule"
    assert "2018-01-01" in issue["details"]["text"]


def test_without_date_or_version_the_latest_version_answers(server: RunningServer) -> None:
    body = cs_get(server, url=CPT, code="71271")
    assert param(body, "result") is True
    assert param(body, "version") == "2026"


# -- fragments ---------------------------------------------------------------------------------


def test_cpt_code_outside_our_fragment_is_a_warning_not_an_error(server: RunningServer) -> None:
    body = cs_get(server, url=CPT, code="99213")
    assert param(body, "result") is True
    assert issue_summary(body) == {("warning", "invalid-code", "code")}
    assert param(body, "message") is None


def test_cpt_code_outside_our_fragment_is_not_in_a_chest_value_set(server: RunningServer) -> None:
    body = vs_get(server, url=PROCEDURES, system=CPT, code="99213")
    assert param(body, "result") is False
    assert ("error", "not-in-vs", "code") in issue_summary(body)


# -- not selectable ----------------------------------------------------------------------------


def test_r05_header_is_fine_in_the_code_system(server: RunningServer) -> None:
    body = cs_get(server, url=ICD10CM, code="R05")
    assert param(body, "result") is True
    assert param(body, "display") == "Cough"


def test_r05_header_fails_when_abstract_codes_are_not_allowed(server: RunningServer) -> None:
    body = cs_get(server, url=ICD10CM, code="R05", abstract="false")
    assert param(body, "result") is False
    assert issue_summary(body) == {("error", "code-rule", "code")}


def test_r05_is_not_a_billable_indication(server: RunningServer) -> None:
    body = vs_get(server, url=INDICATIONS, system=ICD10CM, code="R05")
    assert param(body, "result") is False
    assert issue_summary(body) == {("error", "not-in-vs", "code")}


@pytest.mark.parametrize("path", [CS_VALIDATE, VS_VALIDATE])
def test_r05_1_is_valid_in_both(server: RunningServer, path: str) -> None:
    params = {"url": ICD10CM if path == CS_VALIDATE else INDICATIONS, "code": "R05.1"}
    if path == VS_VALIDATE:
        params["system"] = ICD10CM
    body = server.get(path, params=params).json()
    assert param(body, "result") is True
    assert param(body, "display") == "Acute cough"
    assert param(body, "version") == "2026"


# -- displays ----------------------------------------------------------------------------------


def test_wrong_icd_display_is_an_error(server: RunningServer) -> None:
    body = vs_get(server, url=INDICATIONS, system=ICD10CM, code="R05.1", display="Cough, acute")
    assert param(body, "result") is False
    (issue,) = issues(body)
    assert (issue["severity"], tx_type(issue), issue["expression"]) == (
        "error",
        "invalid-display",
        ["display"],
    )
    assert "Acute cough" in issue["details"]["text"]


def test_wrong_display_is_a_warning_when_lenient(server: RunningServer) -> None:
    body = vs_get(
        server,
        url=INDICATIONS,
        system=ICD10CM,
        code="R05.1",
        display="Cough, acute",
        **{"lenient-display-validation": "true"},
    )
    assert param(body, "result") is True
    assert issue_summary(body) == {("warning", "invalid-display", "display")}


def test_right_display_has_no_issue(server: RunningServer) -> None:
    body = vs_get(server, url=INDICATIONS, system=ICD10CM, code="R05.1", display="Acute cough")
    assert param(body, "result") is True
    assert issues(body) == []


def test_cpt_display_that_differs_from_ours_is_information_only(server: RunningServer) -> None:
    body = vs_get(
        server,
        url=CT,
        system=CPT,
        code="71250",
        display="Computed tomography, thorax; without contrast material",
    )
    assert param(body, "result") is True
    (issue,) = issues(body)
    assert issue["severity"] == "information"
    assert tx_type(issue) == "display-comment"
    assert "official descriptors are not loaded" in issue["details"]["text"]


# -- CPT expressions ---------------------------------------------------------------------------


def test_cpt_expression_with_professional_component(server: RunningServer) -> None:
    body = cs_get(server, url=CPT, code="71250:26")
    assert param(body, "result") is True
    assert param(body, "code") == "71250:26"


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("71250:TC", "Claim.item.modifier"),
        ("71250:", "empty modifier"),
        ("71250-26", "uses '-'"),
        ("71250::26", "empty modifier"),
    ],
)
def test_bad_cpt_expressions_are_false_and_say_why(
    server: RunningServer, code: str, fragment: str
) -> None:
    body = cs_get(server, url=CPT, code=code)
    assert param(body, "result") is False
    (issue,) = issues(body)
    assert (issue["severity"], tx_type(issue)) == ("error", "invalid-code")
    assert fragment in issue["details"]["text"]
    if code == "71250:TC":
        assert HCPCS in issue["details"]["text"]


# -- forms of input ----------------------------------------------------------------------------


def test_post_coding_form(server: RunningServer) -> None:
    body = post(
        server,
        VS_VALIDATE,
        {"name": "url", "valueUri": CT},
        {"name": "coding", "valueCoding": {"system": CPT, "code": "71275"}},
    )
    assert param(body, "result") is True
    assert param(body, "code") == "71275"


def test_coding_form_expressions_point_into_the_coding(server: RunningServer) -> None:
    body = post(
        server,
        VS_VALIDATE,
        {"name": "url", "valueUri": CT},
        {"name": "coding", "valueCoding": {"system": CPT, "code": "71045"}},
    )
    assert param(body, "result") is False
    assert issue_summary(body) == {("error", "not-in-vs", "Coding.code")}


def test_codeable_concept_with_one_good_coding_among_bad_ones(server: RunningServer) -> None:
    cc = {
        "coding": [
            {"system": CPT, "code": "71045"},
            {"system": LOINC, "code": "29252-4", "display": "CT Chest WO contrast"},
            {"system": "http://example.org/unknown", "code": "x"},
        ],
        "text": "CT chest",
    }
    body = post(
        server,
        VS_VALIDATE,
        {"name": "url", "valueUri": CT},
        {"name": "codeableConcept", "valueCodeableConcept": cc},
    )
    assert param(body, "result") is True
    assert param(body, "system") == LOINC
    assert param(body, "code") == "29252-4"
    assert param(body, "codeableConcept") == cc
    summary = issue_summary(body)
    assert ("information", "this-code-not-in-vs", "CodeableConcept.coding[0].code") in summary
    assert ("information", "this-code-not-in-vs", "CodeableConcept.coding[2].code") in summary


def test_codeable_concept_with_no_good_coding(server: RunningServer) -> None:
    cc = {"coding": [{"system": CPT, "code": "71045"}, {"system": ICD10CM, "code": "R05.1"}]}
    body = post(
        server,
        VS_VALIDATE,
        {"name": "url", "valueUri": CT},
        {"name": "codeableConcept", "valueCodeableConcept": cc},
    )
    assert param(body, "result") is False
    assert ("error", "not-in-vs", None) in issue_summary(body)


def test_both_hcpcs_spellings_validate(server: RunningServer) -> None:
    modifiers = f"{VS}/chest-imaging-claim-modifiers"
    for system in (HCPCS, HCPCS_HTTPS):
        body = vs_get(server, url=modifiers, system=system, code="TC")
        assert param(body, "result") is True, body


# -- inline value sets, tx-resource, inactive ----------------------------------------------------

TOY_CS = {
    "resourceType": "CodeSystem",
    "url": "http://example.org/cs/toy",
    "version": "1",
    "status": "active",
    "content": "complete",
    "property": [
        {"code": "status", "uri": "http://hl7.org/fhir/concept-properties#status", "type": "code"}
    ],
    "concept": [
        {"code": "live", "display": "Live"},
        {
            "code": "gone",
            "display": "Gone",
            "property": [{"code": "status", "valueCode": "retired"}],
        },
    ],
}
TOY_VS = {
    "resourceType": "ValueSet",
    "url": "http://example.org/vs/toy",
    "version": "1",
    "status": "active",
    "compose": {"include": [{"system": "http://example.org/cs/toy"}]},
}


def test_inline_value_set(server: RunningServer) -> None:
    inline = {
        "resourceType": "ValueSet",
        "status": "active",
        "compose": {"include": [{"system": ICD10CM, "concept": [{"code": "Z87.891"}]}]},
    }
    body = post(
        server,
        VS_VALIDATE,
        {"name": "valueSet", "resource": inline},
        {"name": "coding", "valueCoding": {"system": ICD10CM, "code": "Z87.891"}},
    )
    assert param(body, "result") is True


def test_inactive_member_is_valid_with_a_warning(server: RunningServer) -> None:
    body = post(
        server,
        VS_VALIDATE,
        {"name": "url", "valueUri": TOY_VS["url"]},
        {"name": "coding", "valueCoding": {"system": TOY_CS["url"], "code": "gone"}},
        {"name": "tx-resource", "resource": TOY_CS},
        {"name": "tx-resource", "resource": TOY_VS},
    )
    assert param(body, "result") is True
    assert param(body, "inactive") is True
    assert param(body, "status") == "retired"
    assert issue_summary(body) == {("warning", "code-comment", "Coding")}


def test_inactive_member_is_invalid_under_active_only(server: RunningServer) -> None:
    body = post(
        server,
        VS_VALIDATE,
        {"name": "url", "valueUri": TOY_VS["url"]},
        {"name": "activeOnly", "valueBoolean": True},
        {"name": "coding", "valueCoding": {"system": TOY_CS["url"], "code": "gone"}},
        {"name": "tx-resource", "resource": TOY_CS},
        {"name": "tx-resource", "resource": TOY_VS},
    )
    assert param(body, "result") is False
    assert ("error", "code-rule", "Coding.code") in issue_summary(body)


def test_tx_resource_wins_over_stored_content(server: RunningServer) -> None:
    shadow = {
        "resourceType": "ValueSet",
        "url": CT,
        "version": "1.0.0",
        "status": "active",
        "compose": {"include": [{"system": CPT, "concept": [{"code": "71550"}]}]},
    }
    body = post(
        server,
        VS_VALIDATE,
        {"name": "url", "valueUri": CT},
        {"name": "coding", "valueCoding": {"system": CPT, "code": "71550"}},
        {"name": "tx-resource", "resource": shadow},
    )
    assert param(body, "result") is True
    stored = vs_get(server, url=CT, system=CPT, code="71550")
    assert param(stored, "result") is False


# -- unknowns ----------------------------------------------------------------------------------


def test_unknown_value_set_is_404(server: RunningServer) -> None:
    r = server.get(VS_VALIDATE, params={"url": f"{VS}/nope", "system": CPT, "code": "71250"})
    assert r.status_code == 404
    issue = single_issue(r.json())
    assert tx_type(issue) == "not-found"
    assert (
        issue["details"]["text"] == f"A definition for the value Set '{VS}/nope' could not be found"
    )


def test_unknown_code_system_is_200_false(server: RunningServer) -> None:
    body = vs_get(server, url=CT, system="http://example.org/unknown", code="x")
    assert param(body, "result") is False
    assert param(body, "x-unknown-system") == "http://example.org/unknown"
    assert ("error", "not-found", "system") in issue_summary(body)


def test_unknown_code_system_version_lists_the_known_ones(server: RunningServer) -> None:
    body = vs_get(server, url=CT, system=CPT, code="71250", systemVersion="1999")
    assert param(body, "result") is False
    text = " ".join(i["details"]["text"] for i in issues(body))
    assert "1999" in text and "2017" in text and "2026" in text
    assert param(body, "x-caused-by-unknown-system") == f"{CPT}|1999"


def test_missing_code_is_400(server: RunningServer) -> None:
    r = server.get(VS_VALIDATE, params={"url": CT})
    assert r.status_code == 400
    assert single_issue(r.json())["severity"] == "error"


def test_instance_level_validate(server: RunningServer) -> None:
    r = server.get(
        "/ValueSet/chest-ct-procedures/$validate-code", params={"system": CPT, "code": "71260"}
    )
    assert r.status_code == 200
    assert param(r.json(), "result") is True


# -- version parameters, value set versions, inference, languages, supplements ------------------


def test_force_system_version_overrides_the_latest(server: RunningServer) -> None:
    body = vs_get(
        server, url=PROCEDURES, system=CPT, code="71020", **{"force-system-version": f"{CPT}|2017"}
    )
    assert param(body, "result") is True
    assert param(body, "version") == "2017"


def test_system_version_is_the_default_version(server: RunningServer) -> None:
    body = vs_get(
        server, url=PROCEDURES, system=CPT, code="71010", **{"system-version": f"{CPT}|2017"}
    )
    assert param(body, "result") is True
    assert param(body, "version") == "2017"


def test_check_system_version_picks_a_missing_version(server: RunningServer) -> None:
    body = vs_get(
        server, url=PROCEDURES, system=CPT, code="71010", **{"check-system-version": f"{CPT}|2017"}
    )
    assert param(body, "result") is True
    assert param(body, "version") == "2017"


def test_check_system_version_rejects_another_version(server: RunningServer) -> None:
    body = vs_get(
        server,
        url=CT,
        system=CPT,
        code="71250",
        **{"force-system-version": f"{CPT}|2026", "check-system-version": f"{CPT}|2017"},
    )
    assert param(body, "result") is False
    (issue,) = issues(body)
    assert (issue["code"], tx_type(issue), issue["expression"]) == (
        "exception",
        "version-error",
        ["version"],
    )


def test_coding_version_against_a_version_rule_is_reported(server: RunningServer) -> None:
    body = vs_get(
        server,
        url=CT,
        system=CPT,
        code="71250",
        systemVersion="2026",
        **{"check-system-version": f"{CPT}|2017"},
    )
    assert param(body, "result") is False
    assert issue_summary(body) == {("error", "vs-invalid", "version")}


def test_value_set_version(server: RunningServer) -> None:
    assert (
        param(vs_get(server, url=CT, valueSetVersion="1.0.0", system=CPT, code="71250"), "result")
        is True
    )
    r = server.get(
        VS_VALIDATE, params={"url": CT, "valueSetVersion": "9.9.9", "system": CPT, "code": "71250"}
    )
    assert r.status_code == 404
    assert f"{CT}|9.9.9" in single_issue(r.json())["details"]["text"]


def test_default_value_set_version(server: RunningServer) -> None:
    r = server.get(
        VS_VALIDATE,
        params={
            "url": CT,
            "system": CPT,
            "code": "71250",
            "default-valueset-version": f"{CT}|9.9.9",
        },
    )
    assert r.status_code == 404


def test_infer_system_from_the_value_set(server: RunningServer) -> None:
    body = vs_get(server, url=INDICATIONS, code="R05.1", inferSystem="true")
    assert param(body, "result") is True
    assert param(body, "system") == ICD10CM


def test_code_without_system_or_infer_system_is_a_warning_and_false(server: RunningServer) -> None:
    body = vs_get(server, url=INDICATIONS, code="R05.1")
    assert param(body, "result") is False
    assert ("warning", "invalid-data", "code") in issue_summary(body)


def test_invalid_display_language_is_400(server: RunningServer) -> None:
    r = server.get(
        VS_VALIDATE,
        params={
            "url": INDICATIONS,
            "system": ICD10CM,
            "code": "R05.1",
            "display": "Acute cough",
            "displayLanguage": "-",
        },
    )
    assert r.status_code == 400
    assert tx_type(single_issue(r.json())) == "invalid-display"


def test_display_language_selects_the_designation(server: RunningServer) -> None:
    french = {
        **TOY_CS,
        "concept": [
            {
                "code": "live",
                "display": "Live",
                "designation": [{"language": "fr", "value": "Vivant"}],
            }
        ],
    }
    body = post(
        server,
        CS_VALIDATE,
        {"name": "url", "valueUri": french["url"]},
        {"name": "code", "valueCode": "live"},
        {"name": "display", "valueString": "Vivant"},
        {"name": "displayLanguage", "valueCode": "fr"},
        {"name": "tx-resource", "resource": french},
    )
    assert param(body, "result") is True
    assert param(body, "display") == "Vivant"


def test_code_system_instance_level(server: RunningServer) -> None:
    r = server.get("/CodeSystem/cpt-2017/$validate-code", params={"code": "71010"})
    assert r.status_code == 200
    assert param(r.json(), "result") is True
    assert param(r.json(), "version") == "2017"


def test_inline_code_system(server: RunningServer) -> None:
    body = post(
        server,
        CS_VALIDATE,
        {"name": "codeSystem", "resource": TOY_CS},
        {"name": "code", "valueCode": "live"},
    )
    assert param(body, "result") is True
    assert param(body, "system") == TOY_CS["url"]


SUPPLEMENT = {
    "resourceType": "CodeSystem",
    "url": "http://example.org/cs/toy-fr",
    "version": "1",
    "status": "active",
    "content": "supplement",
    "supplements": "http://example.org/cs/toy",
    "concept": [{"code": "live", "designation": [{"language": "fr", "value": "Vivant"}]}],
}


def test_supplement_designations_count_when_asked_for(server: RunningServer) -> None:
    common: list[dict[str, Any]] = [
        {"name": "url", "valueUri": TOY_CS["url"]},
        {"name": "code", "valueCode": "live"},
        {"name": "display", "valueString": "Vivant"},
        {"name": "tx-resource", "resource": TOY_CS},
        {"name": "tx-resource", "resource": SUPPLEMENT},
    ]
    without = post(server, CS_VALIDATE, *common)
    assert param(without, "result") is False
    with_supplement = post(
        server, CS_VALIDATE, *common, {"name": "useSupplement", "valueCanonical": SUPPLEMENT["url"]}
    )
    assert param(with_supplement, "result") is True


def test_missing_supplement_is_422(server: RunningServer) -> None:
    r = server.post(
        CS_VALIDATE,
        json={
            "resourceType": "Parameters",
            "parameter": [
                {"name": "url", "valueUri": CPT},
                {"name": "code", "valueCode": "71250"},
                {"name": "useSupplement", "valueCanonical": "http://example.org/none"},
            ],
        },
    )
    assert r.status_code == 422
    assert (
        single_issue(r.json())["details"]["text"]
        == "Required supplement not found: http://example.org/none"
    )
