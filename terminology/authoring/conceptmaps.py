"""Our ConceptMaps. R4 equivalence is read from the source to the target: ``wider`` = the
target means more than the source, ``narrower`` = less, ``inexact`` = overlapping."""

from __future__ import annotations

from terminology.authoring import cpt, hcpcs
from terminology.authoring.common import url_for
from terminology.authoring.fhir import Element, Group, Resource, Target, concept_map
from terminology.authoring.valuesets import COPYRIGHTS, DISPLAYS, NOTES
from terminology.uris import CPT, HCPCS, LOINC, RADLEX, SNOMED

#: Reference §3: "The CPT column is our own alignment (no official LOINC↔CPT map was
#: found) — unverified as a mapping." The same holds for our SNOMED CT and RadLex alignments.
OUR_ALIGNMENT = (
    "Our own alignment of CPT with {name}; no official map was found, so the alignment is "
    "unverified as a mapping."
)
PROCEDURES_VS = url_for("ValueSet", "chest-imaging-procedures")

# (CPT code, target code, equivalence, comment or None)
Row = tuple[str, str, str, str | None]

_RIBS_WITH_CHEST = (
    "The CPT study includes a PA chest view, which the LOINC term (ribs only) does not; the "
    "LOINC term states neither side nor number of views."
)
_ALSO_SCREENING = (
    "The target also covers the non-contrast screening low-dose CT (CPT 71271); CPT 71250 is "
    "the diagnostic study only."
)

CPT_TO_LOINC: tuple[Row, ...] = (
    ("71045", "36554-4", "equivalent", None),
    ("71045", "36572-6", "narrower", "The LOINC term names the projection (AP)."),
    ("71045", "24648-8", "narrower", "The LOINC term names the projection (PA, upright)."),
    ("71045", "30746-2", "inexact", "Portable study with any number of views."),
    ("71045", "30745-4", "wider", "The LOINC term does not state the number of views."),
    ("71046", "36643-5", "equivalent", None),
    ("71046", "24647-0", "narrower", "The LOINC term names the projections (PA and lateral)."),
    ("71046", "30746-2", "inexact", "Portable study with any number of views."),
    ("71046", "30745-4", "wider", "The LOINC term does not state the number of views."),
    ("71047", "36298-8", "equivalent", None),
    ("71047", "30746-2", "inexact", "Portable study with any number of views."),
    ("71047", "30745-4", "wider", "The LOINC term does not state the number of views."),
    ("71048", "36320-0", "narrower", "CPT 71048 is four or more views; the LOINC term four."),
    ("71048", "30746-2", "inexact", "Portable study with any number of views."),
    ("71048", "30745-4", "wider", "The LOINC term does not state the number of views."),
    ("71100", "24899-7", "wider", "The LOINC term states neither side nor number of views."),
    # Issue 16: the CPT study includes a PA chest view the LOINC term (ribs only) does not, so
    # the two only overlap.
    ("71101", "24899-7", "inexact", _RIBS_WITH_CHEST),
    ("71110", "36313-5", "equivalent", None),
    ("71110", "24899-7", "wider", "The LOINC term states neither side nor number of views."),
    ("71110", "26151-1", "wider", "The LOINC term does not state the number of views."),
    ("71111", "24899-7", "inexact", _RIBS_WITH_CHEST),
    ("71111", "26151-1", "inexact", "The CPT study includes a PA chest view, which the LOINC "
                                    "term (both sides' ribs) does not."),
    ("71120", "24994-6", "wider", "The LOINC term does not state the number of views."),
    # Issue 16: the non-contrast LOINC term and SNOMED CT concept also cover the screening
    # low-dose CT (71271); 71250 is the diagnostic study only, so the targets are wider.
    ("71250", "29252-4", "wider", _ALSO_SCREENING),
    ("71250", "24627-2", "wider", "The LOINC term does not state contrast."),
    ("71260", "24628-0", "equivalent", None),
    ("71260", "24627-2", "wider", "The LOINC term does not state contrast."),
    ("71270", "30598-7", "equivalent", None),
    ("71270", "24627-2", "wider", "The LOINC term does not state contrast."),
    ("71271", "29252-4", "wider", "No LOINC term for screening low-dose CT was found; this "
                                  "one covers any non-contrast chest CT."),
    # Issue 16: 71275 is with contrast, non-contrast images included when performed, so it
    # covers both the contrast-only (36266-5) and the without-and-with (30804-9) studies.
    ("71275", "36266-5", "narrower", "The LOINC term is the contrast-only study; CPT 71275 "
                                     "also covers studies with non-contrast images."),
    ("71275", "30804-9", "narrower", "The LOINC term is the study with non-contrast images; "
                                     "CPT 71275 also covers the contrast-only study."),
    ("71275", "36147-7", "narrower", "Pulmonary arteries only (e.g. a pulmonary embolism "
                                      "study)."),
    ("71550", "36442-2", "equivalent", None),
    ("71550", "24629-8", "wider", "The LOINC term does not state contrast."),
    ("71551", "36156-8", "equivalent", None),
    ("71551", "24629-8", "wider", "The LOINC term does not state contrast."),
    ("71552", "36283-0", "equivalent", None),
    ("71552", "24629-8", "wider", "The LOINC term does not state contrast."),
    ("71555", "36547-8", "narrower", "CPT 71555 covers MRA with or without contrast."),
    ("71555", "24659-5", "narrower", "CPT 71555 covers MRA with or without contrast."),
)

