"""ICD-10-CM FY2026 chest-imaging indications (reference §5): exactly the 79 listed codes, each
nested under its ancestors up to the 3-character category as in the FY2026 tabular.

Titles and the parent chain were read from the April-1-2026 FY2026 tabular shipped in
simple-icd-10-cm 1.5.0 (https://pypi.org/project/simple-icd-10-cm/); they are official US
government text. They are copied into this table because the authoring package imports only
the standard library; tests/content checks the table against the package again.

Placeholder levels are not tabular items: S22.31XA's parent is S22.31 (there is no S22.31X),
S22.5XXA's is S22.5 (as simple_icd_10_cm.get_parent reports).
"""

from __future__ import annotations

from terminology.authoring.common import ICD10CM_COPYRIGHT
from terminology.authoring.fhir import Resource, code_system, concept, prop
from terminology.uris import ICD10CM

VERSION = "2026"
PERIOD = ("2025-10-01", "2026-09-30")  # fiscal year 2026

#: The billable codes of reference §5, in the reference's order (5a..5f).
BILLABLE: tuple[str, ...] = (
    # 5a findings and symptoms
    "R91.1", "R91.8", "R05.1", "R05.2", "R05.3", "R05.4", "R05.8", "R05.9", "R06.00", "R06.02",
    "R06.03", "R06.2", "R04.2", "R07.1", "R07.89", "R07.9", "R09.02", "R09.1", "R50.9",
    "R93.89",
    # 5b infection, airway, parenchymal and pleural disease
    "J18.9", "J12.82", "U07.1", "A15.0", "J44.9", "J44.1", "J84.10", "J84.112", "J98.11", "J90",
    "J93.9", "J81.0",
    # 5c neoplasm
    "C34.11", "C34.12", "C34.2", "C34.31", "C34.32", "C34.90", "C34.91", "C34.92", "C78.00",
    "D38.1", "Z85.118", "Z08",
    # 5d vascular
    "I26.99", "I26.09", "I26.92", "I26.93", "I26.94", "I27.82", "Z86.711", "I27.20", "I71.010",
    "I71.012", "I71.20", "I71.21", "I71.23",
    # 5e tobacco, screening, pre-procedure, exposure
    "Z87.891", "F17.210", "F17.211", "F17.213", "F17.218", "F17.219", "Z72.0", "Z12.2",
    "Z01.811", "Z77.090", "Z20.822",
    # 5f thoracic trauma (7th character A = initial encounter)
    "S22.31XA", "S22.32XA", "S22.41XA", "S22.42XA", "S22.5XXA", "S22.20XA", "S27.0XXA",
    "S27.1XXA", "S27.2XXA", "S27.321A", "S29.9XXA",
)

