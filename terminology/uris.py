"""Canonical URIs the server reads or writes, and the content generator writes, in one place:
every URI has one declaration here (extensions: valuesets/README.md "Conventions the server
relies on")."""

from __future__ import annotations

#: Base of the project's own canonical resources (ValueSets, ConceptMaps, extensions).
PROJECT_BASE = "https://chest-imaging-terminology.org/fhir"

EXT_UNVERIFIED = f"{PROJECT_BASE}/StructureDefinition/unverified"
#: Our CodeSystem of the reasons ``$validate`` of an order or claim gives.
VALIDATION_REASON = f"{PROJECT_BASE}/CodeSystem/validation-reason"
EXT_DISPLAY_NOT_OFFICIAL = f"{PROJECT_BASE}/StructureDefinition/display-not-official"
EXT_COMPLETE_RANGE = f"{PROJECT_BASE}/StructureDefinition/complete-code-range"
EXT_EFFECTIVE_PERIOD = (
    "http://hl7.org/fhir/5.0/StructureDefinition/extension-CodeSystem.effectivePeriod"
)
EXT_VERSION_ALGORITHM = "http://hl7.org/fhir/StructureDefinition/artifact-versionAlgorithm"
EXT_VERSION_ALGORITHM_R5 = (
    "http://hl7.org/fhir/5.0/StructureDefinition/extension-CanonicalResource.versionAlgorithm"
)
EXT_TC_CONTENT = "http://hl7.org/fhir/5.0/StructureDefinition/extension-TerminologyCapabilities.codeSystem.content"
EXT_FEATURE = "http://hl7.org/fhir/uv/application-feature/StructureDefinition/feature"
EXT_STANDARDS_STATUS = (
    "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status"
)

#: FHIR's standard concept properties (``parent``, ``status``, ...).
CONCEPT_PROPERTIES = "http://hl7.org/fhir/concept-properties"
#: The project's own concept properties (``modality``, ``contrast``, ...).
PROJECT_CONCEPT_PROPERTY = f"{PROJECT_BASE}/concept-property"
VERSION_ALGORITHM_SYSTEM = "http://hl7.org/fhir/version-algorithm"
#: HL7 terminology maintenance codes (designation use ``preferredForLanguage``).
TERM_MAINT_INFRA = "http://terminology.hl7.org/CodeSystem/hl7TermMaintInfra"

TX_ISSUE_TYPE = "http://hl7.org/fhir/tools/CodeSystem/tx-issue-type"
#: The extension naming an OperationOutcome issue's message id (tx.fhir.org's message ids).
MESSAGE_ID = "http://hl7.org/fhir/StructureDefinition/operationoutcome-message-id"
SUBSETTED_TAG = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue"

# External code systems keep their official URIs (valuesets/README.md).
CPT = "http://www.ama-assn.org/go/cpt"
HCPCS = "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
HCPCS_HTTPS = "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
RADLEX = "http://radlex.org"
EXT_VS_SUPPLEMENT = "http://hl7.org/fhir/StructureDefinition/valueset-supplement"