# Reference §4 has no CPT column; these rows are ours, from the concepts' meanings.
CPT_TO_SNOMED: tuple[Row, ...] = (
    ("71045", "399208008", "wider", "The SNOMED CT concept does not state the number of views."),
    ("71046", "399208008", "wider", "The SNOMED CT concept does not state the number of views."),
    ("71047", "399208008", "wider", "The SNOMED CT concept does not state the number of views."),
    ("71048", "399208008", "wider", "The SNOMED CT concept does not state the number of views."),
    ("71100", "1251531008", "wider", "The SNOMED CT concept states neither side nor number of "
                                     "views."),
    ("71101", "1251531008", "inexact", "The CPT study includes a PA chest view, which the "
                                       "SNOMED CT concept (ribs) does not."),
    ("71110", "1251531008", "wider", "The SNOMED CT concept states neither side nor number of "
                                     "views."),
    ("71111", "1251531008", "inexact", "The CPT study includes a PA chest view, which the "
                                       "SNOMED CT concept (ribs) does not."),
    ("71120", "1295209004", "wider", "The SNOMED CT concept does not state the number of "
                                     "views."),
    ("71130", "1290587001", "wider", "The SNOMED CT concept does not state the number of "
                                     "views."),
    ("71250", "395081000119108", "wider", _ALSO_SCREENING),
    ("71250", "16335031000119103", "narrower", "High-resolution technique only."),
    ("71250", "169069000", "wider", "The SNOMED CT concept does not state contrast."),
    ("71260", "75385009", "equivalent", None),
    ("71260", "169069000", "wider", "The SNOMED CT concept does not state contrast."),
    ("71270", "169069000", "wider", "No SNOMED CT concept for the without-then-with study was "
                                    "found."),
    ("71271", "16334891000119106", "wider", "The SNOMED CT concept is low-dose chest CT, not "
                                            "limited to lung-cancer screening."),
    ("71271", "395081000119108", "wider", "No SNOMED CT concept for screening low-dose CT was "
                                          "found; this one covers any non-contrast chest CT."),
    ("71275", "411251000119104", "equivalent", None),
    ("71275", "16332841000119106", "narrower", "Pulmonary arteries only."),
    ("71275", "444970007", "narrower", "Thoracic aorta only."),
    ("71550", "16334561000119101", "equivalent", None),
    ("71550", "6007000", "wider", "The SNOMED CT concept does not state contrast."),
    ("71551", "432815006", "equivalent", None),
    ("71551", "6007000", "wider", "The SNOMED CT concept does not state contrast."),
    ("71552", "6007000", "wider", "No SNOMED CT concept for the without-then-with study was "
                                  "found."),
    ("71555", "702682005", "equivalent", None),
    ("71555", "711498001", "narrower", "CPT 71555 covers MRA with or without contrast."),
)