#: (code, parent or None for a 3-character category, official FY2026 title) for every code
#: and header in the fragment.
TABULAR: tuple[tuple[str, str | None, str], ...] = (
    ("A15", None, "Respiratory tuberculosis"),
    ("A15.0", "A15", "Tuberculosis of lung"),
    ("C34", None, "Malignant neoplasm of bronchus and lung"),
    ("C34.1", "C34", "Malignant neoplasm of upper lobe, bronchus or lung"),
    ("C34.11", "C34.1", "Malignant neoplasm of upper lobe, right bronchus or lung"),
    ("C34.12", "C34.1", "Malignant neoplasm of upper lobe, left bronchus or lung"),
    ("C34.2", "C34", "Malignant neoplasm of middle lobe, bronchus or lung"),
    ("C34.3", "C34", "Malignant neoplasm of lower lobe, bronchus or lung"),
    ("C34.31", "C34.3", "Malignant neoplasm of lower lobe, right bronchus or lung"),
    ("C34.32", "C34.3", "Malignant neoplasm of lower lobe, left bronchus or lung"),
    ("C34.9", "C34", "Malignant neoplasm of unspecified part of bronchus or lung"),
    ("C34.90", "C34.9", "Malignant neoplasm of unspecified part of unspecified bronchus or lung"),
    ("C34.91", "C34.9", "Malignant neoplasm of unspecified part of right bronchus or lung"),
    ("C34.92", "C34.9", "Malignant neoplasm of unspecified part of left bronchus or lung"),
    ("C78", None, "Secondary malignant neoplasm of respiratory and digestive organs"),
    ("C78.0", "C78", "Secondary malignant neoplasm of lung"),
    ("C78.00", "C78.0", "Secondary malignant neoplasm of unspecified lung"),
    ("D38", None,
     "Neoplasm of uncertain behavior of middle ear and respiratory and intrathoracic organs"),
    ("D38.1", "D38", "Neoplasm of uncertain behavior of trachea, bronchus and lung"),
    ("F17", None, "Nicotine dependence"),
    ("F17.2", "F17", "Nicotine dependence"),
    ("F17.21", "F17.2", "Nicotine dependence, cigarettes"),
    ("F17.210", "F17.21", "Nicotine dependence, cigarettes, uncomplicated"),
    ("F17.211", "F17.21", "Nicotine dependence, cigarettes, in remission"),
    ("F17.213", "F17.21", "Nicotine dependence, cigarettes, with withdrawal"),
    ("F17.218", "F17.21", "Nicotine dependence, cigarettes, with other nicotine-induced disorders"),
    ("F17.219", "F17.21",
     "Nicotine dependence, cigarettes, with unspecified nicotine-induced disorders"),
    ("I26", None, "Pulmonary embolism"),
    ("I26.0", "I26", "Pulmonary embolism with acute cor pulmonale"),
    ("I26.09", "I26.0", "Other pulmonary embolism with acute cor pulmonale"),
    ("I26.9", "I26", "Pulmonary embolism without acute cor pulmonale"),
    ("I26.92", "I26.9", "Saddle embolus of pulmonary artery without acute cor pulmonale"),
    ("I26.93", "I26.9",
     "Single subsegmental thrombotic pulmonary embolism without acute cor pulmonale"),
    ("I26.94", "I26.9",
     "Multiple subsegmental thrombotic pulmonary emboli without acute cor pulmonale"),
    ("I26.99", "I26.9", "Other pulmonary embolism without acute cor pulmonale"),
    ("I27", None, "Other pulmonary heart diseases"),
    ("I27.2", "I27", "Other secondary pulmonary hypertension"),
    ("I27.20", "I27.2", "Pulmonary hypertension, unspecified"),
    ("I27.8", "I27", "Other specified pulmonary heart diseases"),
    ("I27.82", "I27.8", "Chronic pulmonary embolism"),
    ("I71", None, "Aortic aneurysm and dissection"),
    ("I71.0", "I71", "Dissection of aorta"),
    ("I71.01", "I71.0", "Dissection of thoracic aorta"),
    ("I71.010", "I71.01", "Dissection of ascending aorta"),
    ("I71.012", "I71.01", "Dissection of descending thoracic aorta"),
    ("I71.2", "I71", "Thoracic aortic aneurysm, without rupture"),
    ("I71.20", "I71.2", "Thoracic aortic aneurysm, without rupture, unspecified"),
    ("I71.21", "I71.2", "Aneurysm of the ascending aorta, without rupture"),
    ("I71.23", "I71.2", "Aneurysm of the descending thoracic aorta, without rupture"),
    ("J12", None, "Viral pneumonia, not elsewhere classified"),
    ("J12.8", "J12", "Other viral pneumonia"),
    ("J12.82", "J12.8", "Pneumonia due to coronavirus disease 2019"),
    ("J18", None, "Pneumonia, unspecified organism"),
    ("J18.9", "J18", "Pneumonia, unspecified organism"),
    ("J44", None, "Other chronic obstructive pulmonary disease"),
    ("J44.1", "J44", "Chronic obstructive pulmonary disease with (acute) exacerbation"),
    ("J44.9", "J44", "Chronic obstructive pulmonary disease, unspecified"),
    ("J81", None, "Pulmonary edema"),
    ("J81.0", "J81", "Acute pulmonary edema"),
    ("J84", None, "Other interstitial pulmonary diseases"),
    ("J84.1", "J84", "Other interstitial pulmonary diseases with fibrosis"),
    ("J84.10", "J84.1", "Pulmonary fibrosis, unspecified"),
    ("J84.11", "J84.1", "Idiopathic interstitial pneumonia"),
    ("J84.112", "J84.11", "Idiopathic pulmonary fibrosis"),
    ("J90", None, "Pleural effusion, not elsewhere classified"),
    ("J93", None, "Pneumothorax and air leak"),
    ("J93.9", "J93", "Pneumothorax, unspecified"),
    ("J98", None, "Other respiratory disorders"),
    ("J98.1", "J98", "Pulmonary collapse"),
    ("J98.11", "J98.1", "Atelectasis"),
    ("R04", None, "Hemorrhage from respiratory passages"),
    ("R04.2", "R04", "Hemoptysis"),
    ("R05", None, "Cough"),
    ("R05.1", "R05", "Acute cough"),
    ("R05.2", "R05", "Subacute cough"),
    ("R05.3", "R05", "Chronic cough"),
    ("R05.4", "R05", "Cough syncope"),
    ("R05.8", "R05", "Other specified cough"),
    ("R05.9", "R05", "Cough, unspecified"),
    ("R06", None, "Abnormalities of breathing"),
    ("R06.0", "R06", "Dyspnea"),
    ("R06.00", "R06.0", "Dyspnea, unspecified"),
    ("R06.02", "R06.0", "Shortness of breath"),
    ("R06.03", "R06.0", "Acute respiratory distress"),
    ("R06.2", "R06", "Wheezing"),
    ("R07", None, "Pain in throat and chest"),
    ("R07.1", "R07", "Chest pain on breathing"),
    ("R07.8", "R07", "Other chest pain"),
    ("R07.89", "R07.8", "Other chest pain"),
    ("R07.9", "R07", "Chest pain, unspecified"),
    ("R09", None, "Other symptoms and signs involving the circulatory and respiratory system"),
    ("R09.0", "R09", "Asphyxia and hypoxemia"),
    ("R09.02", "R09.0", "Hypoxemia"),
    ("R09.1", "R09", "Pleurisy"),
    ("R50", None, "Fever of other and unknown origin"),
    ("R50.9", "R50", "Fever, unspecified"),
    ("R91", None, "Abnormal findings on diagnostic imaging of lung"),
    ("R91.1", "R91", "Solitary pulmonary nodule"),
    ("R91.8", "R91", "Other nonspecific abnormal finding of lung field"),
    ("R93", None, "Abnormal findings on diagnostic imaging of other body structures"),
    ("R93.8", "R93", "Abnormal findings on diagnostic imaging of other specified body structures"),
    ("R93.89", "R93.8",
     "Abnormal findings on diagnostic imaging of other specified body structures"),
    ("S22", None, "Fracture of rib(s), sternum and thoracic spine"),
    ("S22.2", "S22", "Fracture of sternum"),
    ("S22.20", "S22.2", "Unspecified fracture of sternum"),
    ("S22.20XA", "S22.20",
     "Unspecified fracture of sternum, initial encounter for closed fracture"),
    ("S22.3", "S22", "Fracture of one rib"),
    ("S22.31", "S22.3", "Fracture of one rib, right side"),
    ("S22.31XA", "S22.31",
     "Fracture of one rib, right side, initial encounter for closed fracture"),
    ("S22.32", "S22.3", "Fracture of one rib, left side"),
    ("S22.32XA", "S22.32", "Fracture of one rib, left side, initial encounter for closed fracture"),
    ("S22.4", "S22", "Multiple fractures of ribs"),
    ("S22.41", "S22.4", "Multiple fractures of ribs, right side"),
    ("S22.41XA", "S22.41",
     "Multiple fractures of ribs, right side, initial encounter for closed fracture"),
    ("S22.42", "S22.4", "Multiple fractures of ribs, left side"),
    ("S22.42XA", "S22.42",
     "Multiple fractures of ribs, left side, initial encounter for closed fracture"),
    ("S22.5", "S22", "Flail chest"),
    ("S22.5XXA", "S22.5", "Flail chest, initial encounter for closed fracture"),
    ("S27", None, "Injury of other and unspecified intrathoracic organs"),
    ("S27.0", "S27", "Traumatic pneumothorax"),
    ("S27.0XXA", "S27.0", "Traumatic pneumothorax, initial encounter"),
    ("S27.1", "S27", "Traumatic hemothorax"),
    ("S27.1XXA", "S27.1", "Traumatic hemothorax, initial encounter"),
    ("S27.2", "S27", "Traumatic hemopneumothorax"),
    ("S27.2XXA", "S27.2", "Traumatic hemopneumothorax, initial encounter"),
    ("S27.3", "S27", "Other and unspecified injuries of lung"),
    ("S27.32", "S27.3", "Contusion of lung"),
    ("S27.321", "S27.32", "Contusion of lung, unilateral"),
    ("S27.321A", "S27.321", "Contusion of lung, unilateral, initial encounter"),
    ("S29", None, "Other and unspecified injuries of thorax"),
    ("S29.9", "S29", "Unspecified injury of thorax"),
    ("S29.9XXA", "S29.9", "Unspecified injury of thorax, initial encounter"),
    ("U07", None, "Emergency use of U07"),
    ("U07.1", "U07", "COVID-19"),
    ("Z01", None,
     "Encounter for other special examination without complaint, suspected or reported diagnosis"),
    ("Z01.8", "Z01", "Encounter for other specified special examinations"),
    ("Z01.81", "Z01.8", "Encounter for preprocedural examinations"),
    ("Z01.811", "Z01.81", "Encounter for preprocedural respiratory examination"),
    ("Z08", None,
     "Encounter for follow-up examination after completed treatment for malignant neoplasm"),
    ("Z12", None, "Encounter for screening for malignant neoplasms"),
    ("Z12.2", "Z12", "Encounter for screening for malignant neoplasm of respiratory organs"),
    ("Z20", None, "Contact with and (suspected) exposure to communicable diseases"),
    ("Z20.8", "Z20", "Contact with and (suspected) exposure to other communicable diseases"),
    ("Z20.82", "Z20.8",
     "Contact with and (suspected) exposure to other viral communicable diseases"),
    ("Z20.822", "Z20.82", "Contact with and (suspected) exposure to COVID-19"),
    ("Z72", None, "Problems related to lifestyle"),
    ("Z72.0", "Z72", "Tobacco use"),
    ("Z77", None, "Other contact with and (suspected) exposures hazardous to health"),
    ("Z77.0", "Z77",
     "Contact with and (suspected) exposure to hazardous, chiefly nonmedicinal, chemicals"),
    ("Z77.09", "Z77.0",
     "Contact with and (suspected) exposure to other hazardous, chiefly nonmedicinal, chemicals"),
    ("Z77.090", "Z77.09", "Contact with and (suspected) exposure to asbestos"),
    ("Z85", None, "Personal history of malignant neoplasm"),
    ("Z85.1", "Z85", "Personal history of malignant neoplasm of trachea, bronchus and lung"),
    ("Z85.11", "Z85.1", "Personal history of malignant neoplasm of bronchus and lung"),
    ("Z85.118", "Z85.11", "Personal history of other malignant neoplasm of bronchus and lung"),
    ("Z86", None, "Personal history of certain other diseases"),
    ("Z86.7", "Z86", "Personal history of diseases of the circulatory system"),
    ("Z86.71", "Z86.7", "Personal history of venous thrombosis and embolism"),
    ("Z86.711", "Z86.71", "Personal history of pulmonary embolism"),
    ("Z87", None, "Personal history of other diseases and conditions"),
    ("Z87.8", "Z87", "Personal history of other specified conditions"),
    ("Z87.89", "Z87.8", "Personal history of other specified conditions"),
    ("Z87.891", "Z87.89", "Personal history of nicotine dependence"),
)

