"""CPT chest-imaging codes (reference §1) and one CodeSystem per calendar year 2017..2026.

The displays are OUR OWN short descriptions (reference §1a "Our plain description", §1b "Old
meaning", §1c meanings), never AMA descriptor text: official descriptors need an AMA licence.
A code is in a version exactly when its effective/end dates cover that version's year.
"""

from __future__ import annotations

from dataclasses import dataclass

from terminology.authoring.common import CPT_OWN_WORDS, cpt_copyright
from terminology.authoring.fhir import Resource, code_system, concept, prop
from terminology.authoring.synonyms import SYNONYMS
from terminology.uris import CPT, SNOMED

YEARS = range(2017, 2027)


@dataclass(frozen=True)
class Replacement:
    code: str
    note: str | None = None  # unverified flag, when the reference marks the mapping unverified


@dataclass(frozen=True)
class CptCode:
    code: str
    display: str
    modality: tuple[str, ...]
    contrast: str
    views: str | None = None
    purpose: str = "diagnostic"
    # None = in force before 2017 and the exact start date is not known: no date is invented.
    effective: str | None = None
    end: str | None = None
    replaced_by: tuple[Replacement, ...] = ()


#: The body region of every chest code (issue 16: "71250 covers the abdomen" must be refutable
#: from the data). 51185008 |Thoracic structure| as FHIR examples and IGs code the chest (e.g.
#: HL7 Swiss ServiceRequest and Indonesian Observation examples, DICOM-derived code lists).
THORAX_REGION = {"system": SNOMED, "code": "51185008", "display": "Thoracic structure"}

#: PC/TC indicator 1 (26 and TC may each be billed) is confirmed for 71045 only, by a secondary
#: source (https://webhooks.codingahead.com/cpt/codes/71045 , reference S17); the CMS RVU file
#: (PCTC_IND column) was not available to us, so every other code carries this flag.
PCTC_CONFIRMED = frozenset({"71045"})
PCTC_INFERRED = (
    "PC/TC indicator 1 is inferred from the pattern of diagnostic radiology codes; it was not "
    "checked against the PCTC_IND column of the CMS physician fee schedule RVU file."
)

# The reference (§1b) marks these unverified, and our verification found no source that states
# them code by code (only the view-count rule, RCCB above), so they stay flagged.
_BY_VIEW_COUNT = (
    "No published crosswalk states this replacement; it is derived from the 2018 view-count "
    "rule and the deleted code's meaning."
)
# 76000 (fluoroscopy, separate procedure) excluded chest fluoroscopy while 71023/71034 existed:
# its descriptor read "other than 71023 or 71034" (CPT Assistant June 2008 as quoted by AAPC,
# https://aapc.com/codes/coding-newsletters/my-radiology-coding-alert/reader-question-76000-has-
# a-role-in-foreign-body-removal-124070-article ); today's descriptor (e.g.
# https://www.carepatron.com/procedure-code/cpt-code-76000 ) no longer names them. That
# suggests, but no source states, that 76000 reports chest fluoroscopy from 2018, so 76000 is
# not published and the replacement stays flagged.
_PLUS_FLUORO = (
    "No published crosswalk states this replacement; it is derived from the 2018 view-count "
    "rule. The fluoroscopy part is reported with a separate code; 76000 is likely (until 2017 "
    "its descriptor excluded only 71023 and 71034) but no source confirms it for the chest."
)

