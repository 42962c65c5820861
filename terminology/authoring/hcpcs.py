"""HCPCS Level II codes and modifiers used with chest imaging (reference §1c, §2), one
CodeSystem per calendar year 2017..2026.

Descriptions are our own short wording (CMS text is public, but we do not hold the CMS file),
so these CodeSystems carry the display-not-official flag too.
"""

from __future__ import annotations

from dataclasses import dataclass

from terminology.authoring.common import HCPCS_COPYRIGHT, HCPCS_OWN_WORDS
from terminology.authoring.cpt import THORAX_REGION
from terminology.authoring.fhir import Resource, code_system, concept, prop
from terminology.authoring.synonyms import SYNONYMS
from terminology.uris import CPT, HCPCS

YEARS = range(2017, 2027)


@dataclass(frozen=True)
class HcpcsCode:
    code: str
    display: str
    modifier: bool
    effective: str | None = None  # None = start date not known; in force in every year we ship
    end: str | None = None
    modality: str | None = None
    contrast: str | None = None
    purpose: str | None = None
    replaced_by_cpt: str | None = None
    chest: bool = False  # an imaging procedure of the chest: carries the body region
    note: str | None = None  # unverified flag on the concept


# Q9965-Q9967: descriptor wording "Low osmolar contrast material, 200-299 [300-399] mg/ml
# iodine concentration, per ml" from https://pabau.com/?p=136792 (Q9966, naming Q9965 and Q9967
# as its family) and https://webhooks.codingahead.com/hcpcs/codes/Q9967 (secondary sources).
_LOCM_UNCONFIRMED = (
    "Seen only in secondary sources; the HCPCS add date and the years the code is in force "
    "were not checked, so its presence in every version from 2017 to 2026 is assumed."
)
_LOCM_BAND_INFERRED = (
    _LOCM_UNCONFIRMED + " The 100-199 mg/mL band is inferred from the pattern of Q9966 and "
    "Q9967; no source showing Q9965's own descriptor was found."
)

CODES: tuple[HcpcsCode, ...] = (
    # No HCPCS add date was found for G0296 (only the NCD 210.14 coverage date, 2015-02-05), so
    # none is given; it has been in force in every year we ship.
    HcpcsCode("G0296",
              "Counseling and shared decision-making visit about lung-cancer screening with "
              "low-dose CT", modifier=False),
    # Added 2015-02-05, terminated 2020-12-31, replaced by CPT 71271 from 2021-01-01:
    # https://hcpcs.codes/g-codes-amp/G0297-amp/ ; Noridian "deleted after 12/31/2020"
    # https://med.noridianmedicare.com/es/web/jfa/topics/preventive-services/lung-cancer-screening
    HcpcsCode("G0297", "Low-dose CT for lung-cancer screening (Medicare code 2015–2020)",
              modifier=False, effective="2015-02-05", end="2020-12-31", modality="CT",
              contrast="none", purpose="screening", replaced_by_cpt="71271", chest=True),
    HcpcsCode("Q9965", "Low-osmolar iodinated contrast, 100-199 mg iodine per mL, per mL",
              modifier=False, note=_LOCM_BAND_INFERRED),
    HcpcsCode("Q9966", "Low-osmolar iodinated contrast, 200-299 mg iodine per mL, per mL",
              modifier=False, note=_LOCM_UNCONFIRMED),
    HcpcsCode("Q9967", "Low-osmolar iodinated contrast, 300-399 mg iodine per mL, per mL",
              modifier=False, note=_LOCM_UNCONFIRMED),
    # CT: on CT lines (CPT 71250-71275 among them) done on equipment that does not meet NEMA
    # XR-29-2013; claims from 2016-01-01 (CMS MLN Matters, as reported by
    # https://www.pgmbilling.com/blog/do-you-understand-the-new-modifier-ct-reporting-guidelines/
    # and http://amshealth.com/modifier-ct-new-reporting-guidelines/ ).
    HcpcsCode("CT",
              "CT done on equipment that does not meet the NEMA XR-29-2013 dose standard "
              "(reduced technical-component payment)", modifier=True, effective="2016-01-01"),
    # TC added 1984-01-01: https://www.emedcodes.com/HCPCS/TC.html ,
    # http://healthprovidersdata.com/hipaa/codes/HCPCS_TC.aspx
    HcpcsCode("TC",
              "Technical component only: equipment, staff and facility; no physician work",
              modifier=True, effective="1984-01-01"),
    # FX from 2017-01-01 (https://www.premera.com/wa/provider/news/company-updates/
    # x-ray-taken-using-film/), FY from 2018-01-01 (MM10188; https://www.palmettogba.com/
    # palmetto/rr.nsf/DID/AUHSLR2105).
    HcpcsCode("FX", "X-ray taken on film (reduced technical-component payment)", modifier=True,
              effective="2017-01-01"),
    HcpcsCode("FY",
              "X-ray taken by computed radiography (cassette) (reduced technical-component "
              "payment)", modifier=True, effective="2018-01-01"),
    # X{EPSU} from 2015-01-01, CR 8863:
    # https://www.aapc.com/blog/28014-cms-introduces-four-new-modifiers-in-lieu-of-modifier-59/
    HcpcsCode("XE", "Distinct service: separate encounter", modifier=True,
              effective="2015-01-01"),
    HcpcsCode("XP", "Distinct service: different practitioner", modifier=True,
              effective="2015-01-01"),
    HcpcsCode("XS", "Distinct service: separate organ or structure", modifier=True,
              effective="2015-01-01"),
    HcpcsCode("XU",
              "Distinct service: does not overlap the usual components of the main service",
              modifier=True, effective="2015-01-01"),
)

