"""RadLex Playbook procedure codes (RPIDs) for chest imaging, reference §3.

Displays are the Core Playbook LONG_NAME values, read from the JP Core copy of the RSNA Core
Playbook (reference S48: jami-fhir-jp-wg/jp-core-v1x JP_ImagingStudy_RadLexPlaybook_CoreDev_CS
.fsh @b5b8cbf, comment column "RPID:LONG_NAME:MODALITY:BODY_REGION"). The §3b RIDs are not
included: no value set or map uses them.
"""

from __future__ import annotations

from terminology.authoring.common import RADLEX_COPYRIGHT
from terminology.authoring.fhir import Resource, code_system, concept, prop
from terminology.uris import RADLEX

# THO's RadLex CodeSystem (HL7/UTG cs-RadLex.xml) says "As of RadLex Playbook version 2.5";
# which Playbook release the JP Core copy (dated 2024-12-27) was taken from is not stated.
VERSION = "2.5"

#: (RPID, Core Playbook long name, modality ("XR+RF" = both), contrast or None). The modality
#: is the Playbook's MODALITY column (CT for RPID6 "CT Chest Angio", as S48 gives it;
#: angiography is a modality modifier there), as ``terminology load radlex`` reads it.
PLAYBOOK: tuple[tuple[str, str, str, str | None], ...] = (
    ("RPID2502", "XR Chest 1 View", "XR", None),
    ("RPID6035", "XR Chest 1 View Posteroanterior", "XR", None),
    ("RPID2503", "XR Chest 2 Views", "XR", None),
    ("RPID6045", "XR Chest 2 Views With Apical Lordotic", "XR", None),
    ("RPID2504", "XR Chest 4+ Views", "XR", None),
    # Chest fluoroscopy: listed for completeness, in no value set (see loinc.py).
    ("RPID6168", "FL Chest", "RF", None),
    ("RPID2560", "XR Ribs 2 Views Unilateral", "XR", None),
    # RPID6049, RPID6059, RPID6075, RPID6076: the same JP Core copy (S48), rows read for
    # issue 16 (ribs with a chest view; chest views with fluoroscopy, modality XR&RF).
    ("RPID6049", "XR Ribs 2 Views Unilateral with Chest Anteroposterior", "XR", None),
    ("RPID6059", "XR Ribs 3+ Views Bilateral with Chest Posteroanterior", "XR", None),
    ("RPID6075", "FL/XR Chest 2 Views With Fluoro", "XR+RF", None),
    ("RPID6076", "FL/XR Chest 4+ Views With Fluoro", "XR+RF", None),
    ("RPID2712", "XR Ribs 3 Views Bilateral", "XR", None),
    ("RPID6039", "XR Sternum 2+ Views", "XR", None),
    ("RPID6057", "XR Sternoclavicular Joints 3+ Views", "XR", None),
    ("RPID16", "CT Chest wo IV Contrast", "CT", "none"),
    ("RPID18", "CT Chest w IV Contrast", "CT", "with"),
    ("RPID17", "CT Chest w and wo IV Contrast", "CT", "without-then-with"),
    ("RPID6002", "CT Chest wo IV Contrast Screening", "CT", "none"),
    ("RPID6", "CT Chest Angio w and wo IV Contrast", "CT", "without-then-with"),
    ("RPID147", "CT Chest w IV Contrast Pulmonary Embolus", "CT", "with"),
    ("RPID489", "MR Chest wo IV Contrast", "MR", "none"),
    ("RPID491", "MR Chest w IV Contrast", "MR", "with"),
    ("RPID490", "MR Chest w and wo IV Contrast", "MR", "without-then-with"),
    ("RPID557", "MR Chest Angio wo IV Contrast", "MR", "none"),
    ("RPID459", "MR Chest Angio w and wo IV Contrast", "MR", "without-then-with"),
)

DISPLAYS: dict[str, str] = {rpid: name for rpid, name, _, _ in PLAYBOOK}
FLUOROSCOPY = "RPID6168"


def _concept(rpid: str, name: str, modality: str, contrast: str | None) -> Resource:
    props = [prop("modality", m) for m in modality.split("+")]
    if contrast:
        props.append(prop("contrast", contrast))
    return concept(rpid, name, props)


def build() -> list[Resource]:
    return [
        code_system(
            resource_id="radlex-playbook",
            url=RADLEX,
            version=VERSION,
            name="RadLexPlaybookChestImaging",
            title="RadLex Playbook — chest imaging fragment",
            description=(
                "RSNA RadLex Playbook procedure codes (RPIDs) for chest radiography, "
                "fluoroscopy, CT, CTA, MR and MRA, with their Core Playbook long names. "
                "Unverified: the version label 2.5 is the Playbook version HL7's RadLex "
                "CodeSystem mentions; the Playbook release our codes were read from is not "
                "stated by its source."
            ),
            copyright_text=RADLEX_COPYRIGHT,
            concepts=[_concept(*p) for p in PLAYBOOK],
            algorithm="natural",
        )
    ]
