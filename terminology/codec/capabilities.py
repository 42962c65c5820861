"""The CapabilityStatement, TerminologyCapabilities and ``$versions`` bodies, built at start-up.

The HL7 Java validator refuses a terminology server whose CapabilityStatement lacks the two
feature extensions below, and routes a code system to a server only when its
TerminologyCapabilities lists that system and version.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from terminology.codec.r5 import R4, R5
from terminology.operations.expand_model import EXPAND_PARAMETERS
from terminology.uris import EXT_FEATURE, EXT_TC_CONTENT, PROJECT_BASE

#: Version of the HL7 terminology-ecosystem test suite whose cases this server is built to.
TX_TEST_VERSION = "1.9.3"
RELEASE_DATE = "2026-11-29"

_OPERATION_DEFS = "http://hl7.org/fhir/OperationDefinition"
#: How ``$expand``'s ``filter`` matches (TerminologyCapabilities.expansion.textFilter).
TEXT_FILTER = (
    "Case-insensitive. A code matches when every word of the filter starts a word of its "
    "display or of one of its designations, or when the filter starts the code itself. A "
    "filtered expansion of a whole code system is flat; filtered value sets keep their "
    "hierarchy."
)
SEARCH_PARAMS = [
    {"name": "_id", "type": "token"},
    {"name": "name", "type": "string"},
    {"name": "status", "type": "token"},
    {"name": "title", "type": "string"},
    {"name": "url", "type": "uri"},
    {"name": "version", "type": "token"},
]


@dataclass(frozen=True, slots=True)
class SystemEntry:
    uri: str
    versions: tuple[str | None, ...]  # newest first; the first is the default
    content: str
    #: Whether ``$subsumes`` answers for it (its hierarchy, if any, is one of subsumption).
    subsumption: bool = True


def _feature(definition: str, value: dict[str, Any]) -> dict[str, Any]:
    return {
        "url": EXT_FEATURE,
        "extension": [
            {"url": "definition", "valueCanonical": definition},
            {"url": "value", **value},
        ],
    }


#: ``$batch-validate-code`` is tx.fhir.org's, not core FHIR's, and HL7 publishes no
#: OperationDefinition of it (tx.fhir.org's CapabilityStatement does not list it); ours are in
#: ``conformance/``.
BATCH_VALIDATE = "batch-validate-code"
_OUR_OPERATION_DEFS = f"{PROJECT_BASE}/OperationDefinition"
#: Operations the server does not offer, said where a client reading the CapabilityStatement
#: looks (an operation is offered exactly when it is listed; R4 has no element for "not").
REST_DOCUMENTATION = (
    "Terminology operations: CodeSystem $lookup, $validate-code and $batch-validate-code; "
    "ValueSet $expand, $validate-code and $batch-validate-code; ConceptMap $translate; $validate "
    "of ServiceRequest, Claim and Bundle; batch Bundles at the base. Not supported: $closure "
    "(this server keeps no closure tables; a request for it is answered 404)."
)


def _definitions(operation: str) -> str:
    return _OUR_OPERATION_DEFS if operation == BATCH_VALIDATE else _OPERATION_DEFS


def _resource(rtype: str, operations: Sequence[str]) -> dict[str, Any]:
    """A stored type, its read and search, and its ``operations`` (core FHIR's definitions,
    but ``$batch-validate-code``'s, which are ours)."""
    return {
        "type": rtype,
        "interaction": [{"code": "read"}, {"code": "search-type"}],
        "searchParam": SEARCH_PARAMS,
        "operation": [
            {"name": name, "definition": f"{_definitions(name)}/{rtype}-{name}"}
            for name in operations
        ],
    }


def _validate_only(rtype: str, profile: str | None) -> dict[str, Any]:
    """A type we do not store but validate (``$validate``), against our profile of it."""
    out: dict[str, Any] = {"type": rtype}
    if profile:
        out["profile"] = profile
    out["operation"] = [
        {
            "name": "validate",
            "definition": "http://hl7.org/fhir/OperationDefinition/Resource-validate",
        }
    ]
    return out


#: The interactions a server with writes enabled adds to each of its resource types.
WRITE_INTERACTIONS = ("create", "update", "delete")


def _security(cors: bool, writes: bool, reads_open: bool) -> dict[str, Any]:
    """``rest.security``. No ``service`` coding: restful-security-service has OAuth and
    SMART-on-FHIR, which would send clients looking for an authorization server; these are
    static bearer tokens the operator hands out, so ``description`` says how to use them."""
    if not writes and reads_open:
        text = "No authentication; read-only content."
    else:
        reads = (
            "Reads are open"
            if reads_open
            else "Every request but GET [base]/metadata needs a read or write token"
        )
        text = (
            "Bearer tokens configured by the operator: send 'Authorization: Bearer <token>'. "
            f"{reads}; "
            + (
                "create, update (also conditional, by url and version) and delete of "
                "CodeSystem, ValueSet and ConceptMap need a write token. Built-in and loaded "
                "content is read-only (403). If-Match takes a read's ETag."
                if writes
                else "the content is read-only."
            )
        )
    return {"cors": cors, "description": text}


def capability_statement(
    base_url: str,
    software_version: str,
    *,
    cors: bool = True,
    writes: bool = False,
    reads_open: bool = True,
) -> dict[str, Any]:
    """``cors``: whether browser apps may call the server (CORS headers are sent); ``writes``:
    whether REST writes are enabled (a write token is configured); ``reads_open``: whether
    reads need no token."""
    statement = _capability_statement(base_url, software_version, cors)
    rest = statement["rest"][0]
    rest["security"] = _security(cors, writes, reads_open)
    if writes:
        for resource in rest["resource"]:
            if resource["type"] in ("CodeSystem", "ValueSet", "ConceptMap"):
                resource["interaction"] = [
                    *resource.get("interaction", []),
                    *({"code": code} for code in WRITE_INTERACTIONS),
                ]
                resource.update(
                    versioning="versioned",
                    readHistory=False,
                    updateCreate=True,
                    conditionalCreate=True,
                    conditionalUpdate=True,
                    conditionalDelete="not-supported",
                )
    return statement


def _capability_statement(base_url: str, software_version: str, cors: bool) -> dict[str, Any]:
    return {
        "resourceType": "CapabilityStatement",
        "id": "terminology-server",
        "extension": [
            _feature(
                "http://hl7.org/fhir/uv/tx-tests/FeatureDefinition/test-version",
                {"valueCode": TX_TEST_VERSION},
            ),
            _feature(
                "http://hl7.org/fhir/uv/tx-ecosystem/FeatureDefinition/CodeSystemAsParameter",
                {"valueBoolean": True},
            ),
        ],
        "url": f"{PROJECT_BASE}/CapabilityStatement/terminology-server",
        "version": software_version,
        "name": "ChestImagingTerminologyServer",
        "title": "Chest Imaging Terminology Server",
        "status": "active",
        "experimental": False,
        "date": RELEASE_DATE,
        "publisher": "Chest Imaging Terminology Project",
        "description": "FHIR terminology server (R4 at [base], R5 at [base]/r5) for chest-imaging "
        "procedure codes (CPT, HCPCS, LOINC, SNOMED CT, RadLex) and the ICD-10-CM diagnoses that "
        "justify them.",
        "kind": "instance",
        "instantiates": ["http://hl7.org/fhir/CapabilityStatement/terminology-server"],
        "software": {
            "name": "chest-imaging-terminology",
            "version": software_version,
            "releaseDate": RELEASE_DATE,
        },
        "implementation": {"description": "Chest Imaging Terminology Server", "url": base_url},
        "fhirVersion": "4.0.1",
        "format": [
            "application/fhir+json",
            "application/json",
            "application/fhir+xml",
            "application/xml",
        ],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "cors": cors,
                    "description": "No authentication; read-only content.",
                },
                "documentation": REST_DOCUMENTATION,
                "resource": [
                    _resource(
                        "CodeSystem", ["lookup", "validate-code", "subsumes", BATCH_VALIDATE]
                    ),
                    _resource("ConceptMap", ["translate"]),
                    _resource("ValueSet", ["expand", "validate-code", BATCH_VALIDATE]),
                    _validate_only("Bundle", None),
                    _validate_only(
                        "Claim", f"{PROJECT_BASE}/StructureDefinition/chest-imaging-claim"
                    ),
                    _validate_only(
                        "ServiceRequest",
                        f"{PROJECT_BASE}/StructureDefinition/chest-imaging-servicerequest",
                    ),
                ],
                "interaction": [{"code": "batch"}],
                "operation": [
                    {
                        "name": "versions",
                        "definition": f"{_OPERATION_DEFS}/CapabilityStatement-versions",
                    }
                ],
            }
        ],
    }