# Codes in force now. The reference flagged the view counts of 71110, 71111 and 71130; our
# verification found them in secondary sources, so they carry no unverified flag:
#   71110 https://medpayiq.com/cpt/71110 (short descriptor "X-ray exam ribs bil 3 views");
#   71111 https://www.codingahead.com/cpt-code-71111/ , https://medpayiq.com/cpt/71111 ;
#   71130 https://www.codingahead.com/cpt-71130/ , https://medpayiq.com/cpt/71130 .
# 71045-71048 from 2018-01-01: http://www.rccb.org/RCCB/Resources/Summer_2018/
#   Taking_a_Closer_Look_at_the_New_X-Ray_Codes.aspx ; 71271 from 2021-01-01:
#   https://med.noridianmedicare.com/es/web/jfa/topics/preventive-services/lung-cancer-screening
CURRENT: tuple[CptCode, ...] = (
    CptCode("71045", "Chest radiograph, one view", ("XR",), "none", "1", effective="2018-01-01"),
    CptCode("71046", "Chest radiograph, two views", ("XR",), "none", "2", effective="2018-01-01"),
    CptCode("71047", "Chest radiograph, three views", ("XR",), "none", "3",
            effective="2018-01-01"),
    CptCode("71048", "Chest radiograph, four or more views", ("XR",), "none", "4+",
            effective="2018-01-01"),
    CptCode("71100", "Rib radiographs, one side, two views (no chest view)", ("XR",), "none",
            "2"),
    CptCode("71101", "Rib radiographs, one side, including a PA chest view, ≥3 views total",
            ("XR",), "none", "3+"),
    CptCode("71110", "Rib radiographs, both sides, three views", ("XR",), "none", "3"),
    CptCode("71111", "Rib radiographs, both sides, including a PA chest view, ≥4 views",
            ("XR",), "none", "4+"),
    CptCode("71120", "Sternum radiographs, ≥2 views", ("XR",), "none", "2+"),
    CptCode("71130", "Sternoclavicular joint(s) radiographs, ≥3 views", ("XR",), "none", "3+"),
    CptCode("71250", "Diagnostic chest CT, no IV contrast", ("CT",), "none"),
    CptCode("71260", "Diagnostic chest CT with IV contrast", ("CT",), "with"),
    CptCode("71270", "Diagnostic chest CT: plain series followed by contrast series", ("CT",),
            "without-then-with"),
    CptCode("71271", "Screening low-dose chest CT for lung cancer (never with contrast)",
            ("CT",), "none", purpose="screening", effective="2021-01-01"),
    CptCode("71275",
            "CT angiography of chest vessels (non-coronary), contrast; any non-contrast images "
            "and 3D post-processing are bundled", ("CTA",), "with"),
    CptCode("71550", "MRI of chest, no contrast", ("MR",), "none"),
    CptCode("71551", "MRI of chest with contrast", ("MR",), "with"),
    CptCode("71552", "MRI of chest without then with contrast", ("MR",), "without-then-with"),
    CptCode("71555",
            "MR angiography of the chest vessels; one code whether or not contrast is given",
            ("MRA",), "with-or-without"),
)

_DELETED_END = "2017-12-31"  # the 2018 chest-radiograph re-write (reference §1b, verified sec)

# Deleted on 2018-01-01. View counts come from the old meaning where it states one.
DELETED: tuple[CptCode, ...] = (
    CptCode("71010", "Chest radiograph, single frontal view", ("XR",), "none",
            "1", end=_DELETED_END, replaced_by=(Replacement("71045"),)),
    CptCode("71015", "Chest radiograph, stereo frontal", ("XR",), "none",
            end=_DELETED_END, replaced_by=(Replacement("71045"),)),
    CptCode("71020", "Chest radiograph, frontal and lateral", ("XR",), "none",
            "2", end=_DELETED_END, replaced_by=(Replacement("71046", _BY_VIEW_COUNT),)),
    CptCode("71021", "Chest radiograph, frontal, lateral and apical lordotic",
            ("XR",), "none", "3", end=_DELETED_END,
            replaced_by=(Replacement("71047", _BY_VIEW_COUNT),)),
    CptCode("71022", "Chest radiograph, frontal, lateral and oblique(s)",
            ("XR",), "none", end=_DELETED_END,
            replaced_by=(Replacement("71047", _BY_VIEW_COUNT),
                         Replacement("71048", _BY_VIEW_COUNT))),
    CptCode("71023", "Chest radiograph, frontal and lateral, with fluoroscopy",
            ("XR", "RF"), "none", "2", end=_DELETED_END,
            replaced_by=(Replacement("71046", _PLUS_FLUORO),)),
    # 71030 -> 71048 is stated by a secondary source (reference §1b, S4), so not flagged.
    CptCode("71030", "Chest radiograph, complete, four or more views", ("XR",),
            "none", "4+", end=_DELETED_END, replaced_by=(Replacement("71048"),)),
    CptCode("71034",
            "Chest radiograph, complete, four or more views, with fluoroscopy",
            ("XR", "RF"), "none", "4+", end=_DELETED_END,
            replaced_by=(Replacement("71048", _PLUS_FLUORO),)),
    # 71035 -> 71045..71048 by total view count is a rule verified (sec) (RCCB), not flagged.
    CptCode("71035", "Chest radiograph, special views such as decubitus or Bucky",
            ("XR",), "none", end=_DELETED_END,
            replaced_by=tuple(Replacement(c) for c in ("71045", "71046", "71047", "71048"))),
)

PROCEDURES: tuple[CptCode, ...] = tuple(sorted(CURRENT + DELETED, key=lambda c: c.code))

# Modifiers (reference §1c, our one-line meanings); their kind is flagged (KIND_UNCONFIRMED).
MODIFIERS: tuple[tuple[str, str], ...] = (
    ("26", "Professional component only: the physician's interpretation and report"),
    ("52", "Reduced service: done, but less than the code describes, at the physician's "
           "discretion"),
    ("53", "Discontinued: the physician stopped a started procedure for the patient's safety "
           "or other extenuating reasons"),
    ("59", "Distinct procedural service, separate from another service on the same day"),
    ("76", "Same procedure repeated the same day by the same physician"),
    ("77", "Same procedure repeated the same day by a different physician"),
)

