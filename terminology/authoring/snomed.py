"""SNOMED CT chest-imaging procedures (reference §4), as strings.

Displays are our own descriptions, not SNOMED CT terms (display-not-official). Excluded:
169070004 (CT of abdomen, mislabelled "CT of chest" in one IG) and 71388002 Procedure (the
procedure root). Two concepts describe an order rather than a procedure: 363679005 Imaging (the
ServiceRequest category US Core uses, reference §4) and 51185008 Thoracic structure (the body
site of a chest exam; its id and meaning as FHIR IGs use it, e.g. a Swiss ServiceRequest
example "Thoracic structure (body structure)").
"""

from __future__ import annotations

from terminology.authoring.common import SNOMED_COPYRIGHT, SNOMED_OWN_WORDS
from terminology.authoring.fhir import Resource, code_system, concept, prop
from terminology.uris import SNOMED

# The US Edition module URI (reference §4, §7a). US releases up to .../version/20260301 are
# referenced publicly, but nobody checked that these concepts are active in that release, so
# the version names the edition only.
VERSION = "http://snomed.info/sct/731000124108"

# Still unverified: the only source with this concept is the Belgian eHealth value set
# be-vs-diagnostic-imaging-procedure, whose 17-digit ids are float-truncated.
MRI_WO_RECONSTRUCTED = (
    "SCTID reconstructed: the only source seen truncates it to 16334561000119100; "
    "16334561000119101 is the only nearby id that passes the partition and Verhoeff checks, "
    "but no source shows the full id."
)

#: (sctid, our description, modality, contrast or None, unverified note or None)
CONCEPTS: tuple[tuple[str, str, str, str | None, str | None], ...] = (
    ("399208008", "Plain X-ray of chest", "XR", None, None),
    # Issue 16: rib, sternum and sternoclavicular joint radiographs, from the Belgian eHealth
    # value set be-vs-diagnostic-imaging-procedure (FSNs "Plain X-ray of bone structure of rib",
    # "... of sternum", "... of sternoclavicular joint"); these 10-digit ids are not affected by
    # its truncation of 17-digit ids, and each passes the partition and Verhoeff checks.
    ("1251531008", "Plain X-ray of ribs", "XR", None, None),
    ("1295209004", "Plain X-ray of sternum", "XR", None, None),
    ("1290587001", "Plain X-ray of sternoclavicular joint", "XR", None, None),
    ("169069000", "CT of chest", "CT", None, None),
    ("395081000119108", "CT of chest without contrast", "CT", "none", None),
    ("75385009", "CT of thorax with contrast", "CT", "with", None),
    ("16334891000119106", "Low-dose CT of chest without contrast", "CT", "none", None),
    # 16335031000119103 was reconstructed in the reference; our verification found the full id
    # with this meaning in Synthea-derived public data (secondary source), so it is no longer
    # flagged.
    ("16335031000119103", "High-resolution CT of chest without contrast", "CT", "none", None),
    ("411251000119104", "CT angiography of chest with contrast", "CTA", "with", None),
    ("16332841000119106", "CT angiography of pulmonary artery with contrast", "CTA", "with",
     None),
    ("444970007", "CT angiography of thoracic aorta with contrast", "CTA", "with", None),
    ("6007000", "MRI of chest", "MR", None, None),
    ("16334561000119101", "MRI of chest without contrast", "MR", "none",
     MRI_WO_RECONSTRUCTED),
    ("432815006", "MRI of chest with contrast", "MR", "with", None),
    ("702682005", "MR angiography of chest", "MRA", None, None),
    ("711498001", "MR angiography of chest vessels with contrast", "MRA", "with", None),
)

#: (sctid, our description) of the concepts that describe an order: its category, body site.
ORDER_CONTEXT: tuple[tuple[str, str], ...] = (
    ("363679005", "Imaging procedure"),
    ("51185008", "Thoracic structure"),
)
IMAGING_CATEGORY = "363679005"
THORAX = "51185008"

DISPLAYS: dict[str, str] = {c[0]: c[1] for c in CONCEPTS} | dict(ORDER_CONTEXT)
NOTES: dict[str, str] = {c[0]: c[4] for c in CONCEPTS if c[4]}


def _concept(
    sctid: str, display: str, modality: str, contrast: str | None, note: str | None
) -> Resource:
    props = [prop("modality", modality)]
    if contrast:
        props.append(prop("contrast", contrast))
    return concept(sctid, display, props, note=note)


def build() -> list[Resource]:
    return [
        code_system(
            resource_id="snomedct-us",
            url=SNOMED,
            version=VERSION,
            name="SNOMEDCTUSChestImaging",
            title="SNOMED CT US Edition — chest imaging procedures fragment",
            description=(
                "SNOMED CT procedure concepts for chest radiography, CT, CTA, MRI and MRA, and "
                "the category (Imaging) and body site (thoracic structure) of a chest-imaging "
                "order. Ids containing 1000119 are US Extension concepts, so the version is the "
                "US Edition. "
                "A fragment without SNOMED CT hierarchy (is-a relations were not verified), with "
                "our own descriptions."
            ),
            copyright_text=f"{SNOMED_COPYRIGHT} {SNOMED_OWN_WORDS}",
            concepts=[_concept(*c) for c in CONCEPTS]
            + [concept(sctid, display, []) for sctid, display in ORDER_CONTEXT],
            algorithm="natural",
            display_not_official=True,
        )
    ]
