"""Why a resource check reports an issue: one code per reason, published as the CodeSystem
``validation-reason`` so a claim scrubber can key on the reason without parsing text.

This module is plain data (the content generator imports it to publish the CodeSystem).
"""

from __future__ import annotations

#: code -> (display, definition)
REASONS: dict[str, tuple[str, str]] = {
    "structure": (
        "Not valid FHIR R4",
        "The element breaks the R4 structure: an unknown element, a wrong type, a missing "
        "required element or a malformed value.",
    ),
    "required-code": (
        "Code outside a required FHIR code list",
        "A code element bound by FHIR itself (status, intent, use) holds a code the list lacks.",
    ),
    "code-unknown": (
        "Unknown code",
        "The code is not defined by its code system in the version in force on the date of "
        "service.",
    ),
    "code-deleted": (
        "Deleted code",
        "The code was deleted before the date of service; the text names its replacement.",
    ),
    "code-not-yet-valid": (
        "Code not yet valid",
        "The code came into force after the date of service.",
    ),
    "system-unknown": (
        "Code system not held",
        "The coding's code system (or the version the date of service needs) is not held by "
        "this server, so the code could not be checked.",
    ),
    "not-in-bound-valueset": (
        "Not in the required value set",
        "No coding of the element is in the value set its required binding names.",
    ),
    "outside-extensible-valueset": (
        "Outside the extensible value set",
        "No coding of the element is in the value set its extensible binding names; another "
        "code is allowed only when none of the set fits.",
    ),
    "outside-preferred-valueset": (
        "Outside the preferred value set",
        "No coding of the element is in the value set its preferred binding names.",
    ),
    "display-mismatch": (
        "Display does not match",
        "The coding's display is not one the code system gives the code.",
    ),
    "dx-not-billable": (
        "Diagnosis not billable",
        "The ICD-10-CM code is a category or subcategory header on the date of service; a "
        "billable code below it must be reported.",
    ),
    "dx-pointer-missing": (
        "Diagnosis pointer to nothing",
        "A line's diagnosisSequence names a sequence no diagnosis of the claim has.",
    ),
    "dx-pointer-absent": (
        "Imaging line without a diagnosis",
        "An imaging line points at no diagnosis, so nothing on the claim supports it.",
    ),
    "modifier-conflict": (
        "Conflicting modifiers",
        "Two modifiers on one line contradict each other (26 with TC; 59 with XE, XS, XP or XU).",
    ),
    "modifier-not-allowed": (
        "Modifier not allowed on a chest-imaging line",
        "The modifier is not in the chest-imaging claim modifiers value set.",
    ),
    "ncd-screening-diagnosis": (
        "Screening without a qualifying diagnosis (NCD 210.14)",
        "A lung-cancer screening line (71271, G0297, G0296) points at no qualifying diagnosis "
        "(Z87.891, F17.210-F17.219).",
    ),
    "ncd-screening-age": (
        "Outside the screening age (NCD 210.14)",
        "The patient is outside the covered age on the date of service: 50-77 from 2022-02-10, "
        "55-77 before.",
    ),
    "ncd-screening-age-unchecked": (
        "Screening age could not be checked (NCD 210.14)",
        "The Patient's birthDate (or the date of service) is not in the request, so the age "
        "rule could not run.",
    ),
    "ncd-screening-symptomatic": (
        "Screening for signs or findings (NCD 210.14)",
        "A screening CT reported for symptoms or findings (cough, haemoptysis, a nodule) is "
        "probably a diagnostic chest CT.",
    ),
    "ncci-ptp": (
        "NCCI procedure-to-procedure edit",
        "Two lines on one date of service form a Medicare NCCI procedure-to-procedure edit: "
        "the column 2 service is included in, or exclusive of, the column 1 service.",
    ),
    "ncci-mue": (
        "NCCI medically unlikely edit",
        "More units of a code than Medicare's medically unlikely edit allows on a line or on a "
        "date of service.",
    ),
    "ncci-table-missing": (
        "NCCI table not loaded",
        "The claim's setting (professional: practitioner tables; institutional: outpatient "
        "hospital tables) has no NCCI table loaded, so those edits were not checked.",
    ),
    "ncd-screening-frequency": (
        "Screening more than once a year (NCD 210.14)",
        "Two screening CTs on one claim less than 11 full months apart: NCD 210.14 covers one "
        "a year.",
    ),
    "ncd-screening-counselling": (
        "Counselling visit after the screen (NCD 210.14)",
        "The claim's counselling and shared decision-making visit (G0296) is dated after its "
        "screening CT; before a first screen the visit must come first.",
    ),
    "order-billing-code": (
        "The CPT code that bills the order",
        "An order coded in LOINC, SNOMED CT or RadLex is billed with the CPT code(s) our "
        "ConceptMaps map it to (read backwards), named with the maps' equivalence.",
    ),
    "claim-line-not-ordered": (
        "Claim line not what was ordered",
        "A chest-imaging line bills a CPT code that none of its orders (Claim.item.request, "
        "Claim.referral, or the ServiceRequests in the Bundle) maps to.",
    ),
    "date-of-service-missing": (
        "No date of service",
        "Neither the element's own date nor a fallback date is given, so the code set in force "
        "could not be chosen; the newest loaded version was used.",
    ),
    "reference-unresolved": (
        "Reference not resolved",
        "A reference a rule needs points at nothing in the Bundle or the contained resources, "
        "so the rule could not run.",
    ),
}
