"""Writes a synthetic LOINC release of full size, to measure the loader and the server on it
(``python -m terminology.bench.loinc_release OUT [--terms 100000] [--playbook-terms 6000]``).
Not a test and not content: every term is generated (valid check digits, invented names and
parts), and the release stays out of git.

Shape, chosen to look like LOINC 2.8x: ~100,000 terms in ``LoincTable/Loinc.csv`` with every
column of the real header (~8% DEPRECATED, ~2% DISCOURAGED, ~1% TRIAL; long text in
RELATEDNAMES2 and DefinitionDescription, as the real file has), and ~6,000 radiology terms in
the Playbook file with 5-8 parts each (~40,000 rows), over 8 modalities and 30 regions imaged.
The output is deterministic for a given seed.
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

from terminology.providers.syntax import loinc_check_digit

_HEADER = (
    "LOINC_NUM,COMPONENT,PROPERTY,TIME_ASPCT,SYSTEM,SCALE_TYP,METHOD_TYP,CLASS,"
    "VersionLastChanged,CHNG_TYPE,DefinitionDescription,STATUS,CONSUMER_NAME,CLASSTYPE,FORMULA,"
    "EXMPL_ANSWERS,SURVEY_QUEST_TEXT,SURVEY_QUEST_SRC,UNITSREQUIRED,RELATEDNAMES2,SHORTNAME,"
    "ORDER_OBS,HL7_FIELD_SUBFIELD_ID,EXTERNAL_COPYRIGHT_NOTICE,EXAMPLE_UNITS,LONG_COMMON_NAME,"
    "EXAMPLE_UCUM_UNITS,STATUS_REASON,STATUS_TEXT,CHANGE_REASON_PUBLIC,COMMON_TEST_RANK,"
    "COMMON_ORDER_RANK,COMMON_SI_TEST_RANK,HL7_ATTACHMENT_STRUCTURE,EXTERNAL_COPYRIGHT_LINK,"
    "PanelType,AskAtOrderEntry,AssociatedObservations,VersionFirstReleased,"
    "ValidHL7AttachmentRequest,DisplayName"
).split(",")
_PLAYBOOK_HEADER = (
    "LoincNumber,LongCommonName,PartNumber,PartTypeName,PartName,PartSequenceOrder,RID,"
    "PreferredName,RPID,LongName"
).split(",")
_MODALITIES = ("CT", "MR", "XR", "US", "NM", "RF", "PT", "MG")
_REGIONS = (
    "Chest",
    "Head",
    "Neck",
    "Abdomen",
    "Pelvis",
    "Spine",
    "Upper extremity",
    "Lower extremity",
    "Breast",
    "Heart",
    "Chest and Abdomen",
    "Abdomen and Pelvis",
    "Knee",
    "Shoulder",
    "Hip",
    "Ankle",
    "Wrist",
    "Elbow",
    "Foot",
    "Hand",
    "Face",
    "Orbit",
    "Sinuses",
    "Kidney",
    "Liver",
    "Pancreas",
    "Thyroid",
    "Bladder",
    "Prostate",
    "Whole body",
)
_WORDS = (
    "glucose sodium potassium chloride albumin protein bilirubin creatinine urea lactate "
    "hemoglobin platelets leukocytes antibody antigen virus bacteria culture panel ratio "
    "serum plasma urine blood cerebrospinal fluid mass volume moles presence titer"
).split()
_SYSTEMS = ("Ser/Plas", "Bld", "Urine", "CSF", "Ser", "Plas", "XXX")


def loinc_number(n: int) -> str:
    digits = str(n)
    return f"{digits}-{loinc_check_digit(digits)}"


def _part(n: int) -> str:
    digits = str(n)
    return f"LP{digits}-{loinc_check_digit(digits)}"


def generate(out: Path, terms: int, playbook_terms: int, seed: int = 20260801) -> dict[str, int]:
    """Write the release under ``out``; its counts."""
    rng = random.Random(seed)
    table = out / "LoincTable" / "Loinc.csv"
    playbook = (
        out / "AccessoryFiles" / "LoincRsnaRadiologyPlaybook" / "LoincRsnaRadiologyPlaybook.csv"
    )
    table.parent.mkdir(parents=True, exist_ok=True)
    playbook.parent.mkdir(parents=True, exist_ok=True)
    every = max(terms // max(playbook_terms, 1), 1)
    rows = 0
    with (
        table.open("w", encoding="utf-8", newline="") as t,
        playbook.open("w", encoding="utf-8", newline="") as p,
    ):
        loinc_csv = csv.writer(t, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        playbook_csv = csv.writer(p, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        loinc_csv.writerow(_HEADER)
        playbook_csv.writerow(_PLAYBOOK_HEADER)
        radiology = 0
        numbers: dict[tuple[str, str], str] = {}
        for i in range(terms):
            code = loinc_number(10000 + i * 7)
            roll = rng.random()
            status = (
                "DEPRECATED"
                if roll < 0.08
                else "DISCOURAGED"
                if roll < 0.10
                else "TRIAL"
                if roll < 0.11
                else "ACTIVE"
            )
            imaging = i % every == 0 and radiology < playbook_terms
            if imaging:
                radiology += 1
                modality = _MODALITIES[rng.randrange(len(_MODALITIES))]
                region = _REGIONS[rng.randrange(len(_REGIONS))]
                timing = rng.choice(("WO", "W", "WO & W", ""))
                name = (
                    f"{modality} {region}"
                    + (
                        {
                            "WO": " WO contrast",
                            "W": " W contrast IV",
                            "WO & W": " WO and W contrast IV",
                        }.get(timing, "")
                    )
                    + f" {i}"
                )
                fields = (name.split(" ", 1)[1], "Find", "Pt", region, "Doc", modality, "RAD")
                parts = [
                    ("Rad.Modality.Modality Type", modality),
                    ("Rad.Anatomic Location.Region Imaged", region),
                    ("Rad.View.Aggregation", rng.choice(("1", "2", "Multisection"))),
                    ("Rad.Anatomic Location.Laterality.Presence", "False"),
                    ("Rad.Anatomic Location.Imaging Focus", f"{region} focus {i % 11}"),
                ]
                if timing:
                    parts += [
                        ("Rad.Timing", timing),
                        ("Rad.Pharmaceutical.Substance Given", "Contrast"),
                        ("Rad.Pharmaceutical.Route", "IV"),
                    ]
                for order, (kind, value) in enumerate(parts):
                    number = numbers.setdefault((kind, value), _part(900000 + len(numbers)))
                    playbook_csv.writerow(
                        [code, name, number, kind, value, chr(65 + order), "", "", "", ""]
                    )
                    rows += 1
            else:
                words = rng.sample(_WORDS, 3)
                system = rng.choice(_SYSTEMS)
                name = f"{words[0].title()} {words[1]} [{words[2]}] in {system} {i}"
                fields = (words[0].title(), "MCnc", "Pt", system, "Qn", "", "CHEM")
            record = dict.fromkeys(_HEADER, "")
            record.update(zip(_HEADER[1:8], fields, strict=True))
            record.update(
                LOINC_NUM=code,
                VersionLastChanged=rng.choice(("2.80", "2.81", "2.82", "2.83", "2.84")),
                STATUS=status,
                SHORTNAME=name[:30],
                LONG_COMMON_NAME=name,
                DisplayName=name[:50],
                DefinitionDescription=" ".join(rng.choices(_WORDS, k=25)),
                RELATEDNAMES2="; ".join(rng.choices(_WORDS, k=20)),
                VersionFirstReleased="2.40",
                CLASSTYPE="1",
                ORDER_OBS="Both",
            )
            loinc_csv.writerow([record[c] for c in _HEADER])
    return {"terms": terms, "playbook terms": radiology, "playbook rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("out", type=Path)
    parser.add_argument("--terms", type=int, default=100_000)
    parser.add_argument("--playbook-terms", type=int, default=6_000)
    args = parser.parse_args()
    print(generate(args.out, args.terms, args.playbook_terms))


if __name__ == "__main__":
    main()