CPT_TO_RADLEX: tuple[Row, ...] = (
    ("71045", "RPID2502", "equivalent", None),
    ("71045", "RPID6035", "narrower", "The Playbook item names the projection (PA)."),
    ("71046", "RPID2503", "equivalent", None),
    ("71047", "RPID6045", "narrower", "A three-view study with a named third view (apical "
                                      "lordotic)."),
    ("71048", "RPID2504", "equivalent", None),
    ("71100", "RPID2560", "equivalent", None),
    ("71101", "RPID6049", "inexact", "The Playbook item names an AP chest view with two rib "
                                     "views; CPT 71101 includes a PA chest view and at least "
                                     "three views in all."),
    ("71110", "RPID2712", "equivalent", None),
    ("71111", "RPID6059", "equivalent", None),
    ("71120", "RPID6039", "equivalent", None),
    ("71130", "RPID6057", "equivalent", None),
    ("71250", "RPID16", "equivalent", None),
    ("71260", "RPID18", "equivalent", None),
    ("71270", "RPID17", "equivalent", None),
    ("71271", "RPID6002", "equivalent", None),
    # Issue 16: RPID6 is the without-and-with study; 71275 also covers contrast-only studies
    # (as 71555 -> RPID459 below).
    ("71275", "RPID6", "narrower", "The Playbook item is the study with and without contrast; "
                                   "CPT 71275 also covers the contrast-only study."),
    ("71275", "RPID147", "inexact", "RPID147 is a contrast chest CT for pulmonary embolism, "
                                    "not a CT angiogram; without 3D angiographic "
                                    "post-processing such a study is CPT 71260."),
    ("71550", "RPID489", "equivalent", None),
    ("71551", "RPID491", "equivalent", None),
    ("71552", "RPID490", "equivalent", None),
    ("71555", "RPID557", "narrower", "CPT 71555 covers MRA with or without contrast."),
    ("71555", "RPID459", "narrower", "CPT 71555 covers MRA with or without contrast."),
    # Deleted 2018-01-01: the Playbook keeps chest views with fluoroscopy as items.
    ("71023", "RPID6075", "equivalent", None),
    ("71034", "RPID6076", "equivalent", None),
)


def _group(source: str, target: str, rows: tuple[Row, ...], note: str | None) -> Group:
    by_source: dict[str, list[Target]] = {}
    for src, tgt, equivalence, comment in rows:
        # A target whose own code is flagged (e.g. a reconstructed SCTID) carries both notes.
        notes = [n for n in (note, NOTES.get(target, {}).get(tgt)) if n]
        by_source.setdefault(src, []).append(
            Target(tgt, DISPLAYS[target][tgt], equivalence, comment, " ".join(notes) or None)
        )
    elements = tuple(
        Element(src, DISPLAYS[source][src], tuple(targets)) for src, targets in by_source.items()
    )
    return Group(source, target, elements)


def _alignment_map(map_id: str, name: str, target: str, target_name: str,
                   rows: tuple[Row, ...]) -> Resource:
    return concept_map(
        resource_id=map_id,
        name=name,
        title=f"CPT to {target_name} for chest imaging",
        description=(
            f"Maps CPT chest-imaging procedure codes to {target_name} codes for the same exam. "
            f"{OUR_ALIGNMENT.format(name=target_name)} Each target carries this flag."
        ),
        copyright_text=f"{COPYRIGHTS[CPT]}\n\n{COPYRIGHTS[target]}",
        groups=[_group(CPT, target, rows, OUR_ALIGNMENT.format(name=target_name))],
        source_value_set=PROCEDURES_VS,
        target_value_set=PROCEDURES_VS,
    )


