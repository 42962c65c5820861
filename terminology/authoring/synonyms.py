"""The words order-entry users search with, per CPT and HCPCS code (issue 16): our own
synonyms and abbreviations, never AMA or CMS descriptor text. They are published as
designations (use: SNOMED CT Synonym) so that ``$expand``'s ``filter`` finds a code by them:
"x-ray", "xray", "CXR", "chest film", "CT chest", "CAT scan", "CTA", "LDCT", "MRI chest".
"""

from __future__ import annotations

_CHEST_XR = ("Chest X-ray", "Chest xray", "CXR", "Chest film")


def _chest_xr(views: str) -> tuple[str, ...]:
    return tuple(f"{s}, {views}" for s in _CHEST_XR)


_CT_CHEST = ("CT chest", "Chest CT scan", "CAT scan of chest")
_MRI_CHEST = ("MRI chest", "Chest MRI", "MR chest")

SYNONYMS: dict[str, tuple[str, ...]] = {
    # Chest radiographs, current (2018-) and deleted (-2017).
    "71045": _chest_xr("1 view"),
    "71046": _chest_xr("2 views"),
    "71047": _chest_xr("3 views"),
    "71048": _chest_xr("4 or more views"),
    "71010": _chest_xr("single frontal view"),
    "71015": _chest_xr("stereo frontal"),
    "71020": _chest_xr("frontal and lateral"),
    "71021": _chest_xr("with apical lordotic view"),
    "71022": _chest_xr("with oblique views"),
    "71023": _chest_xr("with fluoroscopy"),
    "71030": _chest_xr("complete, 4 or more views"),
    "71034": _chest_xr("complete, with fluoroscopy"),
    "71035": _chest_xr("special views"),
    # Ribs, sternum, sternoclavicular joints.
    "71100": ("Rib X-ray, one side", "Ribs xray, unilateral"),
    "71101": ("Rib X-ray, one side, with chest view", "Ribs xray and CXR, unilateral"),
    "71110": ("Rib X-ray, both sides", "Ribs xray, bilateral", "Rib film, both sides"),
    "71111": ("Rib X-ray, both sides, with chest view", "Ribs xray and CXR, bilateral"),
    "71120": ("Sternum X-ray", "Sternum xray", "Sternal film"),
    "71130": ("Sternoclavicular joint X-ray", "SC joint xray", "SC joint film"),
    # CT.
    "71250": (*_CT_CHEST, "CT chest without contrast", "Non-contrast CT chest"),
    "71260": (*_CT_CHEST, "CT chest with contrast", "Contrast CT chest"),
    "71270": (*_CT_CHEST, "CT chest without and with contrast"),
    "71271": (
        "LDCT",
        "LDCT lung cancer screening",
        "Low-dose CT chest",
        "Lung cancer screening CT",
        "Screening CAT scan of chest",
    ),
    "71275": ("CTA chest", "CT angiogram of chest", "CT angiography chest", "CTA thorax"),
    # MR.
    "71550": (*_MRI_CHEST, "MRI chest without contrast"),
    "71551": (*_MRI_CHEST, "MRI chest with contrast"),
    "71552": (*_MRI_CHEST, "MRI chest without and with contrast"),
    "71555": ("MRA chest", "MR angiogram of chest", "MR angiography chest"),
    # HCPCS Level II.
    "G0297": ("LDCT", "LDCT lung cancer screening (Medicare, 2015-2020)", "Low-dose CT chest"),
    "G0296": (
        "Lung cancer screening counselling visit",
        "Shared decision-making visit for lung cancer screening",
    ),
}
