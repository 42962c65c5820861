"""Writes a synthetic SNOMED CT RF2 Snapshot of full size, to measure the loader and the server
on it (``python -m terminology.bench.snomed_release OUT [--concepts 370000]``). Not a test and
not content: every id, term and link is generated, and the release stays out of git.

Shape, chosen to look like the International Edition: ~370,000 concepts (10% inactive, with no
is-a links), ~3 descriptions per concept (FSN, preferred synonym, an acceptable synonym or two),
~1.75 is-a parents per active concept (~580,000 links), 19 top-level hierarchies under the root,
depth up to ~18 (most concepts at 6-12), and a fan-out that narrows with depth; each extra
parent is a sibling of the first (or of its parent), from a level above, so there is no cycle
and ancestor sets stay near SNOMED CT's ~20-30 codes. The
output is deterministic for a given seed.
"""

from __future__ import annotations

import argparse
import random
import uuid
from pathlib import Path

from terminology.providers.syntax import verhoeff_valid

ROOT = "138875005"
INT = "900000000000207008"
US_REFSET = "900000000000509007"
PREFERRED, ACCEPTABLE = "900000000000548007", "900000000000549004"
FSN, SYNONYM, IS_A, INFERRED = (
    "900000000000003001",
    "900000000000013009",
    "116680003",
    "900000000000011006",
)
_WORDS = (
    "acute chronic left right upper lower anterior posterior lateral medial proximal distal "
    "structure disorder procedure finding imaging computed tomography magnetic resonance "
    "radiography chest thorax lung pleura heart aorta artery vein bone rib spine abdomen "
    "pelvis contrast without with screening diagnostic therapeutic excision repair biopsy "
    "injection infection inflammation neoplasm malignant benign congenital traumatic fracture "
    "lesion mass nodule effusion embolism stenosis occlusion aneurysm dissection"
).split()
_TAGS = ("procedure", "disorder", "finding", "body structure", "substance", "qualifier value")


def sctid(item: int, partition: str) -> str:
    body = f"{item}{partition}"
    return next(body + d for d in "0123456789" if verhoeff_valid(body + d))


def generate(out: Path, concepts: int, seed: int = 20250301) -> dict[str, int]:
    rng = random.Random(seed)
    inactive = concepts // 10
    active = concepts - inactive
    ids = [ROOT] + [sctid(1_000_000 + n, "00") for n in range(1, concepts)]
    level = [0] * concepts
    parents: list[list[int]] = [[] for _ in range(concepts)]
    by_level: list[list[int]] = [[0]]
    # The active hierarchy, level by level: how many concepts each depth holds (most at 7-12,
    # as in SNOMED CT), each under a parent of the level above, hubs more likely.
    weights = [
        0.0005,
        0.002,
        0.01,
        0.03,
        0.07,
        0.11,
        0.14,
        0.15,
        0.14,
        0.11,
        0.08,
        0.06,
        0.04,
        0.025,
        0.015,
        0.008,
        0.004,
    ]
    sizes = [19] + [int(w / sum(weights) * (active - 20)) for w in weights]
    sizes[-1] += active - 1 - sum(sizes)
    kids: dict[int, list[int]] = {}
    placed = 1
    for depth, width in enumerate(sizes, start=1):
        current = []
        above = by_level[-1]
        for n in range(placed, placed + width):
            first = above[min(int(len(above) * rng.random() ** 2), len(above) - 1)]
            parents[n].append(first)
            level[n] = depth
            current.append(n)
            kids.setdefault(first, []).append(n)
            if depth > 2 and rng.random() < 0.6:
                # another parent near the first (a sibling of it, under the same grandparent),
                # as SNOMED CT's extra parents mostly are: ancestor sets stay ~20-30 codes
                uncles = kids.get(parents[first][0], [])
                other = uncles[rng.randrange(len(uncles))] if uncles else first
                if other != first:
                    parents[n].append(other)
                if rng.random() < 0.25 and parents[first][0] != 0:
                    cousins = kids.get(parents[parents[first][0]][0], [])
                    other = cousins[rng.randrange(len(cousins))] if cousins else first
                    if other not in parents[n] and level[other] < depth:
                        parents[n].append(other)
        by_level.append(current)
        placed += width
    folder = out / "Snapshot"
    (folder / "Terminology").mkdir(parents=True, exist_ok=True)
    (folder / "Refset" / "Language").mkdir(parents=True, exist_ok=True)
    stamp = "INT_20250301"
    counts = {"concepts": concepts, "descriptions": 0, "is-a": 0, "depth": len(sizes)}
    with (
        open(folder / "Terminology" / f"sct2_Concept_Snapshot_{stamp}.txt", "w") as cf,
        open(folder / "Terminology" / f"sct2_Description_Snapshot-en_{stamp}.txt", "w") as df,
        open(folder / "Terminology" / f"sct2_Relationship_Snapshot_{stamp}.txt", "w") as rf,
        open(
            folder / "Refset" / "Language" / f"der2_cRefset_LanguageSnapshot-en_{stamp}.txt",
            "w",
        ) as lf,
    ):
        cf.write("id\teffectiveTime\tactive\tmoduleId\tdefinitionStatusId\r\n")
        df.write(
            "id\teffectiveTime\tactive\tmoduleId\tconceptId\tlanguageCode\ttypeId\tterm\t"
            "caseSignificanceId\r\n"
        )
        rf.write(
            "id\teffectiveTime\tactive\tmoduleId\tsourceId\tdestinationId\trelationshipGroup\t"
            "typeId\tcharacteristicTypeId\tmodifierId\r\n"
        )
        lf.write(
            "id\teffectiveTime\tactive\tmoduleId\trefsetId\treferencedComponentId\t"
            "acceptabilityId\r\n"
        )
        description = relationship = 0
        for n, cid in enumerate(ids):
            is_active = n < active
            status = "900000000000073002" if rng.random() < 0.2 else "900000000000074008"
            cf.write(f"{cid}\t20250301\t{int(is_active)}\t{INT}\t{status}\r\n")
            words = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(2, 6)))
            term = f"{words.capitalize()} {n}"
            tag = _TAGS[n % len(_TAGS)]
            synonyms = [(FSN, f"{term} ({tag})", PREFERRED), (SYNONYM, term, PREFERRED)]
            for extra in range(rng.choice((0, 1, 1, 2))):
                synonyms.append(
                    (SYNONYM, f"{rng.choice(_WORDS).capitalize()} {term} {extra}", ACCEPTABLE)
                )
            for type_id, text, acceptability in synonyms:
                description += 1
                did = sctid(description, "01")
                df.write(
                    f"{did}\t20250301\t1\t{INT}\t{cid}\ten\t{type_id}\t{text}\t"
                    "900000000000448009\r\n"
                )
                member = uuid.UUID(int=rng.getrandbits(128))
                lf.write(f"{member}\t20250301\t1\t{INT}\t{US_REFSET}\t{did}\t{acceptability}\r\n")
            for parent in parents[n]:
                relationship += 1
                rf.write(
                    f"{sctid(relationship, '02')}\t20250301\t1\t{INT}\t{cid}\t{ids[parent]}\t0\t"
                    f"{IS_A}\t{INFERRED}\t900000000000451002\r\n"
                )
        counts["descriptions"] = description
        counts["is-a"] = relationship
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("out", type=Path)
    parser.add_argument("--concepts", type=int, default=370_000)
    parser.add_argument("--seed", type=int, default=20250301)
    args = parser.parse_args()
    print(generate(args.out, args.concepts, args.seed))


if __name__ == "__main__":
    main()