DISPLAYS: dict[str, str] = {code: title for code, _, title in TABULAR}


def _nested() -> list[Resource]:
    billable = set(BILLABLE)
    children: dict[str | None, list[str]] = {}
    for code, parent, _ in TABULAR:
        children.setdefault(parent, []).append(code)

    def node(code: str) -> Resource:
        # Headers (categories and subcategories one may not bill) are notSelectable.
        props = [] if code in billable else [prop("notSelectable", True)]
        kids = [node(c) for c in sorted(children.get(code, ()))]
        return concept(code, DISPLAYS[code], props, kids)

    return [node(c) for c in sorted(children[None])]


def build() -> list[Resource]:
    return [
        code_system(
            resource_id=f"icd10cm-{VERSION}",
            url=ICD10CM,
            version=VERSION,
            name=f"ICD10CMChestImagingIndicationsFY{VERSION}",
            title=f"ICD-10-CM FY{VERSION} — chest-imaging indications fragment",
            description=(
                "The ICD-10-CM FY2026 codes (in force 2025-10-01 to 2026-09-30) that commonly "
                "indicate chest imaging, nested under their tabular ancestors up to the "
                "3-character category. Headers are notSelectable. Titles are the official "
                "FY2026 tabular titles (April 1, 2026 update)."
            ),
            copyright_text=ICD10CM_COPYRIGHT,
            concepts=_nested(),
            algorithm="integer",
            period=PERIOD,
            hierarchy_meaning="is-a",
        )
    ]