_REPLACEMENT_COMMENTS: dict[tuple[str, str], tuple[str, str | None]] = {
    # (deleted, replacement): (equivalence, comment). Equivalence from the old meaning: the new
    # codes count views of any projection, so most are wider than the old specific series.
    ("71010", "71045"): ("wider", "71045 is one view of any projection."),
    ("71015", "71045"): ("wider", "71045 is one view of any projection."),
    ("71020", "71046"): ("wider", "71046 is two views of any projections."),
    ("71021", "71047"): ("wider", "71047 is three views of any projections."),
    ("71022", "71047"): ("inexact", "Choose by the total number of views: 3 views = 71047."),
    ("71022", "71048"): ("inexact", "Choose by the total number of views: 4 or more = 71048."),
    ("71023", "71046"): ("inexact", "71046 covers the two views; fluoroscopy is reported "
                                    "separately."),
    ("71030", "71048"): ("equivalent", None),
    ("71034", "71048"): ("inexact", "71048 covers the views; fluoroscopy is reported "
                                    "separately."),
    ("71035", "71045"): ("inexact", "Choose by the total number of views in the session."),
    ("71035", "71046"): ("inexact", "Choose by the total number of views in the session."),
    ("71035", "71047"): ("inexact", "Choose by the total number of views in the session."),
    ("71035", "71048"): ("inexact", "Choose by the total number of views in the session."),
}


def _replacements() -> Resource:
    elements = []
    for code in cpt.DELETED:
        targets = []
        for r in code.replaced_by:
            equivalence, comment = _REPLACEMENT_COMMENTS[(code.code, r.code)]
            targets.append(Target(r.code, cpt.DISPLAYS[r.code], equivalence, comment, r.note))
        elements.append(Element(code.code, code.display, tuple(targets)))
    g0297 = next(c for c in hcpcs.CODES if c.code == "G0297")
    hcpcs_element = Element(
        g0297.code, g0297.display,
        (Target("71271", cpt.DISPLAYS["71271"], "equivalent",
                "G0297 ended 2020-12-31; CPT 71271 is used from 2021-01-01."),),
    )
    return concept_map(
        resource_id="deleted-code-replacements",
        name="DeletedCodeReplacements",
        title="Deleted chest-imaging codes and their replacements",
        description=(
            "Replacements for deleted chest-imaging codes: the nine chest radiograph codes CPT "
            "deleted on 2018-01-01 (CPT 2017) to the view-count codes 71045-71048 (CPT 2018), "
            "and HCPCS G0297 (ended 2020-12-31) to CPT 71271 (CPT 2021). A deleted code may "
            "have several replacements; the total number of views decides."
        ),
        copyright_text=f"{COPYRIGHTS[CPT]}\n\n{COPYRIGHTS[HCPCS]}",
        groups=[
            Group(CPT, CPT, tuple(elements), source_version="2017", target_version="2018"),
            Group(HCPCS, CPT, (hcpcs_element,), source_version="2020", target_version="2021"),
        ],
        source_value_set=PROCEDURES_VS,
        target_value_set=PROCEDURES_VS,
    )


def build() -> list[Resource]:
    return [
        _alignment_map("cpt-to-loinc-chest-imaging", "CptToLoincChestImaging", LOINC, "LOINC",
                       CPT_TO_LOINC),
        _alignment_map("cpt-to-snomed-chest-imaging", "CptToSnomedChestImaging", SNOMED,
                       "SNOMED CT", CPT_TO_SNOMED),
        _alignment_map("cpt-to-radlex-chest-imaging", "CptToRadlexChestImaging", RADLEX,
                       "RadLex Playbook", CPT_TO_RADLEX),
        _replacements(),
    ]
