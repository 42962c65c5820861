"""Our ValueSets: versionless includes with enumerated concepts, built from the code-system
tables so that every member and display comes from one place."""

from __future__ import annotations

from collections.abc import Iterable

from terminology.authoring import cpt, hcpcs, icd10cm, loinc, radlex, snomed
from terminology.authoring.common import (
    CPT_OWN_WORDS,
    HCPCS_COPYRIGHT,
    ICD10CM_COPYRIGHT,
    LOINC_COPYRIGHT,
    RADLEX_COPYRIGHT,
    SNOMED_COPYRIGHT,
    cpt_copyright,
)
from terminology.authoring.fhir import Member, Resource, value_set
from terminology.uris import CPT, HCPCS, ICD10CM, LOINC, RADLEX, SNOMED

DISPLAYS: dict[str, dict[str, str]] = {
    CPT: cpt.DISPLAYS,
    HCPCS: hcpcs.DISPLAYS,
    ICD10CM: icd10cm.DISPLAYS,
    LOINC: loinc.DISPLAYS,
    SNOMED: snomed.DISPLAYS,
    RADLEX: radlex.DISPLAYS,
}
#: Unverified flags that travel with a code into every value set that lists it.
NOTES: dict[str, dict[str, str]] = {SNOMED: snomed.NOTES, HCPCS: hcpcs.NOTES}

#: Copyright sentence per system. The versionless CPT includes span CPT 2017 (deleted codes)
#: to 2026, hence the year range THO allows ("adjusted to the release year(s) used").
COPYRIGHTS: dict[str, str] = {
    CPT: f"{cpt_copyright('2017-2026')} {CPT_OWN_WORDS}",
    HCPCS: HCPCS_COPYRIGHT,
    ICD10CM: ICD10CM_COPYRIGHT,
    LOINC: LOINC_COPYRIGHT,
    SNOMED: SNOMED_COPYRIGHT,
    RADLEX: RADLEX_COPYRIGHT,
}


def members(system: str, codes: Iterable[str]) -> list[Member]:
    return [
        Member(system, c, DISPLAYS[system][c], NOTES.get(system, {}).get(c)) for c in codes
    ]


def copyright_for(items: Iterable[Member]) -> str:
    systems = list(dict.fromkeys(m.system for m in items))
    return "\n\n".join(COPYRIGHTS[s] for s in systems)


# --- Member lists ------------------------------------------------------------------------

CPT_RADIOGRAPH = (
    "71010", "71015", "71020", "71021", "71022", "71023", "71030", "71034", "71035",
    "71045", "71046", "71047", "71048", "71100", "71101", "71110", "71111", "71120", "71130",
)
CPT_CT = ("71250", "71260", "71270", "71271", "71275")
CPT_MR = ("71550", "71551", "71552", "71555")

LOINC_RADIOGRAPH = (
    "36554-4", "36572-6", "24648-8", "30746-2", "36643-5", "24647-0", "36298-8", "36320-0",
    "30745-4", "24899-7", "36313-5", "26151-1", "24994-6",
)
LOINC_CT = ("24627-2", "29252-4", "24628-0", "30598-7", "36266-5", "30804-9", "36147-7")
LOINC_MR = ("24629-8", "36442-2", "36156-8", "36283-0", "36547-8", "24659-5")

SNOMED_RADIOGRAPH = ("399208008", "1251531008", "1295209004", "1290587001")
SNOMED_CT = (
    "169069000", "395081000119108", "75385009", "16334891000119106", "16335031000119103",
    "411251000119104", "16332841000119106", "444970007",
)
SNOMED_MR = ("6007000", "16334561000119101", "432815006", "702682005", "711498001")

RADLEX_RADIOGRAPH = (
    "RPID2502", "RPID6035", "RPID2503", "RPID6045", "RPID2504", "RPID6075", "RPID6076",
    "RPID2560", "RPID6049", "RPID2712", "RPID6059", "RPID6039", "RPID6057",
)
RADLEX_CT = ("RPID16", "RPID18", "RPID17", "RPID6002", "RPID6", "RPID147")
RADLEX_MR = ("RPID489", "RPID491", "RPID490", "RPID557", "RPID459")

