"""Writes a synthetic AMA CPT release of full size, in the layout ``terminology load cpt`` reads
by default, to measure the loader and the server on it
(``python -m terminology.bench.cpt_release OUT [--codes 11000]``), and measures ``$lookup``
latency against a running server (``python -m terminology.bench.cpt_release OUT --measure
http://127.0.0.1:8080/fhir``). Not a test and not content: every descriptor is generated from
a word list (never the AMA's text) and the release stays out of git.

Shape, chosen to look like a current CPT release: ~11,000 codes (about 90% Category I, five
digits; 5% Category II, ending in F; 4% Category III, ending in T; the rest PLA, ending in U),
our chest-imaging codes among them; a long descriptor of 8-40 words, a medium one of 5-10 and
a short one of at most 28 upper-case characters; the 2-digit modifiers, 1P-8P and P1-P6; and
a deleted-codes history of ~3,000 rows spread over the years since 1990. Each file starts with
a notice as the AMA's do. Deterministic for a given seed.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from pathlib import Path

import requests

from terminology.uris import CPT

_WORDS = (
    "radiologic examination chest thorax lung pleura heart aorta artery vein bone rib spine "
    "abdomen pelvis contrast material without with followed by sections further imaging "
    "computed tomography magnetic resonance angiography ultrasound guidance injection "
    "procedure repair excision biopsy incision drainage catheter placement removal unilateral "
    "bilateral anterior posterior lateral views complete limited single multiple each "
    "additional primary secondary evaluation management patient office outpatient visit "
    "established new including interpretation report professional technical component"
).split()
_CHEST = (
    "71045 71046 71047 71048 71100 71101 71110 71111 71120 71130 71250 71260 71270 71271 "
    "71275 71550 71551 71552 71555"
).split()
_MODIFIERS = [f"{n:02d}" for n in range(22, 100)] + ["1P", "2P", "3P", "8P"]
_MODIFIERS += [f"P{n}" for n in range(1, 7)]
_NOTICE = [
    "SYNTHETIC BENCHMARK RELEASE: generated text in the layout of the AMA CPT data files.",
    "No descriptor in this file is the AMA's.",
    "",
]


def _words(rng: random.Random, low: int, high: int) -> str:
    text = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(low, high)))
    return text[0].upper() + text[1:]


def _codes(rng: random.Random, total: int) -> list[str]:
    codes = set(_CHEST)
    shares = [
        (0.90, "{:05d}", 100, 99_999),
        (0.05, "{:04d}F", 1, 9_999),
        (0.04, "{:04d}T", 1, 999),
        (0.01, "{:04d}U", 1, 999),
    ]
    for share, shape, low, high in shares:
        wanted = len(codes) + int(total * share)
        while len(codes) < min(wanted, total):
            codes.add(shape.format(rng.randint(low, high)))
    return sorted(codes)


def _write(path: Path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))


def generate(out: Path, total: int, seed: int = 2026) -> dict[str, int]:
    rng = random.Random(seed)
    codes = _codes(rng, total)
    long = [f"{c}\t{_words(rng, 8, 40)}" for c in codes]
    medium = [f"{c} {_words(rng, 5, 10)}" for c in codes]
    short = [f"{c} {_words(rng, 2, 4).upper()[:28]}" for c in codes]
    _write(out / "LONGULT.txt", _NOTICE + long)
    _write(out / "MEDU.txt", _NOTICE + medium)
    _write(out / "SHORTU.txt", _NOTICE + short)
    _write(out / "MODUL.txt", _NOTICE + [f"{m}\t{_words(rng, 3, 12)}" for m in _MODIFIERS])
    history = ["Concept Id\tCode\tDate Deleted\tLevel\tDescriptor\tInstruction"]
    kept = set(codes)
    deleted = 0
    while deleted < total * 3 // 11:
        code = f"{rng.randint(100, 99_999):05d}"
        if code in kept:
            continue
        kept.add(code)
        deleted += 1
        year = rng.randint(1990, 2026)
        replacement = f"To report, use {rng.choice(codes)}" if rng.random() < 0.5 else ""
        history.append(
            f"{1_000_000 + deleted}\t{code}\t{year}0101\tLevel\t{_words(rng, 6, 20)}\t{replacement}"
        )
    _write(out / "history" / "Deleted_DTK_tab.txt", history)
    return {"codes": len(codes), "modifiers": len(_MODIFIERS), "deleted": deleted}


def measure(out: Path, base: str, requests_count: int = 2000, seed: int = 7) -> dict[str, float]:
    """``$lookup`` latency (ms) of codes of the release at ``out``, one request at a time, each
    code asked once (so no cached answer is measured), after 50 warm-up requests."""
    rng = random.Random(seed)
    codes = [line.split("\t", 1)[0] for line in (out / "LONGULT.txt").read_text().splitlines()]
    codes = [c for c in codes if len(c) == 5 and c[:4].isdigit()]
    asked = rng.sample(codes, min(len(codes), requests_count + 50))
    timings = []
    with requests.Session() as session:
        for n, code in enumerate(asked):
            started = time.perf_counter()
            r = session.get(f"{base}/CodeSystem/$lookup", params={"system": CPT, "code": code})
            elapsed = (time.perf_counter() - started) * 1000
            if r.status_code != 200:
                raise RuntimeError(f"$lookup {code}: HTTP {r.status_code}: {r.text[:200]}")
            if n >= 50:
                timings.append(elapsed)
    timings.sort()
    return {
        "requests": len(timings),
        "median_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 2),
        "p99_ms": round(timings[int(len(timings) * 0.99) - 1], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("out", type=Path)
    parser.add_argument("--codes", type=int, default=11_000)
    parser.add_argument(
        "--seed", type=int, default=2026, help="of the release, or of the codes asked"
    )
    parser.add_argument("--measure", metavar="BASE", help="measure $lookup against this base")
    args = parser.parse_args()
    if args.measure:
        print(measure(args.out, args.measure.rstrip("/"), seed=args.seed))
    else:
        print(generate(args.out, args.codes, args.seed))


if __name__ == "__main__":
    main()