DISPLAYS: dict[str, str] = {c.code: c.display for c in PROCEDURES} | dict(MODIFIERS)


def in_force(code: CptCode, year: int) -> bool:
    return (code.effective is None or code.effective <= f"{year}-12-31") and (
        code.end is None or code.end >= f"{year}-01-01"
    )


def _procedure_concept(c: CptCode) -> Resource:
    props = [prop("modality", m) for m in c.modality]
    props.append(prop("contrast", c.contrast))
    if c.views:
        props.append(prop("views", c.views))
    props.append(prop("purpose", c.purpose))
    props.append(prop("bodyRegion", dict(THORAX_REGION)))
    props.append(
        prop("pctcIndicator", "1", None if c.code in PCTC_CONFIRMED else PCTC_INFERRED)
    )
    if c.effective:
        props.append(prop("effectiveDate", c.effective))
    if c.end:
        props.append(prop("endDate", c.end))
    # Every concept of a version is in force in that version, hence active in it.
    props.append(prop("status", "active"))
    props += [prop("replacedBy", r.code, r.note) for r in c.replaced_by]
    props += [prop("modifier", False), prop("modified", False), prop("kind", "code")]
    return concept(c.code, c.display, props, synonyms=SYNONYMS.get(c.code, ()))


#: HL7's CPT page (https://build.fhir.org/ig/HL7/UTG/CPT.html , HL7/UTG
#: input/pagecontent/CPT.xml) defines kind ``general`` ("a general modifier") and notes that
#: some general modifiers are also cat-1; which kind(s) the AMA files give each modifier is in
#: the licensed CPT data, which we have not seen.
KIND_UNCONFIRMED = (
    "kind = general is our reading of HL7's CPT kinds; the kind(s) the AMA CPT files assign to "
    "this modifier (general and/or cat-1) were not seen in any source."
)


def _modifier_concept(code: str, display: str) -> Resource:
    props = [
        prop("status", "active"),
        prop("modifier", True),
        prop("modified", False),
        prop("kind", "general", KIND_UNCONFIRMED),
    ]
    return concept(code, display, props)


# The chest section of CPT's diagnostic radiology (71010-71599). A version may declare it complete
# (every code of the section in force that year, so an unknown code of the section does not
# exist) only for years our research confirmed code by code. It confirmed none, so every version
# keeps the fragment rule:
# - 71090 (pacemaker insertion, fluoroscopy S&I) was deleted 2013-01-01 (Bracco/MedLearn Q&A,
#   https://www.medlearnmedia.com/bracco-qa/for-the-week-of-october-12-2015-8/ , secondary).
# - 71040/71060 (bronchography) are deleted codes ("use 76499",
#   https://case2code.codingahead.com/cpt/codes/71040 ), but no stored source gives the year, so
#   the 2017 section cannot be confirmed, nor any later year, each built on the one before.
# - Year-to-year changes found: 2018 replaced 71010-71035 by 71045-71048 (RCCB, above); 2021
#   added 71271 and deleted no chest code (radiology: 2 new, 76145 and 71271; 2 deleted, 76970
#   and 78135: https://www.medscorecoding.com/radiology-cpt-changes-2021/ ); 2023 changed no chest
#   code (radiology: 1 addition, 76883, 0 deletions: AMA-based summary at
#   https://www.slideshare.net/slideshow/2023-cpt-code-updates-cdm-focused/254901213 ). No
#   chest-section change list was found for 2019, 2020, 2022, 2024, 2025 or 2026.
CHEST_SECTION = ("chest section of CPT diagnostic radiology", "71010", "71599")
CHEST_SECTION_COMPLETE_YEARS: frozenset[int] = frozenset()


def build_year(year: int) -> Resource:
    concepts = [_procedure_concept(c) for c in PROCEDURES if in_force(c, year)]
    concepts += [_modifier_concept(code, display) for code, display in MODIFIERS]
    return code_system(
        resource_id=f"cpt-{year}",
        url=CPT,
        version=str(year),
        name=f"CPTChestImaging{year}",
        title=f"CPT {year} — chest imaging fragment",
        description=(
            f"The chest-imaging CPT codes in force for dates of service in {year} "
            f"({year}-01-01 to {year}-12-31), with the CPT modifiers used on chest-imaging "
            "claim lines. A fragment: only these codes, with our own short descriptions, "
            "synonyms and properties (modality, contrast, views, purpose, body region, PC/TC "
            "indicator, dates, replacements)."
        ),
        copyright_text=f"{cpt_copyright(str(year))} {CPT_OWN_WORDS}",
        concepts=concepts,
        algorithm="integer",
        period=(f"{year}-01-01", f"{year}-12-31"),
        display_not_official=True,
        complete_range=CHEST_SECTION if year in CHEST_SECTION_COMPLETE_YEARS else None,
    )


def build() -> list[Resource]:
    return [build_year(year) for year in YEARS]