LDCT_QUALIFYING = ("Z87.891", "F17.210", "F17.211", "F17.213", "F17.218", "F17.219")
CPT_MODIFIERS = ("26", "52", "53", "59", "76", "77")
HCPCS_MODIFIERS = ("TC", "FX", "FY", "XE", "XP", "XS", "XU", "CT")
#: The lung-cancer screening services of NCD 210.14: the scan and the counselling visit.
SCREENING_SERVICES_HCPCS = ("G0297", "G0296")
LOW_OSMOLAR_CONTRAST = ("Q9965", "Q9966", "Q9967")


def _procedures(
    cpt_codes: tuple[str, ...],
    hcpcs_codes: tuple[str, ...],
    loinc_codes: tuple[str, ...],
    snomed_codes: tuple[str, ...],
    radlex_codes: tuple[str, ...],
) -> list[Member]:
    return (
        members(CPT, cpt_codes)
        + members(HCPCS, hcpcs_codes)
        + members(LOINC, loinc_codes)
        + members(SNOMED, snomed_codes)
        + members(RADLEX, radlex_codes)
    )


def _vs(
    resource_id: str, name: str, title: str, description: str, items: list[Member]
) -> Resource:
    return value_set(
        resource_id=resource_id,
        name=name,
        title=title,
        description=description,
        copyright_text=copyright_for(items),
        members=items,
    )