DISPLAYS: dict[str, str] = {c.code: c.display for c in CODES}
NOTES: dict[str, str] = {c.code: c.note for c in CODES if c.note}


def in_force(code: HcpcsCode, year: int) -> bool:
    return (code.effective is None or code.effective <= f"{year}-12-31") and (
        code.end is None or code.end >= f"{year}-01-01"
    )


def _concept(c: HcpcsCode) -> Resource:
    props = []
    if c.modality:
        props.append(prop("modality", c.modality))
    if c.contrast:
        props.append(prop("contrast", c.contrast))
    if c.purpose:
        props.append(prop("purpose", c.purpose))
    if c.effective:
        props.append(prop("effectiveDate", c.effective))
    if c.end:
        props.append(prop("endDate", c.end))
    props.append(prop("status", "active"))
    if c.replaced_by_cpt:
        # The replacement is a CPT (HCPCS Level I) code: replacedBySystem names its system.
        props.append(prop("replacedBy", c.replaced_by_cpt))
        props.append(prop("replacedBySystem", CPT))
    if c.chest:
        props.append(prop("bodyRegion", dict(THORAX_REGION)))
    props.append(prop("modifier", c.modifier))
    return concept(c.code, c.display, props, note=c.note, synonyms=SYNONYMS.get(c.code, ()))


def build_year(year: int) -> Resource:
    return code_system(
        resource_id=f"hcpcs-{year}",
        url=HCPCS,
        version=str(year),
        name=f"HCPCSLevelIIChestImaging{year}",
        title=f"HCPCS Level II {year} — chest imaging fragment",
        description=(
            f"The HCPCS Level II codes and modifiers used with chest imaging that are in force "
            f"for dates of service in {year} ({year}-01-01 to {year}-12-31). A fragment, with "
            "our own short descriptions. The system is also known by its https:// spelling."
        ),
        copyright_text=f"{HCPCS_COPYRIGHT} {HCPCS_OWN_WORDS}",
        concepts=[_concept(c) for c in CODES if in_force(c, year)],
        algorithm="integer",
        period=(f"{year}-01-01", f"{year}-12-31"),
        display_not_official=True,
    )


def build() -> list[Resource]:
    return [build_year(year) for year in YEARS]
