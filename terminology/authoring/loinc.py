"""LOINC (LOINC/RSNA Radiology Playbook) chest-imaging terms, reference §3.

Displays are the LOINC Long Common Names as listed by Microsoft's Radiology Insights LOINC
appendix (reference S46, verified sec); the reference's parenthetical notes ("(contrast
unspecified)", "(fluoroscopy)") are ours and are not part of the names.
"""

from __future__ import annotations

from terminology.authoring.common import LOINC_COPYRIGHT
from terminology.authoring.fhir import Resource, code_system, concept, prop
from terminology.uris import LOINC

# 2.82 and 2.83 both exist; 2.83 is the newest release seen (public repositories reference
# Loinc_2.83.zip). Its release date was not found, so no effectivePeriod is given, and the
# description says the version is unverified.
VERSION = "2.83"

#: (code, long common name, modality, contrast or None when the name does not say). The modality
#: is the Playbook's Modality Type, as ``terminology load loinc`` reads it: CT and MR for the
#: angiography terms too (LOINC's method for them is CT.angio / MR.angio), so a value set's
#: ``modality = CT`` selects the same terms here as in a loaded release.
TERMS: tuple[tuple[str, str, str, str | None], ...] = (
    ("36554-4", "XR Chest Single view", "XR", None),
    ("36572-6", "XR Chest AP", "XR", None),
    ("24648-8", "XR Chest PA upright", "XR", None),
    ("30746-2", "Portable XR Chest Views", "XR", None),
    ("36643-5", "XR Chest 2 Views", "XR", None),
    ("24647-0", "XR Chest PA and Lateral upright", "XR", None),
    ("36298-8", "XR Chest 3 Views", "XR", None),
    ("36320-0", "XR Chest 4 Views", "XR", None),
    ("30745-4", "XR Chest Views", "XR", None),
    # Chest fluoroscopy: in the code system for completeness, in no value set (its CPT
    # counterpart 76000 is not region-specific and not in our CPT fragment).
    ("30631-6", "RF Chest Views", "RF", None),
    ("24899-7", "XR Ribs Views", "XR", None),
    ("36313-5", "XR Ribs - bilateral 3 Views", "XR", None),
    ("26151-1", "XR Ribs - bilateral Views", "XR", None),  # same appendix (S46), issue 16
    ("24994-6", "XR Sternum Views", "XR", None),
    ("24627-2", "CT Chest", "CT", None),
    ("29252-4", "CT Chest WO contrast", "CT", "none"),
    ("24628-0", "CT Chest W contrast IV", "CT", "with"),
    ("30598-7", "CT Chest WO and W contrast IV", "CT", "without-then-with"),
    ("36266-5", "CTA Chest vessels W contrast IV", "CT", "with"),
    # A public LOINC table reproducing the long common names (found by its text, repository
    # not named by the index) lists 30804-9 with this name, between 30803-1 and 30805-6.
    ("30804-9", "CTA Chest vessels WO and W contrast IV", "CT", "without-then-with"),
    ("36147-7", "CTA Pulmonary arteries W contrast IV", "CT", "with"),
    ("24629-8", "MR Chest", "MR", None),
    ("36442-2", "MR Chest WO contrast", "MR", "none"),
    ("36156-8", "MR Chest W contrast IV", "MR", "with"),
    ("36283-0", "MR Chest WO and W contrast IV", "MR", "without-then-with"),
    ("36547-8", "MRA Chest vessels WO contrast", "MR", "none"),
    ("24659-5", "MRA Chest vessels W contrast IV", "MR", "with"),
)

DISPLAYS: dict[str, str] = {code: name for code, name, _, _ in TERMS}
FLUOROSCOPY = "30631-6"


def _concept(code: str, name: str, modality: str, contrast: str | None) -> Resource:
    props = [prop("modality", modality)]
    if contrast:
        props.append(prop("contrast", contrast))
    return concept(code, name, props)


def build() -> list[Resource]:
    return [
        code_system(
            resource_id=f"loinc-{VERSION}",
            url=LOINC,
            version=VERSION,
            name="LOINCChestImaging",
            title=f"LOINC {VERSION} — chest imaging fragment",
            description=(
                "LOINC/RSNA Radiology Playbook terms for chest radiography, fluoroscopy, CT, "
                "CTA, MR and MRA, with their Long Common Names, and modality and contrast where "
                "the name states them. Unverified: the version label 2.83 is the newest LOINC "
                "release our research saw (its release date was not found), and the codes and "
                "names were taken from a secondary list, not checked against the 2.83 release "
                "files."
            ),
            copyright_text=LOINC_COPYRIGHT,
            concepts=[_concept(*t) for t in TERMS],
            algorithm="natural",
        )
    ]