def build() -> list[Resource]:
    return [
        _vs(
            "chest-imaging-procedures", "ChestImagingProcedures", "Chest imaging procedures",
            "Every chest-imaging procedure code we publish: CPT chest radiograph, CT, CTA, MR "
            "and MRA codes, HCPCS G0297, and the LOINC, SNOMED CT and RadLex Playbook codes for "
            "the same exams, so that an order coded in any of them is recognised. The "
            "radiograph codes deleted on "
            "2018-01-01 are members too: they validate for a date of service in 2017 (the "
            "oldest CPT version held), not without a date or for a later date. Chest "
            "fluoroscopy (LOINC 30631-6, RPID6168) is left out: its CPT counterpart is not "
            "chest-specific.",
            _procedures(
                CPT_RADIOGRAPH + CPT_CT + CPT_MR, ("G0297",),
                LOINC_RADIOGRAPH + LOINC_CT + LOINC_MR,
                SNOMED_RADIOGRAPH + SNOMED_CT + SNOMED_MR,
                RADLEX_RADIOGRAPH + RADLEX_CT + RADLEX_MR,
            ),
        ),
        _vs(
            "chest-radiograph-procedures", "ChestRadiographProcedures",
            "Chest radiograph procedures",
            "Projection radiographs of the chest, ribs, sternum and sternoclavicular joints: "
            "CPT 71045-71048 and 71100-71130, the radiograph codes deleted on 2018-01-01, and "
            "the equivalent LOINC, SNOMED CT and RadLex Playbook codes.",
            _procedures(CPT_RADIOGRAPH, (), LOINC_RADIOGRAPH, SNOMED_RADIOGRAPH,
                        RADLEX_RADIOGRAPH),
        ),
        _vs(
            "chest-ct-procedures", "ChestCtProcedures", "Chest CT procedures",
            "CT and CT angiography of the chest: CPT 71250, 71260, 71270, 71271, 71275, HCPCS "
            "G0297 (screening LDCT until 2020), and the equivalent LOINC, SNOMED CT and RadLex "
            "Playbook codes.",
            _procedures(CPT_CT, ("G0297",), LOINC_CT, SNOMED_CT, RADLEX_CT),
        ),
        _vs(
            "chest-mr-procedures", "ChestMrProcedures", "Chest MR procedures",
            "MRI and MR angiography of the chest: CPT 71550, 71551, 71552, 71555 and the "
            "equivalent LOINC, SNOMED CT and RadLex Playbook codes.",
            _procedures(CPT_MR, (), LOINC_MR, SNOMED_MR, RADLEX_MR),
        ),
        _vs(
            "lung-cancer-screening-ldct", "LungCancerScreeningLdct",
            "Lung-cancer screening with low-dose CT",
            "Low-dose CT for lung-cancer screening: CPT 71271 (from 2021), HCPCS G0297 (2015 "
            "to 2020) and RadLex Playbook screening chest CT. No SNOMED CT concept limited to "
            "screening was found (low-dose CT of chest, 16334891000119106, is also diagnostic), "
            "so none is a member.",
            _procedures(("71271",), ("G0297",), (), (), ("RPID6002",)),
        ),
        _vs(
            "lung-cancer-screening-services", "LungCancerScreeningServices",
            "Lung-cancer screening services (NCD 210.14)",
            "The services of Medicare's lung-cancer screening benefit (NCD 210.14): the "
            "screening low-dose CT (CPT 71271 from 2021, HCPCS G0297 2015 to 2020) and the "
            "counselling and shared decision-making visit (HCPCS G0296).",
            members(CPT, ("71271",)) + members(HCPCS, SCREENING_SERVICES_HCPCS),
        ),
        _vs(
            "chest-imaging-indications", "ChestImagingIndications",
            "Chest imaging indications (ICD-10-CM)",
            "Billable ICD-10-CM FY2026 diagnosis codes that commonly indicate chest imaging: "
            "symptoms and findings, infection, airway, parenchymal and pleural disease, "
            "neoplasm, vascular disease, tobacco and screening, exposure and thoracic trauma. "
            "Category and subcategory headers are not members.",
            members(ICD10CM, icd10cm.BILLABLE),
        ),
        _vs(
            "ldct-screening-qualifying-diagnoses", "LdctScreeningQualifyingDiagnoses",
            "Diagnoses qualifying a low-dose CT lung-cancer screening claim",
            "The ICD-10-CM codes Medicare requires on a lung-cancer screening claim (71271, "
            "G0296) under NCD 210.14: Z87.891 (personal history of nicotine dependence: a "
            "former smoker) or one of the cigarette nicotine-dependence codes F17.210 "
            "(uncomplicated), F17.211 (in remission), F17.213 (with withdrawal), F17.218 (with "
            "other nicotine-induced disorders) and F17.219 (with unspecified nicotine-induced "
            "disorders).",
            members(ICD10CM, LDCT_QUALIFYING),
        ),
        _vs(
            "chest-imaging-claim-services", "ChestImagingClaimServices",
            "Services billed on chest-imaging claim lines",
            "What a chest-imaging claim line bills (the binding of our Claim profile's "
            "item.productOrService): the CPT and HCPCS codes of chest-imaging-procedures, the "
            "lung-cancer screening counselling visit HCPCS G0296 (NCD 210.14) and low-osmolar "
            "contrast HCPCS Q9965-Q9967.",
            members(CPT, CPT_RADIOGRAPH + CPT_CT + CPT_MR)
            + members(HCPCS, SCREENING_SERVICES_HCPCS + LOW_OSMOLAR_CONTRAST),
        ),
        _vs(
            "chest-imaging-contrast-supplies", "ChestImagingContrastSupplies",
            "Contrast supplies on chest-imaging claims",
            "HCPCS Level II low-osmolar iodinated contrast, per mL, by iodine concentration "
            "(Q9965-Q9967), billed with contrast chest CT and CTA in the office setting.",
            members(HCPCS, LOW_OSMOLAR_CONTRAST),
        ),
        _vs(
            "chest-imaging-body-sites", "ChestImagingBodySites",
            "Body sites of chest imaging",
            "The body site of a chest-imaging order or claim line: SNOMED CT thoracic "
            "structure.",
            members(SNOMED, (snomed.THORAX,)),
        ),
        _vs(
            "chest-imaging-order-categories", "ChestImagingOrderCategories",
            "Categories of a chest-imaging order",
            "The ServiceRequest category of a chest-imaging order: SNOMED CT Imaging (the "
            "code US Core's ServiceRequest category value set and examples use).",
            members(SNOMED, (snomed.IMAGING_CATEGORY,)),
        ),
        _vs(
            "chest-imaging-claim-modifiers", "ChestImagingClaimModifiers",
            "Modifiers for chest-imaging claim lines",
            "The CPT modifiers (26, 52, 53, 59, 76, 77) and HCPCS Level II modifiers (TC, FX, "
            "FY, XE, XP, XS, XU, CT) used on chest-imaging claim lines.",
            members(CPT, CPT_MODIFIERS) + members(HCPCS, HCPCS_MODIFIERS),
        ),
    ]
