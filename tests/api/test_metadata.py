"""``/metadata``, ``/metadata?mode=terminology`` and ``$versions``."""

from __future__ import annotations

import json
import os
from pathlib import Path

from terminology.uris import CPT, HCPCS, ICD10CM, LOINC, PROJECT_BASE, RADLEX, SNOMED
from tests.conftest import CONTENT_DIR, SNOMED_RELEASES_ENV, RunningServer

FEATURE = "http://hl7.org/fhir/uv/application-feature/StructureDefinition/feature"
#: Where our own OperationDefinitions (tx.fhir.org's $batch-validate-code) are published.
BATCH_DEFINITIONS = f"{PROJECT_BASE}/OperationDefinition"


def _features(statement: dict) -> dict[str, object]:
    out = {}
    for ext in statement["extension"]:
        if ext["url"] != FEATURE:
            continue
        parts = {e["url"]: e for e in ext["extension"]}
        value = next(v for k, v in parts["value"].items() if k.startswith("value"))
        out[parts["definition"]["valueCanonical"]] = value
    return out


def test_capability_statement(server: RunningServer) -> None:
    r = server.get("/metadata")
    assert r.status_code == 200
    cs = r.json()
    assert cs["resourceType"] == "CapabilityStatement"
    assert cs["fhirVersion"] == "4.0.1"
    assert cs["kind"] == "instance"
    assert cs["status"] == "active"
    assert "http://hl7.org/fhir/CapabilityStatement/terminology-server" in cs["instantiates"]
    assert "application/fhir+json" in cs["format"]
    assert cs["implementation"]["url"] == server.base
    features = _features(cs)
    version = features["http://hl7.org/fhir/uv/tx-tests/FeatureDefinition/test-version"]
    assert tuple(int(p) for p in str(version).split(".")) >= (1, 6, 0)
    assert features["http://hl7.org/fhir/uv/tx-ecosystem/FeatureDefinition/CodeSystemAsParameter"]
    rest = cs["rest"][0]
    resources = {r["type"]: r for r in rest["resource"]}
    assert set(resources) == {
        "CodeSystem",
        "ValueSet",
        "ConceptMap",
        "ServiceRequest",
        "Claim",
        "Bundle",
    }
    assert {op["name"]: op["definition"] for op in resources["CodeSystem"]["operation"]} == {
        "lookup": "http://hl7.org/fhir/OperationDefinition/CodeSystem-lookup",
        "validate-code": "http://hl7.org/fhir/OperationDefinition/CodeSystem-validate-code",
        "subsumes": "http://hl7.org/fhir/OperationDefinition/CodeSystem-subsumes",
        "batch-validate-code": f"{BATCH_DEFINITIONS}/CodeSystem-batch-validate-code",
    }
    for checked in ("ServiceRequest", "Claim", "Bundle"):
        (operation,) = resources.pop(checked)["operation"]
        assert operation == {
            "name": "validate",
            "definition": "http://hl7.org/fhir/OperationDefinition/Resource-validate",
        }
    for resource in resources.values():
        assert {i["code"] for i in resource["interaction"]} == {"read", "search-type"}
        assert {p["name"] for p in resource["searchParam"]} >= {
            "url",
            "version",
            "name",
            "title",
            "status",
        }
    assert {op["name"] for op in rest["operation"]} == {"versions"}
    for rtype in ("CodeSystem", "ValueSet"):
        assert {
            "name": "batch-validate-code",
            "definition": f"{PROJECT_BASE}/OperationDefinition/{rtype}-batch-validate-code",
        } in resources[rtype]["operation"]
    # $closure is not offered: not listed anywhere, and said so in words.
    listed = [op["name"] for r in rest["resource"] for op in r.get("operation", [])]
    assert "closure" not in listed + [op["name"] for op in rest["operation"]]
    assert "Not supported: $closure" in rest["documentation"]


def test_terminology_capabilities_list_every_system_and_version(server: RunningServer) -> None:
    r = server.get("/metadata", params={"mode": "terminology"})
    assert r.status_code == 200
    tc = r.json()
    assert tc["resourceType"] == "TerminologyCapabilities"
    assert "closure" not in tc  # no $closure (see the CapabilityStatement's documentation)
    listed = {c["uri"]: [v.get("code") for v in c["version"]] for c in tc["codeSystem"]}
    assert set(listed) >= {CPT, HCPCS, ICD10CM, LOINC, SNOMED, RADLEX}
    expected: dict[str, set[str]] = {}
    for path in Path(CONTENT_DIR).glob("CodeSystem-*.json"):
        resource = json.loads(path.read_text())
        expected.setdefault(resource["url"], set()).add(resource["version"])
    # ICD-10-CM is loaded from the CDC's tabular files (valuesets/sources), one per fiscal year.
    expected[ICD10CM] = {"2025", "2026"}
    if os.environ.get(SNOMED_RELEASES_ENV):  # test_snomed_chest.py: its releases are listed too
        expected[SNOMED] |= {
            "http://snomed.info/sct/731000124108/version/20250301",
            "http://snomed.info/sct/731000124108/version/20250901",
        }
    assert {uri: set(v) for uri, v in listed.items()} == expected
    assert listed[CPT][0] == "2026"
    cpt = next(c for c in tc["codeSystem"] if c["uri"] == CPT)
    assert [v["isDefault"] for v in cpt["version"]].count(True) == 1
    assert cpt["extension"][0]["valueCode"] == "fragment"
    # $subsumes answers for every code system we hold (none has a grouped-by hierarchy).
    assert all(c["subsumption"] is True for c in tc["codeSystem"])


def test_versions(server: RunningServer) -> None:
    r = server.get("/$versions")
    assert r.status_code == 200
    params = [(p["name"], p["valueCode"]) for p in r.json()["parameter"]]
    assert params == [("version", "4.0"), ("version", "5.0"), ("default", "4.0")]


def test_encoded_dollar_reaches_the_operation(server: RunningServer) -> None:
    r = server.get("/%24versions")
    assert r.status_code == 200
