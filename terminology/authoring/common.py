"""Constants shared by every generated resource: publisher, dates, the canonical URLs of our
resources and the copyright sentences of each terminology. System URIs, extension URLs and our
canonical base are the server's too: they live in ``terminology/uris.py``.

The date is fixed (not today's date) so that regenerating the content is byte-for-byte
reproducible and the "committed JSON equals generated JSON" test is meaningful.
"""

from __future__ import annotations

from terminology.uris import PROJECT_BASE

PUBLISHER = "Chest Imaging Terminology Project"
#: Fixed publication date of this content release (see module docstring).
DATE = "2026-11-29"
#: Version of our own ValueSets and ConceptMaps.
CONTENT_VERSION = "1.0.0"


def url_for(resource_type: str, resource_id: str) -> str:
    """Canonical URL of one of our own resources."""
    return f"{PROJECT_BASE}/{resource_type}/{resource_id}"


# --- Copyright sentences --------------------------------------------------------------------

def cpt_copyright(years: str) -> str:
    """The AMA sentence HL7 THO prescribes for CPT content (HL7/UTG input/pagecontent/CPT.xml,
    https://build.fhir.org/ig/HL7/UTG/CPT.html), with the year adjusted to the release(s)."""
    return (
        f"CPT © Copyright {years} American Medical Association. All rights reserved. "
        "AMA and CPT are registered trademarks of the American Medical Association."
    )


CPT_OWN_WORDS = (
    "The short descriptions in this resource are written by the Chest Imaging Terminology "
    "Project; they are not AMA CPT descriptors. Official descriptors require an AMA licence and "
    "are loaded with the CPT loader."
)

# The text US Core uses for HCPCS (HL7/US-Core valueset-us-core-procedure-code.yml); THO's
# HCPCS CodeSystem has no copyright element.
HCPCS_COPYRIGHT = (
    "HCPCS Level II codes are maintained by the US Centers for Medicare & Medicaid Services "
    "(CMS), a US government agency, and are available for public use."
)
HCPCS_OWN_WORDS = (
    "The short descriptions in this resource are written by the Chest Imaging Terminology "
    "Project; they are not the CMS long or short descriptors."
)

# US Core's ICD-10-CM sentence (valueset-us-core-condition-code.yml), preceded by who maintains
# the US modification.
ICD10CM_COPYRIGHT = (
    "ICD-10-CM is maintained by the National Center for Health Statistics (NCHS) of the US "
    "Centers for Disease Control and Prevention (CDC); as a US government adaptation it is free "
    "to use. ICD-9 and ICD-10 are copyrighted by the World Health Organization (WHO) which owns "
    "and publishes the classification. See https://www.who.int/classifications/icd/en. WHO has "
    "authorized the development of an adaptation of ICD-9 and ICD-10 to ICD-9-CM to ICD-10-CM "
    "for use in the United States for U.S. government purposes."
)

# Regenstrief's standard notice as HL7 expects it
# (https://www.hl7.org/fhir/us/core/STU9/qa-hta.html), with the year range brought up to date.
LOINC_COPYRIGHT = (
    "This material contains content from LOINC (http://loinc.org). LOINC is copyright © "
    "1995-2026, Regenstrief Institute, Inc. and the Logical Observation Identifiers Names and "
    "Codes (LOINC) Committee and is available at no cost under the license at "
    "http://loinc.org/license. LOINC® is a registered United States trademark of Regenstrief "
    "Institute, Inc."
)

# THO's SNOMED CT artefact sentence (HL7/UTG cs-v3-snomed-CT.xml). We use the
# artefact wording, not the "distributed by agreement between IHTSDO and HL7" one, because
# that agreement covers HL7's own specifications, not this project.
SNOMED_COPYRIGHT = (
    "This artefact includes content from SNOMED Clinical Terms (SNOMED CT) which is "
    "copyrighted material of the International Health Terminology Standards Development "
    "Organisation (IHTSDO). Where an implementation of this artefact makes use of SNOMED CT "
    "content, the implementer must have the appropriate SNOMED CT Affiliate license - for more "
    "information contact http://www.snomed.org/snomed-ct/get-snomed-ct or info@snomed.org"
)
SNOMED_OWN_WORDS = (
    "The descriptions in this resource are written by the Chest Imaging Terminology Project; "
    "they are not SNOMED CT descriptions."
)

# THO's RadLex statement (HL7/UTG cs-RadLex.xml), first and last paragraphs
# (the middle paragraphs repeat the licence grant), without the source's stray "#13;".
RADLEX_COPYRIGHT = (
    "Copyright 2014 – The Radiological Society of North America (RSNA), all rights reserved. "
    "Licensed under RadLex License Version 2.0. You may obtain a copy of the license at: "
    "http://www.rsna.org/radlexdownloads/ RadLex is licensed freely for commercial and "
    "non-commercial users. Review and download the license: "
    "http://www.rsna.org/uploadedFiles/RSNA/Content/Informatics/"
    "RadLex_License_Agreement_and_Terms_of_Use_V2_Final.pdf"
)