def terminology_capabilities(
    systems: Sequence[SystemEntry], software_version: str
) -> dict[str, Any]:
    code_systems = []
    for entry in systems:
        versions = []
        for i, version in enumerate(entry.versions):
            item: dict[str, Any] = {"isDefault": i == 0}
            if version is not None:
                item = {"code": version, **item}
            versions.append(item)
        code_systems.append(
            {
                "extension": [{"url": EXT_TC_CONTENT, "valueCode": entry.content}],
                "uri": entry.uri,
                "version": versions,
                "subsumption": entry.subsumption,
            }
        )
    return {
        "resourceType": "TerminologyCapabilities",
        "id": "terminology-server",
        "url": f"{PROJECT_BASE}/TerminologyCapabilities/terminology-server",
        "version": software_version,
        "name": "ChestImagingTerminologyServer",
        "title": "Chest Imaging Terminology Server",
        "status": "active",
        "experimental": False,
        "date": RELEASE_DATE,
        "publisher": "Chest Imaging Terminology Project",
        "kind": "instance",
        "software": {"name": "chest-imaging-terminology", "version": software_version},
        "codeSystem": code_systems,
        "expansion": {
            "hierarchical": True,
            "paging": True,
            "incomplete": False,
            "parameter": [{"name": name} for name in EXPAND_PARAMETERS],
            "textFilter": TEXT_FILTER,
        },
        "codeSearch": "explicit",
        # $translate finds the maps that apply when the client names none.
        "translation": {"needsMap": False},
    }


def versions_parameters(default: str) -> dict[str, Any]:
    """``$versions``: both FHIR versions served, and the one the base asked answers in."""
    return {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "version", "valueCode": R4},
            {"name": "version", "valueCode": R5},
            {"name": "default", "valueCode": default},
        ],
    }
